// The built package loads both ways: `import('trama')` (ESM) and `require('trama')` (CommonJS),
// with the same public names; and so does the tarball `npm pack` makes, from another directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './support/paths.js';

test('ESM and CommonJS builds export the same names', async () => {
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  const name = 'trama'; // through a variable: the package resolves itself by name, not at type-check time
  const cjs = require(name) as Record<string, unknown>;
  const esm = (await import(name)) as Record<string, unknown>;
  const names = (o: Record<string, unknown>) => Object.keys(o).filter((k) => k !== 'default' && k !== 'module.exports').sort();
  assert.deepEqual(names(cjs), names(esm));
  assert.ok(names(esm).length > 0);
  assert.deepEqual(cjs.METHODS, esm.METHODS);
});

test('the packed tarball works from another directory: require and import, both with types', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trama-pack-'));
  try {
    // --ignore-scripts: `prepare` would rebuild (and wipe build/ under the running suite); the
    // suite's own build already produced dist/.
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const pack = spawnSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(pack.status, 0, pack.stderr);
    const [{ filename }] = JSON.parse(pack.stdout) as [{ filename: string }];
    const pkgDir = join(dir, 'app', 'node_modules', 'trama');
    mkdirSync(pkgDir, { recursive: true });
    const untar = spawnSync('tar', ['-xzf', join(dir, filename), '-C', pkgDir, '--strip-components=1']);
    assert.equal(untar.status, 0, String(untar.stderr));
    const app = join(dir, 'app');
    writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true }\n');
    const probe = (args: string[]) => spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8' });
    const cjs = probe(['-e', "const t = require('trama'); console.log(typeof t.createServer, typeof t.EventSource, t.METHODS.length)"]);
    assert.equal(cjs.status, 0, cjs.stderr);
    const esm = probe(['--input-type=module', '-e', "import { createServer, EventSource, METHODS } from 'trama'; console.log(typeof createServer, typeof EventSource, METHODS.length)"]);
    assert.equal(esm.status, 0, esm.stderr);
    assert.equal(cjs.stdout, esm.stdout);
    assert.match(esm.stdout, /^function function \d+\n$/);
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, { types: string }>> };
    for (const kind of ['import', 'require']) {
      const types = manifest.exports['.']![kind]!.types;
      assert.ok(readFileSync(join(pkgDir, types), 'utf8').length > 0, `${kind} types at ${types}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
