// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.ts', 'packages/cli/bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Domain packages depend on store/audit/…, never on the composition root (docs/architecture.md).
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/packages/*/src/**', '@onegate/*/src/**'],
              message: 'import a package by its name and public index',
            },
          ],
        },
      ],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Interface methods are async even where one engine's work is synchronous.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  {
    files: [
      'packages/store/**/*.ts',
      'packages/audit/**/*.ts',
      'packages/privacy/**/*.ts',
      'packages/authz/**/*.ts',
      'packages/identity/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@onegate/server', message: 'domain packages never import the server' },
            { name: '@onegate/cli', message: 'domain packages never import the CLI' },
          ],
        },
      ],
    },
  },
  {
    // The SDK runs inside app teams' processes and talks HTTP/OIDC only (DESIGN.md).
    files: ['packages/sdk/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@onegate/*'], message: 'the SDK depends on no OneGate package' }] },
      ],
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Scripts served to browsers by our pages.
    files: ['packages/*/assets/**/*.js', 'packages/server/src/console/assets/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        atob: 'readonly',
        crypto: 'readonly',
      },
    },
  },
);
