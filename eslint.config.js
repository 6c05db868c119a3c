import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { importBoundaries } from './lint/import-boundaries.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/store/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Control characters in patterns are how untrusted text is found and escaped before it is printed.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { ferry: { rules: { 'import-boundaries': importBoundaries } } },
    rules: { 'ferry/import-boundaries': 'error' },
  },
);
