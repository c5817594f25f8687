// CI slice of the HTTP/1 fuzz campaign (fixed seed, a few seconds). Long runs:
// `node scripts/fuzz.mjs h1 --seconds 300` (see docs/fuzzing.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitProperty, differentialProperty, boundedProperty, classify } from './h1-campaign.js';
import { assertCampaign } from './support/campaign.js';

const SEED = 20261124;

test('h1 fuzz: chunk-split invariance, strict and lenient, both roles (never throws)', () => {
  assertCampaign([splitProperty({ seed: SEED, numRuns: 4000 })]);
});

test('h1 fuzz: differential against node llhttp (strict)', () => {
  assertCampaign([differentialProperty({ seed: SEED, numRuns: 12000 })]);
});

test('h1 fuzz: differential against node llhttp, lenient (insecureHTTPParser)', () => {
  assertCampaign([differentialProperty({ seed: SEED, numRuns: 6000 }, 1, true)]);
});

test('h1 fuzz: endless lines, fields, extensions and trailers hit the limits (bounded memory)', () => {
  assertCampaign([boundedProperty({ seed: SEED, numRuns: 600 })]);
});

test('h1 fuzz: the classifier sees a real difference (it is not a no-op)', () => {
  // Two SP after the method: llhttp accepts, trama rejects (documented, RFC 9112 §3).
  const sp = classify('request', Buffer.from('GET  / HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'));
  assert.equal(sp.kind, 'allowed');
  assert.equal(sp.trama.error, 'HPE_INVALID_URL');
  assert.equal(sp.llhttp.error, null);
  // Two identical Content-Length: both reject.
  const dup = classify('request', Buffer.from('POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx', 'latin1'));
  assert.equal(dup.kind, 'agree');
  // Plain agreement, with content compared.
  const ok = classify('request', Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi', 'latin1'));
  assert.equal(ok.kind, 'agree');
  assert.equal(ok.trama.messages.length, 2);
  assert.equal(ok.llhttp.messages[1]!.body, 'hi');
});
