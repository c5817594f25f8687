// trama/register: each way of switching a program (node -r, node --import, require/import first
// thing) gives every route to `http` one object, trama's, whose exports are assignable as
// node's; trama's own modules are not redirected; without the switch nothing changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';
import { FIXTURES } from './run-program.js';
import { selfSignedCert } from '../support/h2-net-driver.js';

function probe(flags: string[], fixture: string, args: string[] = []): Record<string, unknown> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [...flags, join(FIXTURES, fixture), ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const NODE_HTTP_KEYS = Object.keys(createRequire(import.meta.url)('node:http') as object).filter((k) => k !== '_connectionListener');

for (const [how, flags, args] of [
  ['node -r trama/register', ['-r', 'trama/register'], []],
  ['node --import trama/register', ['--import', 'trama/register'], []],
  ["require('trama/register') first thing", [], ['require-first']],
] as const) {
  test(`${how}: a CommonJS program's require('http'), import('node:http'), import('http') and getBuiltinModule are one trama object`, () => {
    const p = probe([...flags], 'register-probe.cjs', [...args]);
    assert.equal(p.trama, true);
    assert.equal(p.sameObject, true);
    assert.equal(p.named, true);
    assert.equal(p.patchSeen, true, 'a patch of require("http").request is seen through import and getBuiltinModule');
    assert.equal(p.https, true, "https is trama/https, one object too");
    assert.equal(p.tramaEsmSameClasses, true, "import('trama') gives the classes the http object has");
    assert.deepEqual(p.keys, NODE_HTTP_KEYS, "node:http's names, in node's order");
  });
}

for (const [how, flags, args] of [
  ['node --import trama/register', ['--import', 'trama/register'], []],
  ['node -r trama/register', ['-r', 'trama/register'], []],
  ["import('trama/register') first thing", [], ['import-first']],
] as const) {
  test(`${how}: an ES module program's default and named imports of node:http are trama's, patches seen as node's`, () => {
    const p = probe([...flags], 'register-probe.mjs', [...args]);
    assert.deepEqual(p, {
      trama: true,
      sameObject: true,
      tramaEsmSameClasses: true,
      defaultSeesPatch: true,
      // as node's built-in ESM views: named exports are copies, refreshed by syncBuiltinESMExports()
      namedBeforeSync: false,
      namedAfterSync: true,
    });
  });
}

test('without the switch, http is node:http', () => {
  const p = probe([], 'register-probe.cjs');
  assert.equal(p.trama, false);
  assert.equal(p.tramaEsmSameClasses, false, "ESM and CommonJS builds are separate without the switch");
});

test("trama's own modules are not redirected to themselves", () => {
  const script = `
    require('trama/register');
    const Module = require('node:module');
    const path = require('node:path');
    const fromTrama = Module._load('http', { filename: path.join(path.dirname(require.resolve('trama')), 'index.js') }, false);
    const fromApp = Module._load('http', { filename: __filename }, false);
    console.log(JSON.stringify({ trama: fromTrama === fromApp, nodeServer: fromTrama.Server.name, app: fromApp === require('trama/package.json') ? 0 : fromApp.Server === require('trama').Server }));`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { trama: false, nodeServer: 'Server', app: true });
});

test("require('trama'): plain writable data properties; globalAgent an accessor as node's", () => {
  const requireTrama = createRequire(join(REPO_ROOT, 'package.json'));
  const name = 'trama';
  const t = requireTrama(name) as Record<string, unknown> & { Agent: new (o?: object) => object; globalAgent: object };
  for (const key of Object.keys(t)) {
    const d = Object.getOwnPropertyDescriptor(t, key)!;
    // globalHttpsAgent (trama's) too: assigning trama/https's globalAgent changes it (docs/https.md).
    if (key === 'globalAgent' || key === 'globalHttpsAgent') assert.ok(d.get && d.set && d.enumerable, key);
    else assert.deepEqual([d.writable, d.enumerable, d.configurable, 'value' in d], [true, true, true, true], key);
  }
  const saved = t.request;
  t.request = () => 'patched';
  assert.equal((t.request as () => string)(), 'patched');
  t.request = saved;
});

test('assigning http.globalAgent changes the agent request() uses by default, as node', () => {
  const script = `
    const http = require('http');
    const server = http.createServer((req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1', () => {
      const before = http.globalAgent;
      const mine = new http.Agent({ keepAlive: false });
      http.globalAgent = mine;
      const req = http.get('http://127.0.0.1:' + server.address().port + '/', (res) => {
        res.resume();
        res.on('end', () => {
          console.log(JSON.stringify({ mine: req.agent === mine, changed: http.globalAgent === mine && before !== mine, trama: http.Server === require('trama').Server }));
          server.close();
        });
      });
    });`;
  for (const flags of [[], ['-r', 'trama/register']]) {
    const r = spawnSync(process.execPath, [...flags, '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { mine: true, changed: true, trama: flags.length > 0 });
  }
});

test('an https program under the switch: server and request are trama/https, the exchange as on node', (t) => {
  const cert = selfSignedCert();
  if (cert === null) {
    if (process.env.TRAMA_REQUIRE_PEERS === '1') assert.fail('openssl is not installed: cannot generate a test certificate');
    t.skip('openssl is not installed: cannot generate a test certificate');
    return;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, TRAMA_TLS_KEY: cert.key.toString(), TRAMA_TLS_CERT: cert.cert.toString() };
  delete env.NODE_OPTIONS;
  const run = (flags: string[]) => {
    const r = spawnSync(process.execPath, [...flags, join(FIXTURES, 'https-probe.cjs')], { cwd: REPO_ROOT, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const node = run([]);
  const trama = run(['-r', 'trama/register']);
  assert.deepEqual([node.server, node.request, trama.server, trama.request], ['node', 'node', 'trama', 'trama']);
  const strip = ({ server: _s, request: _r, ...rest }: Record<string, unknown>) => rest;
  assert.deepEqual(strip(trama), strip(node));
  assert.deepEqual(strip(node), { status: 200, type: 'text/plain', body: 'secure GET /x?y=1 true' });
});
