// A minimal stand-in for node's test/common, enough to run a handful of node's own
// test/parallel/test-http-*.js scripts under `node -r trama/register` (docs/register.md).
// node's scripts are not kept in this repository: put them in test/node-compat/parallel/ to run.
// Written for trama; only the helpers those scripts use, with node's meaning: mustCall(fn, n)
// fails at exit unless fn ran exactly n times (default 1), mustNotCall fails when called.
'use strict';
const assert = require('node:assert');

const pending = [];
process.on('exit', (code) => {
  if (code !== 0) return;
  for (const p of pending) {
    if (p.exact !== undefined ? p.calls !== p.exact : p.calls < p.min) {
      process.exitCode = 1;
      console.error(`mustCall: expected ${p.exact ?? `at least ${p.min}`} call(s), got ${p.calls}\n${p.stack}`);
    }
  }
});

function track(fn, opts) {
  const p = { calls: 0, stack: new Error().stack, ...opts };
  pending.push(p);
  return function (...args) {
    p.calls++;
    return fn ? fn.apply(this, args) : undefined;
  };
}

const mustCall = (fn, exact = 1) => (typeof fn === 'number' ? track(undefined, { exact: fn }) : track(fn, { exact }));
const mustCallAtLeast = (fn, min = 1) => (typeof fn === 'number' ? track(undefined, { min: fn }) : track(fn, { min }));
const mustSucceed = (fn, exact) =>
  mustCall(function (err, ...args) {
    assert.ifError(err);
    return fn ? fn.apply(this, args) : undefined;
  }, exact);
const mustNotCall = (msg) =>
  function mustNotCall() {
    assert.fail(msg || 'function should not have been called');
  };

function expectsError(validation, exact) {
  return mustCall((err) => {
    for (const [k, v] of Object.entries(validation)) {
      if (k === 'type') assert.ok(err instanceof v, `instance of ${v.name}`);
      else if (v instanceof RegExp && typeof err[k] === 'string') assert.match(err[k], v);
      else assert.deepStrictEqual(err[k], v);
    }
    return true;
  }, exact);
}

module.exports = {
  mustCall,
  mustCallAtLeast,
  mustSucceed,
  mustNotCall,
  expectsError,
  platformTimeout: (ms) => ms,
  isWindows: process.platform === 'win32',
  hasCrypto: true,
  hasIPv6: true,
  localhostIPv4: '127.0.0.1',
  PORT: 12346,
  skip: (why) => {
    console.log(`1..0 # Skipped: ${why}`);
    process.exit(0);
  },
};
