// Builds everything with the TypeScript compiler, the three outputs in parallel:
//   dist/esm  — the package's ESM build with .d.ts        (tsconfig.json); its register.js is
//               written here: it loads the CommonJS one
//   dist/cjs  — the package's CommonJS build with .d.ts   (tsconfig.cjs.json)
//   build/    — src + test + bench, for the test runner and benchmarks (tsconfig.test.json)
// Exits non-zero on any type error, so `npm test` never runs on code that does not type-check.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
const only = process.argv.slice(2);
const configs = only.length ? only : ['tsconfig.json', 'tsconfig.cjs.json', 'tsconfig.test.json'];
const outDirs = { 'tsconfig.json': 'dist/esm', 'tsconfig.cjs.json': 'dist/cjs', 'tsconfig.test.json': 'build' };

if (configs.some((c) => outDirs[c].startsWith('dist/'))) rmSync('dist/.built', { force: true });
for (const c of configs) rmSync(outDirs[c], { recursive: true, force: true });

const run = (config) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ config, code, out }));
  });

const results = await Promise.all(configs.map(run));
let failed = false;
for (const r of results) {
  if (r.out.trim()) process.stderr.write(`${r.config}:\n${r.out}\n`);
  if (r.code !== 0) failed = true;
}
if (configs.includes('tsconfig.cjs.json')) {
  mkdirSync('dist/cjs', { recursive: true });
  writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
}
if (configs.includes('tsconfig.json')) {
  // trama/register runs once per process, from its CommonJS build (src/register.ts says why); the
  // ES module entry only loads that file, so `import` and `require` switch to the same objects.
  mkdirSync('dist/esm', { recursive: true });
  writeFileSync(
    'dist/esm/register.js',
    "// trama/register for `import` / `--import`: the one CommonJS implementation (see dist/cjs/register.js).\n" +
      "import { createRequire } from 'node:module';\ncreateRequire(import.meta.url)('../cjs/register.js');\n",
  );
  writeFileSync('dist/esm/register.d.ts', 'export {};\n');
}
if (failed) {
  console.error('build: type errors (see above)');
  process.exit(1);
}
// The stamp scripts/prepare.mjs compares with the sources: dist/ is complete and current.
if (configs.includes('tsconfig.json') && configs.includes('tsconfig.cjs.json')) writeFileSync('dist/.built', `${new Date().toISOString()}\n`);
