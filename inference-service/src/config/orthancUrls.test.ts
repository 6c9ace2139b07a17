import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { configEnv } from './defaults.ts';

const token = 'orthanc-urls-token-0123456789';

describe('CXR_ORTHANC_URL with several endpoints', () => {
  it('should take the first as the endpoint and the others, in order, for failover', () => {
    const config = loadConfig({ [configEnv.apiToken]: token, [configEnv.orthancUrl]: 'http://pacs-a:8042/, http://pacs-b:8042,https://pacs-c/orthanc' });
    expect(config.orthanc.url).toBe('http://pacs-a:8042');
    expect(config.orthanc.failoverUrls).toEqual(['http://pacs-b:8042', 'https://pacs-c/orthanc']);
  });

  it('should have no failover endpoints for one URL', () => {
    expect(loadConfig({ [configEnv.apiToken]: token, [configEnv.orthancUrl]: 'http://pacs-a:8042' }).orthanc).not.toHaveProperty('failoverUrls');
  });

  it('should name the entry that is not an http(s) URL', () => {
    const load = () => loadConfig({ [configEnv.apiToken]: token, [configEnv.orthancUrl]: 'http://pacs-a:8042,ftp://pacs-b' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/CXR_ORTHANC_URL\.1: each comma-separated entry must be an http\(s\) URL/);
  });
});
