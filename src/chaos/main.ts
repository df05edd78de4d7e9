// `npm run chaos [-- --generations 100] [--scenario name,…] [--ci]`: runs N generations
// under injected faults, prints a table, writes chaos-report.json, and exits non-zero
// unless lost = 0 and every duplicate count = 0.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatReport } from './report.js';
import { runChaos } from './run.js';
import { CI_SCENARIOS, SCENARIOS } from './scenarios.js';

const { values } = parseArgs({
  options: {
    generations: { type: 'string', default: '100' },
    scenario: { type: 'string' },
    ci: { type: 'boolean', default: false },
    out: { type: 'string', default: 'chaos-report.json' },
  },
});
const generations = Number(values.generations);
if (!Number.isInteger(generations) || generations < 1) {
  console.error('--generations must be a positive integer');
  process.exit(2);
}
const names = values.scenario ? values.scenario.split(',') : values.ci ? CI_SCENARIOS : SCENARIOS.map((s) => s.name);
const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
if (unknown.length) {
  console.error(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const t0 = Date.now();
const report = await runChaos({ generations, scenarios: names, log: (l) => console.log(l) });
console.log(`\n${formatReport(report)}\n(${Math.round((Date.now() - t0) / 1000)} s)`);
await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`report written to ${values.out}`);
process.exit(report.passed ? 0 : 1);
