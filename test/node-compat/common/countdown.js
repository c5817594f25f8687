// node's test/common/countdown: calls back once after dec() has been called `limit` times;
// the callback must run (it is a mustCall).
'use strict';
const assert = require('node:assert');
const { mustCall } = require('./index.js');

class Countdown {
  #left;
  #done;
  constructor(limit, callback) {
    assert.strictEqual(typeof limit, 'number');
    assert.strictEqual(typeof callback, 'function');
    this.#left = limit;
    this.#done = mustCall(callback);
  }

  dec() {
    assert.ok(this.#left > 0, 'Countdown expired');
    this.#left -= 1;
    if (this.#left === 0) this.#done();
    return this.#left;
  }

  get remaining() {
    return this.#left;
  }
}

module.exports = Countdown;
