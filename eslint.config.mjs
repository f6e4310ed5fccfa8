import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import lit from 'eslint-plugin-lit';
import litA11y from 'eslint-plugin-lit-a11y';
import wc from 'eslint-plugin-wc';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/**/*.generated.ts', 'bench/results/**', 'custom-elements.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/browser*/**/*.ts', 'demo/**/*.ts'],
    languageOptions: { globals: { ...globals.browser, ...globals.mocha } },
    plugins: { lit, 'lit-a11y': litA11y, wc },
    rules: {
      ...lit.configs.recommended.rules,
      ...litA11y.configs.recommended.rules,
      ...wc.configs.recommended.rules,
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/audio/worklets/**/*.ts'],
    languageOptions: { globals: { ...globals.audioWorklet } },
  },
  {
    files: ['server/**/*.js', 'scripts/**/*.mjs', 'test/node/**/*.js', 'test/*.mjs', 'bench/**/*.mjs', '*.mjs', 'demo/server.js', 'demo/orders.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['demo/demo.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
