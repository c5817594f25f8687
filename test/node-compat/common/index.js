// A stand-in for node's test/common, enough to run node's own test/parallel/test-http*.js and
// test-https*.js scripts on plain node and under `node -r trama/register` (docs/register.md,
// scripts/node-compat.mjs). node's scripts are not kept in this repository.
// Written for trama from the helpers' documented meaning (node's test/common/README.md), not
// from node's code: mustCall(fn, n) fails at exit unless fn ran exactly n times (default 1),
// mustCallAtLeast(fn, n) at least n times, mustNotCall fails when called, and so on.
'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const util = require('node:util');

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
  const wrapped = function (...args) {
    p.calls++;
    return fn ? fn.apply(this, args) : undefined;
  };
  // Some scripts check what they were handed by its length or name, as they would the original.
  Object.defineProperty(wrapped, 'length', { value: fn ? fn.length : 0 });
  if (fn?.name) Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}

const mustCall = (fn, exact = 1) => (typeof fn === 'number' ? track(undefined, { exact: fn }) : track(fn, { exact }));
const mustCallAtLeast = (fn, min = 1) => (typeof fn === 'number' ? track(undefined, { min: fn }) : track(fn, { min }));
const mustSucceed = (fn, exact) =>
  mustCall(function (err, ...args) {
    assert.ifError(err);
    return fn ? fn.apply(this, args) : undefined;
  }, exact);
const mustNotCall = (msg) =>
  function mustNotCall(...args) {
    const shown = args.length ? ` with ${util.inspect(args, { depth: 1 })}` : '';
    assert.fail(`${msg || 'function should not have been called'}${shown}`);
  };

// Checks each named property of an error (a RegExp matches a string property; `type` is a class
// the error must be an instance of); usable as a callback (`on('error', …)`) or as the second
// argument of assert.throws.
function checkError(err, validation) {
  if (typeof validation === 'function') return validation(err);
  for (const [k, v] of Object.entries(validation)) {
    if (k === 'type') assert.ok(err instanceof v, `expected an instance of ${v.name}, got ${util.inspect(err)}`);
    else if (v instanceof RegExp && typeof err[k] === 'string') assert.match(err[k], v);
    else assert.deepStrictEqual(err[k], v, `error.${k}`);
  }
  return true;
}
function expectsError(validation, exact) {
  return mustCall((err) => checkError(err, validation), exact);
}

// node's wording for the end of ERR_INVALID_ARG_TYPE messages: what was received.
function invalidArgTypeHelper(input) {
  if (input == null) return ` Received ${input}`;
  if (typeof input === 'function') return ` Received function ${input.name}`;
  if (typeof input === 'object') {
    if (input.constructor?.name) return ` Received an instance of ${input.constructor.name}`;
    return ` Received ${util.inspect(input, { depth: -1 })}`;
  }
  let shown = util.inspect(input, { colors: false });
  // node shortens long values to 25 characters and an ellipsis.
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof input} (${shown})`;
}

// expectWarning('DeprecationWarning', message, code) or ({ DeprecationWarning: [[message, code]] }):
// every listed warning must be emitted, in order, and no other of those names.
function expectWarning(nameOrMap, expected, code) {
  const map = typeof nameOrMap === 'string' ? { [nameOrMap]: [[expected, code]] } : nameOrMap;
  const queues = {};
  for (const [name, list] of Object.entries(map)) {
    // One warning is [message, code]; several are [[message, code], …]; a bare message has no code.
    if (!Array.isArray(list)) queues[name] = [[list]];
    else if (list.length && !Array.isArray(list[0])) queues[name] = [list];
    else queues[name] = [...list];
  }
  process.on('warning', (w) => {
    const q = queues[w.name];
    if (!q) return;
    assert.ok(q.length > 0, `unexpected ${w.name}: ${w.message}`);
    const [message, wcode] = q.shift();
    if (message instanceof RegExp) assert.match(w.message, message);
    else assert.strictEqual(w.message, message);
    if (wcode !== undefined) assert.strictEqual(w.code, wcode);
  });
  process.on('exit', (c) => {
    if (c !== 0) return;
    for (const [name, q] of Object.entries(queues)) {
      if (q.length) {
        process.exitCode = 1;
        console.error(`expectWarning: ${name} not emitted: ${q.map((x) => x[0]).join('; ')}`);
      }
    }
  });
}

// A proxy that fails the test on any change to the object or to anything reachable from it.
function mustNotMutateObjectDeep(target) {
  if (target === null || (typeof target !== 'object' && typeof target !== 'function')) return target;
  const fail = (what) => () => assert.fail(`${what} on an object that must not be mutated`);
  return new Proxy(target, {
    get: (t, k, r) => mustNotMutateObjectDeep(Reflect.get(t, k, r)),
    set: fail('set'),
    defineProperty: fail('defineProperty'),
    deleteProperty: fail('deleteProperty'),
    setPrototypeOf: fail('setPrototypeOf'),
    preventExtensions: fail('preventExtensions'),
  });
}

const tmpdir = require('./tmpdir');
const isLinux = process.platform === 'linux';
const hasIPv6 = Object.values(os.networkInterfaces()).some((list) => list?.some((i) => i.family === 'IPv6'));
const [sslMajor, sslMinor = 0] = (process.versions.openssl ?? '0.0').split('.').map(Number);

module.exports = {
  mustCall,
  mustCallAtLeast,
  mustSucceed,
  mustNotCall,
  expectsError,
  expectWarning,
  invalidArgTypeHelper,
  mustNotMutateObjectDeep,
  platformTimeout: (ms) => ms,
  isWindows: process.platform === 'win32',
  isLinux,
  isMacOS: process.platform === 'darwin',
  isOSX: process.platform === 'darwin',
  isAIX: process.platform === 'aix',
  isSunOS: process.platform === 'sunos',
  isFreeBSD: process.platform === 'freebsd',
  isOpenBSD: process.platform === 'openbsd',
  isIBMi: false,
  hasCrypto: Boolean(process.versions.openssl),
  hasIntl: typeof Intl === 'object',
  hasIPv6,
  hasOpenSSL: (major, minor = 0) => sslMajor > major || (sslMajor === major && sslMinor >= minor),
  // node's scripts use `openssl` only to make keys on the fly; they skip without it.
  opensslCli: false,
  // 127.0.0.2 and the rest of 127/8 answer on Linux without configuration.
  hasMultiLocalhost: () => isLinux,
  localhostIPv4: '127.0.0.1',
  PORT: 12346,
  get PIPE() {
    return tmpdir.resolve(`node-compat-${process.pid}.sock`);
  },
  createZeroFilledFile(filename) {
    fs.writeFileSync(filename, Buffer.alloc(10 * 1024 * 1024));
  },
  printSkipMessage: (why) => console.log(`1..0 # Skipped: ${why}`),
  skip: (why) => {
    console.log(`1..0 # Skipped: ${why}`);
    process.exit(0);
  },
};
