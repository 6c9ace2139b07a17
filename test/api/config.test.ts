import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../inference-service/src/config/config.ts';
import { configDefaults, configEnv } from '../../inference-service/src/config/defaults.ts';

const required = {
  [configEnv.apiToken]: 'a-token-of-sixteen-or-more',
  [configEnv.orthancUsername]: 'orthanc',
  [configEnv.orthancPassword]: 'secret',
};

describe('loadConfig', () => {
  describe('a minimal environment', () => {
    it('should fill in the documented defaults', () => {
      const config = loadConfig(required);
      expect(config).toMatchObject({
        port: configDefaults.port,
        host: configDefaults.host,
        orthanc: { url: configDefaults.orthancUrl, credentials: { username: 'orthanc', password: 'secret' } },
        autoClassify: true,
        maxQueue: configDefaults.maxQueue,
        concurrency: configDefaults.concurrency,
        intraOpThreads: configDefaults.intraOpThreads,
        ortSpinning: false,
        modelLayout: 'adaptive',
        bodyLimitBytes: configDefaults.bodyLimitMb * 1024 * 1024,
        requestTimeoutMs: configDefaults.requestTimeoutMs,
        apiTokenGenerated: false,
      });
    });

    it('should read switches and numbers, and treat empty as unset', () => {
      const config = loadConfig({
        ...required,
        [configEnv.autoClassify]: 'off',
        [configEnv.ortSpinning]: 'yes',
        [configEnv.port]: '0',
        [configEnv.bodyLimitMb]: '0.5',
        [configEnv.host]: '',
        [configEnv.modelLayout]: 'Throughput',
      });
      expect(config).toMatchObject({ autoClassify: false, ortSpinning: true, port: 0, bodyLimitBytes: 512 * 1024, host: configDefaults.host, modelLayout: 'throughput' });
    });

    it('should classify in process without CXR_REDIS_URL, and be a worker of the shared queue with it', () => {
      expect(loadConfig(required).queue).toBeUndefined();
      expect(loadConfig({ ...required, [configEnv.redisUrl]: 'redis://queue:6379/2', [configEnv.queueLockMs]: '5000' }).queue).toEqual({
        redisUrl: 'redis://queue:6379/2',
        prefix: configDefaults.redisPrefix,
        lockMs: 5000,
      });
    });

    it('should make up a token in development only', () => {
      const { [configEnv.apiToken]: _omitted, ...withoutToken } = required;
      const config = loadConfig({ ...withoutToken, NODE_ENV: 'development' });
      expect(config.apiTokenGenerated).toBe(true);
      expect(config.apiToken.length).toBeGreaterThanOrEqual(32);
    });
  });

  describe('a wrong environment', () => {
    it('should name a variable that is not a number', () => {
      expect(() => loadConfig({ ...required, [configEnv.port]: 'eighty' })).toThrow(/^Invalid sidecar configuration: CXR_PORT: /);
    });

    it('should name an unknown switch value', () => {
      expect(() => loadConfig({ ...required, [configEnv.autoClassify]: 'maybe' })).toThrow(/CXR_AUTO_CLASSIFY/);
    });

    it('should name a model layout that does not exist', () => {
      expect(() => loadConfig({ ...required, [configEnv.modelLayout]: 'fastest' })).toThrow(/CXR_MODEL_LAYOUT/);
    });

    it('should name a URL that is not http(s)', () => {
      expect(() => loadConfig({ ...required, [configEnv.orthancUrl]: 'ftp://pacs' })).toThrow(/CXR_ORTHANC_URL/);
    });

    it('should name a Redis URL of another scheme, a too short lock and a prefix that is not a plain word', () => {
      expect(() => loadConfig({ ...required, [configEnv.redisUrl]: 'http://queue:6379' })).toThrow(/CXR_REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
      expect(() => loadConfig({ ...required, [configEnv.redisUrl]: 'redis://queue', [configEnv.queueLockMs]: '10' })).toThrow(/CXR_QUEUE_LOCK_MS: Too small/);
      expect(() => loadConfig({ ...required, [configEnv.redisPrefix]: 'a:b' })).toThrow(/CXR_REDIS_PREFIX: letters, digits/);
    });

    it('should require the token outside development, saying how to get one', () => {
      const { [configEnv.apiToken]: _omitted, ...withoutToken } = required;
      expect(() => loadConfig(withoutToken)).toThrow(ConfigError);
      expect(() => loadConfig(withoutToken)).toThrow(/CXR_API_TOKEN is required/);
    });

    it('should refuse a username without a password', () => {
      expect(() => loadConfig({ [configEnv.apiToken]: required[configEnv.apiToken], [configEnv.orthancUsername]: 'orthanc' })).toThrow(
        /set both CXR_ORTHANC_USERNAME and CXR_ORTHANC_PASSWORD/,
      );
    });
  });
});
