// trama/register hands trama/http2 to every route to `http2`, as node:http2's names in node's order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import nodeHttp2 from 'node:http2';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';

const PROBE = `
const a = require('http2');
const b = require('node:http2');
const t = require('trama/http2');
Promise.all([import('node:http2'), import('http2')]).then(([c, d]) => {
  process.stdout.write(JSON.stringify({
    trama: a.createServer === t.createServer && a.connect === t.connect,
    sameObject: a === b && c.default === a && d.default === a && process.getBuiltinModule('http2') === a,
    named: c.createServer === a.createServer && c.constants === a.constants,
    keys: Object.keys(a),
    assignable: (() => { const f = a.connect; a.connect = 1; const ok = a.connect === 1; a.connect = f; return ok; })(),
  }));
});`;

for (const flags of [['-r', 'trama/register'], ['--import', 'trama/register']]) {
  test(`node ${flags.join(' ')}: require('http2'), import('node:http2') and getBuiltinModule('http2') are one trama/http2 object with node's names`, () => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const r = spawnSync(process.execPath, [...flags, '-e', PROBE], { cwd: REPO_ROOT, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { trama: true, sameObject: true, named: true, keys: Object.keys(nodeHttp2), assignable: true });
  });
}

test('trama/http2 loads both ways (import and require) with the same names, node:http2\'s among them', async () => {
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  const name = 'trama/http2'; // through a variable: resolved by the package's exports at run time
  const cjs = require(name) as Record<string, unknown>;
  const esm = (await import(name)) as Record<string, unknown>;
  const names = (o: Record<string, unknown>): string[] => Object.keys(o).filter((k) => k !== 'default' && k !== 'module.exports').sort();
  assert.deepEqual(names(cjs), names(esm));
  for (const k of Object.keys(nodeHttp2)) assert.ok(k in esm, k);
});
