import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The architecture the README describes, held by lint: product code never reaches into what only
 * develops, tests or starts it; dcmjs stays behind the typed DICOM boundary; and dependencies point
 * one way, HTTP (api, viewer, cli, the wiring) → services (service, autoClassify) → domain, never back.
 */
const src = 'inference-service/src';
const notTooling = { group: ['**/tooling/**', '**/scripts/**', '**/test/**'], message: 'Product code (inference-service/src) must not import tooling, scripts or tests.' };
const dcmjsOnlyInDicom = { group: ['dcmjs', 'dcmjs/*'], message: 'dcmjs is untyped: use inference-service/src/dicom, its one typed boundary.' };
const httpLayer = ['**/api/**', '**/viewer/**', '**/cli/**', '**/sidecar.ts', '**/server.ts'];
const serviceLayer = ['**/service/**', '**/autoClassify/**', '**/queue/**'];
const noUpward = (layers, who) => ({ group: layers, message: `${who} must not depend on the layers above it (HTTP → services → domain).` });
const domainFolders = ['finding', 'dicom', 'xray', 'model', 'torch', 'cam', 'pipeline', 'sr', 'orthanc', 'config'];
const productFiles = [`${src}/**/*.ts`, `${src}/**/*.mjs`];
const notTests = [`${src}/**/*.test.ts`];

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', 'inference-service/dist/**', 'data/**', 'artifacts/**', '.cache/**', 'ohif-extension/dist/**', '.tmp/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', performance: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', window: 'readonly', document: 'readonly', Response: 'readonly', Request: 'readonly', Headers: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: productFiles,
    ignores: [...notTests, `${src}/dicom/**`],
    rules: { 'no-restricted-imports': ['error', { patterns: [notTooling, dcmjsOnlyInDicom] }] },
  },
  {
    files: [`${src}/dicom/**`],
    ignores: notTests,
    rules: { 'no-restricted-imports': ['error', { patterns: [notTooling, noUpward([...httpLayer, ...serviceLayer], 'The DICOM domain')] }] },
  },
  {
    files: domainFolders.filter((f) => f !== 'dicom').map((f) => `${src}/${f}/**`),
    ignores: notTests,
    rules: { 'no-restricted-imports': ['error', { patterns: [notTooling, dcmjsOnlyInDicom, noUpward([...httpLayer, ...serviceLayer], 'Domain code')] }] },
  },
  {
    files: [`${src}/service/**`, `${src}/autoClassify/**`, `${src}/queue/**`],
    ignores: notTests,
    rules: { 'no-restricted-imports': ['error', { patterns: [notTooling, dcmjsOnlyInDicom, noUpward(httpLayer, 'A service')] }] },
  },
);
