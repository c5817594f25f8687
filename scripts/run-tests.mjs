// Runs the compiled test files (build/test/**/*.test.js) on Node's built-in test runner.
// `node scripts/run-tests.mjs test/wire/h1` runs only the files under that folder.
// Files run in parallel (they use port 0 and no shared state); each file's tests run in order.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const roots = (process.argv.slice(2).length ? process.argv.slice(2) : ['test']).map((p) =>
  join('build', p.replace(/\.ts$/, '.js')),
);
const files = [];
const walk = (p) => {
  if (!existsSync(p)) return;
  if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
  else if (p.endsWith('.test.js')) files.push(p);
};
roots.forEach(walk);
if (files.length === 0) {
  console.error('run-tests: no test files found under', roots.join(', '));
  process.exit(1);
}
const child = spawn(process.execPath, ['--test', '--test-concurrency=4', '--test-timeout=120000', ...files], {
  stdio: 'inherit',
});
child.on('close', (code) => process.exit(code ?? 1));
