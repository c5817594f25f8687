// http2jp/hpack-test-case (../shared/conformance/hpack, see its NOTE.md):
// - every encoder folder's stories decode exactly: one decoder per file, cases in order, with
//   `header_table_size` applied (as our acknowledged SETTINGS_HEADER_TABLE_SIZE) before its case;
// - our encoder's output for raw-data/ decodes back exactly with our decoder and with Debian's
//   python3-hpack (an independent implementation), and its size is reported beside nghttp2's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { HpackDecoder, HpackEncoder, type HuffmanMode } from '../../../../src/wire/h2/hpack/index.js';
import { testsNeeding } from '../../../support/conformance.js';
import { readStories, storyFolders, STORIES_DIR, type Field } from './support.js';

const test = testsNeeding(STORIES_DIR);

const folders = storyFolders();
const rawData = STORIES_DIR.skip ? [] : readStories('raw-data');

test('the story folders are all there', () => {
  assert.ok(folders.includes('raw-data') && folders.includes('nghttp2-change-table-size'), folders.join());
  assert.ok(folders.length >= 13, `${folders.length} folders`);
  assert.equal(rawData.length, 32);
});

let decodedCases = 0;
let decodedStories = 0;
for (const folder of folders.filter((f) => f !== 'raw-data')) {
  test(`decode every story of ${folder}`, (t) => {
    const stories = readStories(folder);
    assert.ok(stories.length > 0);
    let cases = 0;
    for (const story of stories) {
      const decoder = new HpackDecoder();
      for (const c of story.cases) {
        if (c.header_table_size != null) decoder.maxTableSize = c.header_table_size;
        assert.ok(typeof c.wire === 'string', `${story.file} #${c.seqno}: no wire`);
        assert.deepEqual(decoder.decode(Buffer.from(c.wire, 'hex')), c.headers, `${story.file} case ${c.seqno}`);
        cases++;
      }
    }
    decodedCases += cases;
    decodedStories += stories.length;
    t.diagnostic(`${folder}: ${stories.length} stories, ${cases} header blocks decoded exactly`);
  });
}

test('conformance totals', (t) => {
  t.diagnostic(`decoded ${decodedStories} stories / ${decodedCases} header blocks from ${folders.length - 1} encoder folders`);
  assert.ok(decodedCases > 40000, `${decodedCases} blocks`);
});

/** Our encoding of every raw-data story: one encoder per story (one connection direction). */
function encodeRawData(huffman: HuffmanMode = 'auto'): Buffer[][] {
  return rawData.map((story) => {
    const encoder = new HpackEncoder({ huffman });
    return story.cases.map((c) => encoder.encode(c.headers));
  });
}

test('raw-data: our encoder output decodes back exactly with our decoder (auto, always, never)', () => {
  for (const huffman of ['auto', 'always', 'never'] as const) {
    const encoded = encodeRawData(huffman);
    rawData.forEach((story, i) => {
      const decoder = new HpackDecoder();
      story.cases.forEach((c, j) => assert.deepEqual(decoder.decode(encoded[i]![j]!), c.headers, `${story.file} #${j} (${huffman})`));
    });
  }
});

test('raw-data: compressed size beside the other encoders (nghttp2 the reference)', (t) => {
  const ours = encodeRawData().flat().reduce((n, b) => n + b.length, 0);
  const plain = rawData.flatMap((s) => s.cases.flatMap((c) => c.headers)).reduce((n, [k, v]) => n + k.length + v.length, 0);
  const sets = rawData.reduce((n, s) => n + s.cases.length, 0);
  const wireTotal = (folder: string) =>
    readStories(folder).reduce((n, s) => n + s.cases.reduce((m, c) => m + (c.wire?.length ?? 0) / 2, 0), 0);
  const nghttp2 = wireTotal('nghttp2');
  t.diagnostic(`raw-data: ${sets} header sets, ${plain} octets of names+values`);
  t.diagnostic(`trama: ${ours} octets (${((100 * ours) / plain).toFixed(1)}% of plain)`);
  for (const folder of ['nghttp2', 'python-hpack', 'go-hpack', 'node-http2-hpack', 'haskell-http2-linear']) {
    const n = folder === 'nghttp2' ? nghttp2 : wireTotal(folder);
    t.diagnostic(`${folder}: ${n} octets (trama/${folder} = ${(ours / n).toFixed(4)})`);
  }
  // A regression guard on the indexing policy: at least as compact as nghttp2 on this corpus.
  assert.ok(ours <= nghttp2, `trama ${ours} > nghttp2 ${nghttp2}`);
});

// An independent decoder: Debian's python3-hpack, run as /usr/bin/python3 in a subprocess.
const PYTHON = '/usr/bin/python3';
const PY_DECODE = `
import json, sys
from hpack import Decoder
out = []
for story in json.load(sys.stdin):
    d = Decoder(max_header_list_size=1 << 24)
    blocks = []
    for h in story:
        blocks.append([[n.decode('latin-1'), v.decode('latin-1')] for n, v in d.decode(bytes.fromhex(h), raw=True)])
    out.append(blocks)
json.dump(out, sys.stdout)
`;

function pythonHpack(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import hpack'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `python3-hpack is not installed (${probe.stderr.trim().split('\n').pop()})`;
}

const missing = pythonHpack();
const skip = missing !== null && process.env.TRAMA_REQUIRE_PEERS !== '1' ? `skipped: ${missing} (apt-get install python3-hpack)` : false;

for (const [label, options] of [
  ['default options', {}],
  ['table cap 256, Huffman always', { maxTableSize: 256, huffman: 'always' }],
] as const) {
  test(`raw-data: python3-hpack decodes our encoder output exactly (${label})`, { skip }, () => {
    assert.equal(missing, null, `TRAMA_REQUIRE_PEERS=1 but ${missing}`);
    const encoded = rawData.map((story) => {
      const encoder = new HpackEncoder(options);
      return story.cases.map((c) => encoder.encode(c.headers).toString('hex'));
    });
    const run = spawnSync(PYTHON, ['-c', PY_DECODE], { input: JSON.stringify(encoded), encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(run.status, 0, run.stderr);
    const decoded = JSON.parse(run.stdout) as Field[][][];
    rawData.forEach((story, i) => {
      story.cases.forEach((c, j) => assert.deepEqual(decoded[i]![j], c.headers, `${story.file} #${j}`));
    });
  });
}
