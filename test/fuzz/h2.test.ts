// CI slice of the HTTP/2 engine fuzz campaign (fixed seed). Long runs:
// `node scripts/fuzz.mjs h2 --seconds 300` (see docs/fuzzing.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { h2FramesProperty, checkRun, type H2Case } from './h2-campaign.js';
import { assertCampaign } from './support/campaign.js';
import { encodeFrame } from '../../src/wire/h2/frames.js';

test('h2 fuzz: random and mutated frame sequences, both roles: no throw, faults framed, silence after GOAWAY, split invariance', () => {
  assertCampaign([h2FramesProperty({ seed: 20261124, numRuns: 5000 })]);
});

test('h2 fuzz: the output checker rejects what it must', () => {
  const c: H2Case = { role: 'server', specs: [], muts: [], cuts: [] };
  const goaway = (code: number) => encodeFrame({ type: 'GOAWAY', lastStreamId: 0, errorCode: code, debug: Buffer.alloc(0) });
  const ping = encodeFrame({ type: 'PING', ack: true, opaque: Buffer.alloc(8) });
  const rst = (id: number, code: number) => encodeFrame({ type: 'RST_STREAM', streamId: id, errorCode: code });
  const term = { type: 'connection-terminated', errorCode: 1, remote: false };
  assert.equal(checkRun(c, { events: [term], output: goaway(1) }, {}), null);
  assert.match(checkRun(c, { events: [term], output: Buffer.concat([goaway(1), ping]) }, {}) ?? '', /frames after GOAWAY/);
  assert.match(checkRun(c, { events: [term], output: ping }, {}) ?? '', /without a GOAWAY/);
  assert.match(checkRun(c, { events: [], output: rst(1, 0x20) }, {}) ?? '', /undefined error code/);
  assert.match(checkRun(c, { events: [], output: goaway(2) }, {}) ?? '', /INTERNAL_ERROR/);
  assert.match(checkRun(c, { events: [{ type: 'stream-reset', streamId: 3, errorCode: 1, remote: false }], output: rst(1, 1) }, {}) ?? '', /without its RST_STREAM/);
  assert.match(checkRun(c, { events: [], output: ping.subarray(0, 12) }, {}) ?? '', /partial frame/);
});
