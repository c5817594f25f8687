// scripts/prepare.mjs (npm's `prepare`, run by every `npx trama` in the repository): it must not
// rebuild over a current dist/ (that deleted dist/ and build/ under a running `npm test`), and
// must build dist/ only, when an input is newer than the stamp or an output is missing. Run in a
// temp folder with a stand-in build script that records its arguments, so no real build runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';

const PREPARE = join(REPO_ROOT, 'scripts', 'prepare.mjs');

function project(): { dir: string; run(): { built: string | undefined; stderr: string }; age(path: string, seconds: number): void } {
  const dir = mkdtempSync(join(tmpdir(), 'trama-prepare-'));
  mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'dist', 'esm', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'dist', 'cjs'), { recursive: true });
  for (const f of ['src/cli/main.ts', 'tsconfig.json', 'tsconfig.cjs.json', 'tsconfig.base.json', 'package.json']) writeFileSync(join(dir, f), '{}\n');
  writeFileSync(join(dir, 'scripts', 'build.mjs'), "import { writeFileSync } from 'node:fs';\nwriteFileSync('built.txt', process.argv.slice(2).join(' '));\n");
  for (const f of ['dist/esm/cli/main.js', 'dist/cjs/index.js', 'dist/.built']) writeFileSync(join(dir, f), '\n');
  const age = (path: string, seconds: number): void => {
    const t = Date.now() / 1000 - seconds;
    utimesSync(join(dir, path), t, t);
  };
  // Inputs an hour old, outputs and stamp a minute old: current.
  for (const f of ['src/cli/main.ts', 'src/cli', 'src', 'tsconfig.json', 'tsconfig.cjs.json', 'tsconfig.base.json', 'package.json', 'scripts/build.mjs']) age(f, 3600);
  for (const f of ['dist/esm/cli/main.js', 'dist/cjs/index.js', 'dist/.built']) age(f, 60);
  const run = () => {
    rmSync(join(dir, 'built.txt'), { force: true });
    const r = spawnSync(process.execPath, [PREPARE], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const marker = join(dir, 'built.txt');
    return { built: existsSync(marker) ? readFileSync(marker, 'utf8') : undefined, stderr: r.stderr };
  };
  return { dir, run, age };
}

test('prepare: a current dist/ is left alone, with one line saying so', () => {
  const p = project();
  try {
    const r = p.run();
    assert.equal(r.built, undefined);
    assert.match(r.stderr, /dist\/ is current, not rebuilding/);
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
});

test('prepare: a source newer than the stamp rebuilds dist/ only (never build/)', () => {
  const p = project();
  try {
    p.age('src/cli/main.ts', 1);
    assert.equal(p.run().built, 'tsconfig.json tsconfig.cjs.json');
    // A deleted source shows in its folder's mtime.
    p.age('src/cli/main.ts', 3600);
    assert.equal(p.run().built, undefined);
    p.age('src/cli', 1);
    assert.equal(p.run().built, 'tsconfig.json tsconfig.cjs.json');
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
});

test('prepare: no stamp (a fresh clone, an interrupted build) or a missing output builds', () => {
  const p = project();
  try {
    rmSync(join(p.dir, 'dist', '.built'));
    assert.equal(p.run().built, 'tsconfig.json tsconfig.cjs.json');
    writeFileSync(join(p.dir, 'dist', '.built'), '\n');
    rmSync(join(p.dir, 'dist', 'cjs', 'index.js'));
    assert.equal(p.run().built, 'tsconfig.json tsconfig.cjs.json');
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
});
