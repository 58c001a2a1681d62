// Lint enforces the layering in docs/ARCHITECTURE.md: the pure core (protocol, pipeline,
// schedulers, prompt, math) imports nothing from the app layers or onnxruntime, only the runtime
// folder imports onnxruntime, and the UI never talks to the workers or storage directly.
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const PURE = [
  'src/protocol',
  'src/pipeline',
  'src/schedulers',
  'src/prompt',
  'src/math',
  'src/metadata',
  'src/eval',
  'src/xyz',
];
const IMPURE = [
  'src/ui',
  'src/state',
  'src/worker',
  'src/runtime',
  'src/storage',
  'src/app',
  'src/pwa',
  'src/cli',
  'src/provenance',
];

export default tseslint.config(
  {
    ignores: [
      'dist',
      'dev-dist',
      '.e2e-dist',
      'node_modules',
      'training',
      'models',
      'test-results',
      'playwright-report',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { 'import-x': importX, 'react-hooks': reactHooks },
    rules: {
      // Numerical constants are written as the reference publishes them, then rounded to float32.
      'no-loss-of-precision': 'off',
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...PURE.map((target) => ({ target, from: IMPURE, message: 'The pure core must not import app layers.' })),
            {
              // C2PA signing and reading: WebCrypto, IndexedDB, the C2PA library; no app layers.
              target: 'src/provenance',
              from: IMPURE.filter((layer) => layer !== 'src/provenance'),
              message: 'src/provenance is a library for the app layers; it imports none of them.',
            },
            {
              target: 'src/ui',
              from: ['src/provenance'],
              message: 'The UI reaches provenance (signing, reading) through the store (src/state/provenance.ts).',
            },
            {
              target: 'src/ui',
              from: ['src/worker', 'src/runtime'],
              message: 'The UI talks to the engine through the store.',
            },
            {
              target: 'src/ui',
              from: ['src/storage'],
              message: 'The UI reaches storage (gallery, models, downloads) through the store (src/state).',
            },
          ],
        },
      ],
    },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs'] })] },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/runtime/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['onnxruntime-*', '@huggingface/transformers'], message: 'Only src/runtime imports onnxruntime.' },
          ],
        },
      ],
    },
  },
  {
    files: PURE.map((folder) => `${folder}/**`),
    ignores: ['**/*.test.ts'],
    languageOptions: { globals: { ...globals.es2021 } },
    rules: {
      'no-restricted-globals': ['error', 'window', 'document', 'fetch', 'navigator', 'performance', 'process'],
    },
  },
);
