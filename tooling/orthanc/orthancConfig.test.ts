import { describe, expect, it } from 'vitest';
import { buildOrthancConfiguration, readOrthancTemplate } from './orthancConfig.ts';
import { orthancPaths } from './settings.ts';

const run = {
  storageDir: '/tmp/cxr-orthanc-test',
  httpPort: 18042,
  dicomPort: false as const,
  credentials: { username: 'cxr', password: 'secret' },
  luaScripts: [orthancPaths.notifySidecarScript],
  stableAgeSeconds: 1,
};

describe('buildOrthancConfiguration', () => {
  describe('from the committed template', () => {
    it('should keep the template\'s shared settings and add the run\'s', async () => {
      const template = await readOrthancTemplate();
      const config = buildOrthancConfiguration(template, run);
      expect(config).toMatchObject({
        DicomWeb: { Enable: true, Root: '/dicom-web/' },
        OverwriteInstances: false,
        StorageDirectory: run.storageDir,
        IndexDirectory: run.storageDir,
        HttpPort: 18042,
        DicomServerEnabled: false,
        RegisteredUsers: { cxr: 'secret' },
        LuaScripts: [orthancPaths.notifySidecarScript],
        StableAge: 1,
        Plugins: [orthancPaths.dicomWebPlugin],
      });
    });

    it('should force authentication on and remote access off whatever the template says', () => {
      const config = buildOrthancConfiguration({ AuthenticationEnabled: false, RemoteAccessAllowed: true }, { ...run, dicomPort: 14242 });
      expect(config).toMatchObject({ AuthenticationEnabled: true, RemoteAccessAllowed: false, DicomServerEnabled: true, DicomPort: 14242 });
    });
  });

  describe('with unusable credentials', () => {
    it('should refuse a username with a colon (RFC 7617)', () => {
      expect(() => buildOrthancConfiguration({}, { ...run, credentials: { username: 'a:b', password: 'x' } })).toThrow(
        /username must be non-empty and without ':', got 'a:b'/,
      );
    });
  });
});
