// `trama/hpack` is a public subpath: the built package loads it both ways (ESM and CommonJS) with
// the same names, and the two builds interoperate on the bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../support/paths.js';

type Api = typeof import('../../../../src/hpack.js');

test('trama/hpack loads as ESM and as CommonJS with the same exports', async () => {
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  const name = 'trama/hpack'; // through a variable: resolved from the built package, not at type-check time
  const cjs = require(name) as Api;
  const esm = (await import(name)) as Api;
  const names = (o: object) => Object.keys(o).filter((k) => k !== 'default' && k !== 'module.exports').sort();
  assert.deepEqual(names(cjs), names(esm));
  for (const n of ['HpackEncoder', 'HpackDecoder', 'HpackError']) assert.ok(names(esm).includes(n), n);
  const fields: Array<[string, string]> = [[':method', 'GET'], [':path', '/'], ['x-a', 'b']];
  assert.deepEqual(new esm.HpackDecoder().decode(new cjs.HpackEncoder().encode(fields)), fields);
  // The main entry stays free of HPACK.
  assert.equal((require('trama') as Record<string, unknown>).HpackEncoder, undefined);
});
