import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Product code never reaches into what only develops, tests or starts it (README: "What is where"). */
const productBoundary = {
  patterns: [
    { group: ['**/tooling/**', '**/scripts/**', '**/test/**'], message: 'Product code (inference-service/src) must not import tooling, scripts or tests.' },
  ],
};

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', 'data/**', 'artifacts/**', '.cache/**', 'ohif-extension/dist/**', '.tmp/**'],
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
    files: ['inference-service/src/**/*.ts', 'inference-service/src/**/*.mjs'],
    ignores: ['inference-service/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', productBoundary],
    },
  },
);
