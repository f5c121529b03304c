// One lint config for the repo: type-aware rules that catch the bugs we care about.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  {
    // schema.d.ts is generated from openapi.yaml (npm run generate -w packages/api-schema), 0.5 MB of types.
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/*.js',
      '**/*.mjs',
      'packages/api-schema/src/schema.d.ts',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      'import-x/no-cycle': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@berth/*/src/*', '@berth/*/dist/*'],
              message: 'Import packages through their exports.',
            },
          ],
        },
      ],
    },
  },
  {
    // The dashboard imports vite's types, and import-x's legacy resolver, walking on from them,
    // loads lightningcss/node as a resolver and crashes. Cycles through packages are not ours.
    files: ['apps/web/**/*.ts', 'apps/web/**/*.tsx'],
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['packages/core/**/*.ts'],
    ignores: ['packages/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'crypto', 'http', 'net', 'os'], message: 'core does no I/O.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'Date', 'process', 'setTimeout', 'setInterval', 'fetch'],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'core gets randomness passed in.' },
      ],
    },
  },
  {
    // Tests are outside the packages' tsconfigs (they are not shipped); lint them through tsconfig.test.json.
    files: ['**/*.test.ts', '**/test-support/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: './tsconfig.test.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.object.name='assert'][callee.property.name=/^(rejects|throws)$/][arguments.length<2]",
          message:
            'Say which error is expected: assert.rejects(p, { code, message }), a RegExp or a predicate.',
        },
        {
          selector:
            "CallExpression[callee.object.name='assert'][callee.property.name=/^(rejects|throws)$/][arguments.1.type=/^(Literal|TemplateLiteral)$/]:not([arguments.1.regex])",
          message:
            'The second argument is the expected error; a string there is only a message. Pass { code, message } first.',
        },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
