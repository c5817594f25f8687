// Express on trama.createServer(app) without trama/register (its own file: a file's child
// processes share the runner's 120 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture } from './run-program.js';

// Without the switch, Express rebuilds req/res on node's prototypes (DESIGN.md): the issue asks
// that this either works or fails at once with an error that names trama/register.
test(
  'Express on trama.createServer(app) without the switch: works as node, or fails at once naming trama/register',
  async () => {
    const [oracle, direct] = await Promise.allSettled([
      runFixture('express-app.cjs', ['express'], 'node', { only: ['route'] }),
      runFixture('express-app.cjs', ['express'], 'direct', { only: ['route'] }),
    ]);
    assert.equal(oracle.status, 'fulfilled');
    if (direct.status === 'fulfilled') {
      assert.deepEqual(direct.value.route, (oracle as PromiseFulfilledResult<Record<string, unknown>>).value.route);
    } else {
      assert.match(String(direct.reason), /trama\/register/);
      assert.doesNotMatch(String(direct.reason), /scenario route/, 'fails before serving a request');
    }
  },
);
