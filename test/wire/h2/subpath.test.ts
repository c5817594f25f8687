// `trama/h2` is a public subpath: the built package loads it both ways (ESM and CommonJS) with the
// same names, and a CommonJS client engine talks to an ESM server engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/paths.js';

type Api = typeof import('../../../src/h2.js');

test('trama/h2 loads as ESM and as CommonJS with the same exports, and the two builds interoperate', async () => {
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  const name = 'trama/h2'; // through a variable: resolved from the built package, not at type-check time
  const cjs = require(name) as Api;
  const esm = (await import(name)) as Api;
  const names = (o: object) => Object.keys(o).filter((k) => k !== 'default' && k !== 'module.exports').sort();
  assert.deepEqual(names(cjs), names(esm));
  for (const n of ['H2Connection', 'FrameReader', 'encodeFrame', 'decodeFrame', 'ErrorCode', 'CLIENT_PREFACE']) assert.ok(names(esm).includes(n), n);
  const client = new cjs.H2Connection({ role: 'client' });
  const server = new esm.H2Connection({ role: 'server' });
  client.sendHeaders(1, [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a'], [':path', '/']], { endStream: true });
  const seen = server.receive(client.takeOutput()).map((e) => e.type);
  assert.deepEqual(seen, ['settings-received', 'window-updated', 'headers-received', 'stream-ended']);
  server.sendHeaders(1, [[':status', '200']], { endStream: true });
  const back = client.receive(server.takeOutput()).map((e) => e.type);
  assert.ok(back.includes('headers-received') && back.includes('stream-ended'), back.join(','));
});
