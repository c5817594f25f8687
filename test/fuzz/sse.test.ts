// CI slice of the event-stream fuzz campaign (fixed seed). Long runs:
// `node scripts/fuzz.mjs sse --seconds 300` (see docs/fuzzing.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sseReferenceProperty, sseStringsProperty, sseBytewiseProperty, referenceParse, runParser, utf8Decode } from './sse-campaign.js';
import { assertCampaign } from './support/campaign.js';

const SEED = 20261124;

test('sse fuzz: byte chunks at random split points match the WHATWG reference', () => {
  assertCampaign([sseReferenceProperty({ seed: SEED, numRuns: 4000 })]);
});

test('sse fuzz: string chunks match the reference', () => {
  assertCampaign([sseStringsProperty({ seed: SEED, numRuns: 1500 })]);
});

test('sse fuzz: byte-by-byte equals whole', () => {
  assertCampaign([sseBytewiseProperty({ seed: SEED, numRuns: 1500 })]);
});

test('sse fuzz: the reference model itself follows the standard on a worked stream', () => {
  // BOM, CRLF / CR / LF, a comment, one leading space removed, id with NUL ignored, retry digits
  // only, a data-less dispatch still sets the last event ID, the unterminated tail is dropped.
  const bytes = Buffer.from('\ufeffdata: a\r\ndata:  b\rid: 1\n: hi\nretry: 15\nretry: x\nevent: e\n\nid: 2\0\nid: 3\n\ndata: é\n\ndata: lost', 'utf8');
  const want = {
    log: [
      ['comment', 'hi'],
      ['retry', 15],
      ['event', 'e', 'a\n b', '1'],
      ['event', 'message', 'é', '3'],
    ],
    lastEventId: '3',
  };
  assert.deepEqual(referenceParse(utf8Decode(bytes)), want);
  assert.deepEqual(runParser([bytes.subarray(0, 7), bytes.subarray(7, 60), bytes.subarray(60)]), want);
});
