// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, and nothing
// from src/ (which is free to use them). Types from activities/ are fine.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const BUILTINS = 'Workflows run in a deterministic sandbox: no Node built-ins.';
const SRC = 'Workflows must not import src/ (it runs outside the sandbox).';
const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`, `${m}/*`]);

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '.scratch/**'] },
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
    rules: { 'no-restricted-imports': ['error', sandboxed([{ group: ['**/src/**', '../src', '../src/*'], message: SRC }])] },
  },
  {
    // The benchmark's baseline workflow runs in the same sandbox: from src/bench/baseline/,
    // only its siblings and workflows/ may be imported.
    files: ['src/bench/baseline/workflows.ts'],
    rules: { 'no-restricted-imports': ['error', sandboxed([{ regex: '^\\.\\./(?!\\.\\./\\.\\./workflows/)', message: SRC }])] },
  },
);

function sandboxed(patterns) {
  return {
    paths: nodeBuiltins.filter((m) => !m.endsWith('/*')).map((name) => ({ name, message: BUILTINS })),
    patterns: [{ group: ['node:*'], message: BUILTINS }, ...patterns],
  };
}
