// CI slice of the HPACK differential fuzz campaign against python3-hpack (fixed seed). Long runs:
// `node scripts/fuzz.mjs hpack --seconds 300` (see docs/fuzzing.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hpackDifferential, havePythonHpack, runPythonBatch, runTramaHpack, type HpackCase } from './hpack-campaign.js';
import { assertCampaign } from './support/campaign.js';

const HAVE = havePythonHpack();
const REQUIRE = process.env.TRAMA_REQUIRE_PEERS === '1';
const skip = !HAVE && !REQUIRE ? 'python3-hpack is not installed (apt-get install python3-hpack); set TRAMA_REQUIRE_PEERS=1 to fail instead' : false;

test('hpack fuzz: decoder agrees with python3-hpack on valid and mutated blocks', { skip }, () => {
  assert.ok(HAVE, 'python3-hpack is required (TRAMA_REQUIRE_PEERS=1)');
  assertCampaign([hpackDifferential({ seed: 20261124, numRuns: 2400 })]);
});

test('hpack fuzz: the oracle is live (both decode a known block, both reject index 0)', { skip }, () => {
  const cases: HpackCase[] = [
    { limit: 4096, maxList: 65536, blocks: [{ hex: '828684410f7777772e6578616d706c652e636f6d', limit: null }] },
    { limit: 4096, maxList: 65536, blocks: [{ hex: '80', limit: null }] },
  ];
  const py = runPythonBatch(cases);
  assert.deepEqual(py[0]![0]!.slice(0, 2), ['ok', [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']]]);
  assert.deepEqual(runTramaHpack(cases[0]!)[0]!.slice(0, 2), py[0]![0]!.slice(0, 2));
  assert.equal(py[1]![0]![0], 'COMPRESSION_ERROR');
  assert.equal(runTramaHpack(cases[1]!)[0]![0], 'COMPRESSION_ERROR');
});
