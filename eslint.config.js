// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, and nothing
// from src/ (which is free to use them). Types from activities/ are fine.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`, `${m}/*`]);

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Test helpers return parsed JSON of many shapes; assertions check them.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.filter((m) => !m.endsWith('/*')).map((name) => ({
            name,
            message: 'Workflows run in a deterministic sandbox: no Node built-ins.',
          })),
          patterns: [
            { group: ['node:*'], message: 'Workflows run in a deterministic sandbox: no Node built-ins.' },
            { group: ['**/src/**', '../src', '../src/*'], message: 'Workflows must not import src/ (it runs outside the sandbox).' },
          ],
        },
      ],
    },
  },
);
