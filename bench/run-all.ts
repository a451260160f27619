import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench`: every benchmark, one after the other, each in its own process so that one's
 * servers, caches and heap cannot colour the next. Each prints its own table (BENCHMARKS.md).
 */
const benches: Array<{ file: string; args: string[] }> = [
  { file: 'edge.ts', args: ['6', '3'] },
  { file: 'ingest.ts', args: ['100000', '1', 'bc', '3'] },
  { file: 'jobs.ts', args: ['--speedUp', '2'] },
  { file: 'replicas.ts', args: ['itd', '3'] },
];

let failed = 0;
for (const bench of benches) {
  const path = fileURLToPath(new URL(`./${bench.file}`, import.meta.url));
  process.stdout.write(`\n=== bench/${bench.file} ${bench.args.join(' ')}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', path, ...bench.args], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
