/**
 * The layout's rules are lint rules (eslint.config.js); these cases prove they bite, so a config edit
 * that silently disables one fails here rather than letting the architecture drift.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/paths.ts';

const eslint = new ESLint({ cwd: repoRoot });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layout boundaries', () => {
  describe('when product code imports what it must not', () => {
    it.each([
      ['inference-service/src/api/app.ts', "import '../../../tooling/freePort.ts';", /must not import tooling/],
      ['inference-service/src/cli/main.ts', "import '../../../scripts/start.ts';", /must not import tooling/],
      ['inference-service/src/service/metrics.ts', "import '../../../test/support/paths.ts';", /must not import tooling/],
      ['inference-service/src/sr/codes.ts', "import { data } from 'dcmjs';", /dcmjs is untyped/],
      ['inference-service/src/xray/npy.ts', "import '../api/errors.ts';", /Domain code must not depend/],
      ['inference-service/src/dicom/types.ts', "import '../service/metrics.ts';", /The DICOM domain must not depend/],
      ['inference-service/src/service/metrics.ts', "import '../viewer/appConfig.ts';", /A service must not depend/],
      ['inference-service/src/autoClassify/cursorStore.ts', "import '../sidecar.ts';", /A service must not depend/],
    ])('should refuse %s importing %s', async (file, code, message) => {
      const messages = await restrictedImports(file, code);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(message);
    });
  });

  describe('when imports follow the layers', () => {
    it.each([
      ['inference-service/src/dicom/parsePart10.ts', "import { data } from 'dcmjs';"],
      ['inference-service/src/api/app.ts', "import '../service/metrics.ts';"],
      ['inference-service/src/service/metrics.ts', "import '../pipeline/types.ts';"],
      ['tooling/orthanc/startOrthanc.ts', "import '../../inference-service/src/orthanc/orthancClient.ts';"],
    ])('should allow %s importing %s', async (file, code) => {
      expect(await restrictedImports(file, code)).toEqual([]);
    });
  });
});
