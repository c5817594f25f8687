#!/usr/bin/env node
// Long-run fuzz driver (by hand, not CI). Runs the campaigns of test/fuzz/ for a time budget from
// a random seed (printed, so any finding replays), and prints runs, counters and findings.
//
//   node scripts/fuzz.mjs <h1|hpack|h2|sse|all> [--seconds N] [--seed S] [--path P] [--no-build]
//
// The machine is shared: run it under `nice -n 10`. See docs/fuzzing.md.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { cpSync, rmSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const WITH_VALUE = new Set(['--seconds', '--seed', '--path']);
const target = args.find((a, i) => !a.startsWith('--') && !(i > 0 && WITH_VALUE.has(args[i - 1])));
if (!target || args.includes('--help')) {
  console.error('usage: node scripts/fuzz.mjs <h1|hpack|h2|sse|all> [--seconds N] [--seed S] [--path P] [--no-build]');
  process.exit(2);
}
const seconds = Number(opt('--seconds', '60'));
const seed = Number(opt('--seed', String(Date.now() % 2 ** 31)));
const path = opt('--path', undefined);
if (!(seconds > 0) || !Number.isInteger(seed)) {
  console.error('fuzz: --seconds must be > 0 and --seed an integer');
  process.exit(2);
}

const root = join(import.meta.dirname, '..');
if (!args.includes('--no-build')) {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), 'tsconfig.test.json'], { stdio: 'inherit', cwd: root });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
// Run from a private snapshot of build/: other builds in the same tree (npm run build wipes
// build/) must not pull the modules from under a long run. Inside node_modules so that the
// compiled tests still resolve fast-check; its own package.json makes the copy ESM.
const snap = join(root, 'node_modules/.cache/trama-fuzz', String(process.pid));
cpSync(join(root, 'build'), snap, { recursive: true });
writeFileSync(join(snap, 'package.json'), '{ "type": "module" }\n');
process.on('exit', () => rmSync(snap, { recursive: true, force: true }));
const { TARGETS } = await import(pathToFileURL(join(snap, 'test/fuzz/targets.js')).href);
const names = target === 'all' ? Object.keys(TARGETS) : [target];
for (const n of names) {
  if (!TARGETS[n]) {
    console.error(`fuzz: unknown target ${n} (known: ${Object.keys(TARGETS).join(', ')}, all)`);
    process.exit(2);
  }
}

let failed = false;
const t0 = Date.now();
for (const n of names) {
  const t = TARGETS[n];
  const why = t.unavailable();
  if (why) {
    console.log(`\n== ${n}: skipped: ${why}`);
    continue;
  }
  const budget = (seconds * 1000) / names.length;
  console.log(`\n== ${n}: ${t.describe}\n   seed ${seed}, ${(budget / 1000).toFixed(0)} s${path ? `, path ${path}` : ''}`);
  const heap0 = process.memoryUsage().heapUsed;
  const reports = t.run({ seed, numRuns: 1, timeLimitMs: budget, path, log: (l) => console.log(`   ${l}`) });
  const heap1 = process.memoryUsage().heapUsed;
  for (const r of reports) {
    console.log(`   ${r.name}: ${r.runs} runs, ${(r.runs / (r.ms / 1000)).toFixed(0)}/s ${r.failed ? 'FAILED' : 'ok'}`);
    for (const [k, v] of Object.entries(r.stats).sort((a, b) => b[1] - a[1])) console.log(`      ${String(v).padStart(8)}  ${k}`);
    if (r.failed) {
      failed = true;
      console.log(r.message.split('\n').map((l) => `   ! ${l}`).join('\n'));
      console.log(`   replay: node scripts/fuzz.mjs ${n} --seed ${seed} --seconds ${seconds}`);
    }
  }
  console.log(`   heap ${(heap0 / 2 ** 20).toFixed(0)} → ${(heap1 / 2 ** 20).toFixed(0)} MiB, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
}
console.log(`\nfuzz: ${failed ? 'FINDINGS (see above)' : 'no findings'} in ${((Date.now() - t0) / 1000).toFixed(0)} s, seed ${seed}`);
process.exit(failed ? 1 : 0);
