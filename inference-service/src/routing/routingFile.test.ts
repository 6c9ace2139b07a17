import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { ClassifyRules, createRuleMetrics, notIncludedLabel, wildcardMatch } from './classifyRules.ts';
import { loadRoutingFile, parseRoutingFile, RoutingFileError } from './routingFile.ts';

describe('routing file', () => {
  describe('valid files', () => {
    it('should read rules and destinations, resolving a password from the environment', () => {
      const settings = parseRoutingFile(
        {
          classify: { include: [{ name: 'chest', bodyPartExamined: 'CHEST' }], exclude: [{ name: 'icu', callingAeTitle: ['ICU*', 'NICU?'] }] },
          destinations: [
            { name: 'pacs', type: 'dicom', modality: 'main-pacs' },
            { name: 'vna', type: 'stow-rs', url: 'https://vna.example/dicom-web/', username: 'cxr', passwordEnv: 'VNA_PASSWORD' },
          ],
          delivery: { maxAttempts: 5 },
        },
        'site.json',
        { VNA_PASSWORD: 's3cret' },
      );
      expect(settings.include).toEqual([{ name: 'chest', bodyPartExamined: 'CHEST' }]);
      expect(settings.exclude[0]?.callingAeTitle).toEqual(['ICU*', 'NICU?']);
      expect(settings.destinations).toEqual([
        { name: 'pacs', type: 'dicom', modality: 'main-pacs' },
        { name: 'vna', type: 'stow-rs', url: 'https://vna.example/dicom-web', credentials: { username: 'cxr', password: 's3cret' } },
      ]);
      expect(settings.delivery).toEqual({ maxAttempts: 5 });
    });

    it('should accept an empty file', () => {
      expect(parseRoutingFile({}, 'empty.json')).toEqual({ include: [], exclude: [], destinations: [], delivery: {} });
    });
  });

  describe('invalid files', () => {
    const errorOf = (input: unknown, env: Record<string, string> = {}): string => {
      try {
        parseRoutingFile(input, 'site.json', env);
      } catch (error) {
        expect(error).toBeInstanceOf(RoutingFileError);
        return (error as Error).message;
      }
      throw new Error('parseRoutingFile accepted it');
    };

    it('should name the rule holding an unknown attribute', () => {
      const message = errorOf({ classify: { exclude: [{ name: 'ok', modality: 'CR' }, { name: 'portables', staton: 'ICU*' }] } });
      expect(message).toMatch(/^Invalid routing file site\.json: /);
      expect(message).toMatch(/classify\.exclude\[1\] "portables".*staton/);
    });

    it('should name a rule that tests nothing, and an empty pattern', () => {
      expect(errorOf({ classify: { include: [{ name: 'nothing' }] } })).toMatch(/classify\.include\[0\] "nothing": a rule tests at least one of callingAeTitle/);
      expect(errorOf({ classify: { include: [{ name: 'blank', stationName: '' }] } })).toMatch(/classify\.include\[0\] "blank"\.stationName: a pattern must not be empty/);
      expect(errorOf({ classify: { include: [{ name: 'num', modality: 3 }] } })).toMatch(/"num"\.modality: expected a pattern \(a string with \* and \?\) or a list of patterns/);
      expect(errorOf({ classify: { include: [{ name: 'ctl', stationName: 'A\nB' }] } })).toMatch(/"ctl"\.stationName: a pattern must not hold control characters/);
    });

    it('should refuse duplicate names, bad names and a missing password variable', () => {
      expect(errorOf({ classify: { exclude: [{ name: 'a', modality: 'CR' }, { name: 'a', modality: 'DX' }] } })).toMatch(/classify\.exclude\[1\] "a": the name is used twice/);
      expect(errorOf({ destinations: [{ name: '../etc', type: 'dicom', modality: 'pacs' }] })).toMatch(/destinations\[0\] "\.\.\/etc"\.name: a destination name/);
      expect(errorOf({ destinations: [{ name: 'vna', type: 'stow-rs', url: 'https://x/dicom-web', username: 'u', passwordEnv: 'NOT_SET' }] })).toMatch(
        /destinations\[0\] "vna": passwordEnv names NOT_SET, which is not set/,
      );
      expect(errorOf({ destinations: [{ name: 'vna', type: 'stow-rs', url: 'ftp://x/' }] })).toMatch(/destinations\[0\] "vna"\.url/);
      expect(errorOf({ destinations: [{ name: 'vna', type: 'stow-rs', url: 'https://x/', username: 'u' }] })).toMatch(/a username needs a password/);
      expect(errorOf({ destinations: [{ name: 'x', type: 'email' }] })).toMatch(/destinations\[0\] "x"\.type/);
    });

    it('should name a file that is missing or not JSON', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'cxr-routing-file-'));
      try {
        expect(() => loadRoutingFile(join(dir, 'absent.json'))).toThrow(/Cannot read the routing file .*absent\.json/);
        await writeFile(join(dir, 'bad.json'), '{ "classify": ');
        expect(() => loadRoutingFile(join(dir, 'bad.json'))).toThrow(/The routing file .*bad\.json is not valid JSON/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});

describe('classify rules', () => {
  it('should match DICOM wildcards, ignoring case and padding', () => {
    expect(wildcardMatch('ICU*', 'icu-portable-2 ')).toBe(true);
    expect(wildcardMatch('*PORT?BLE*', 'ICU PORTABLE 2')).toBe(true);
    expect(wildcardMatch('CR', 'CT')).toBe(false);
    expect(wildcardMatch('*', '')).toBe(true);
    expect(wildcardMatch('A*', '')).toBe(false);
    // A pattern that makes a backtracking regular expression take exponential time answers at once here.
    expect(wildcardMatch('*A*A*A*A*A*A*A*A*A*A*A*B', 'A'.repeat(5000))).toBe(false);
  });

  it('should classify what an include rule matches and no exclude rule does', () => {
    const rules = new ClassifyRules({
      include: [{ name: 'chest-cr', modality: ['CR', 'DX'], bodyPartExamined: 'CHEST' }],
      exclude: [{ name: 'icu', callingAeTitle: 'ICU*' }],
    });
    expect(rules.needsCallingAeTitle).toBe(true);
    expect(rules.decide({ modality: 'DX', bodyPartExamined: 'chest', callingAeTitle: 'ED1' })).toEqual({ classify: true });
    const excluded = rules.decide({ modality: 'DX', bodyPartExamined: 'CHEST', callingAeTitle: 'ICU3' });
    expect(excluded).toEqual({ classify: false, reason: `excluded by the site's rule "icu" (callingAeTitle 'ICU3' ~ ICU*)` });
    const notIncluded = rules.decide({ modality: 'DX', callingAeTitle: 'ED1' });
    expect(notIncluded.classify).toBe(false);
    expect(!notIncluded.classify && notIncluded.reason).toMatch(/include no image like this one \(modality 'DX', bodyPartExamined ''; include rules: "chest-cr"\)/);
  });

  it('should count each refusal by the rule that made it', async () => {
    const registry = new Registry();
    const excluded = createRuleMetrics(registry);
    const rules = new ClassifyRules({ include: [{ name: 'dx', modality: 'DX' }], exclude: [{ name: 'icu', stationName: 'ICU*' }] }, { excluded });
    rules.decide({ modality: 'CR' });
    rules.decide({ modality: 'DX', stationName: 'ICU 1' });
    rules.decide({ modality: 'DX', stationName: 'ICU 2' });
    rules.decide({ modality: 'DX', stationName: 'ED' });
    const values = Object.fromEntries((await excluded.get()).values.map((v) => [v.labels.rule, v.value]));
    expect(values).toEqual({ [notIncludedLabel]: 1, icu: 2 });
  });

  it('should not let a rule on an absent attribute match it', () => {
    const rules = new ClassifyRules({ include: [], exclude: [{ name: 'station', stationName: 'ICU*' }] });
    expect(rules.needsCallingAeTitle).toBe(false);
    expect(rules.decide({ modality: 'CR' })).toEqual({ classify: true });
  });
});
