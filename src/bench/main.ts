// `npm run bench [-- --only name,name] [--quick] [--strict] [--out file] [--markdown] [--keep-temp] [--profile dir]`:
// measures klingflow against baselines run at the same time, prints a table and writes bench-results.json.
// Exits 0 unless a benchmark crashed; --strict makes an unmet goal fail the run too.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { BENCHMARKS } from './benchmarks.js';
import { exitCode, formatMarkdown, formatTable } from './report.js';
import { runBenchmarks } from './runner.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench-results.json' },
    // The same table in Markdown with each row's command, as the README's Performance section has it.
    markdown: { type: 'boolean', default: false },
    'keep-temp': { type: 'boolean', default: false },
    // CPU profiles (.cpuprofile) of klingflow's server and worker processes, for a look at hot paths.
    profile: { type: 'string' },
  },
});
const names = values.only ? values.only.split(',').map((n) => n.trim()).filter(Boolean) : BENCHMARKS.map((b) => b.name);
const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}

const began = Date.now();
const report = await runBenchmarks({ benchmarks: BENCHMARKS.filter((b) => names.includes(b.name)), quick: values.quick, keepTemp: values['keep-temp'], profileDir: values.profile, log: (l) => console.log(l) });
console.log(`\n${formatTable(report)}\n(${Math.round((Date.now() - began) / 1000)} s${values.quick ? ', --quick' : ''})`);
if (values.markdown) console.log(`\n${formatMarkdown(report)}`);
await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`results written to ${values.out}`);
process.exit(exitCode(report.summary, values.strict));
