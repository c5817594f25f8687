// The built package loads both ways: `import('trama')` (ESM) and `require('trama')` (CommonJS),
// with the same public names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
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
