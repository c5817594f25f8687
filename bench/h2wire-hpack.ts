// HPACK throughput on the http2jp raw-data corpus (../shared/conformance/hpack/raw-data): encode
// and decode, in header sets/s and MB/s. Part of `npm run bench:h2wire`; also runnable alone:
//   node build/bench/h2wire-hpack.js
// There is no anchor in this run: node's own HPACK (nghttp2 inside node:http2) is not callable
// from JS, so only trama's figures are printed. One story = one encoder/decoder (one connection
// direction), as in the conformance tests. Single-threaded; the machine may be shared: noisy.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HpackDecoder, HpackEncoder } from '../src/hpack.js';

type Field = [string, string];
// The conformance folder, as the tests find it (TRAMA_CONFORMANCE, docs/architecture.md).
const STORIES = join(resolve(process.cwd(), process.env.TRAMA_CONFORMANCE ?? '../shared/conformance'), 'hpack');
/** Time spent measuring each figure (after one warm-up pass of the same length). */
const MEASURE_MS = Number(process.env.BENCH_MS ?? 1000);

function load(folder: string): Array<{ headers: Field[][]; wire: Buffer[] }> {
  return readdirSync(join(STORIES, folder))
    .filter((f) => /^story_\d+\.json$/.test(f))
    .sort()
    .map((f) => {
      const json = JSON.parse(readFileSync(join(STORIES, folder, f), 'utf8')) as {
        cases: Array<{ wire?: string; headers: Array<Record<string, string>> }>;
      };
      return {
        headers: json.cases.map((c) => c.headers.map((h) => Object.entries(h)[0] as Field)),
        wire: json.cases.map((c) => Buffer.from(c.wire ?? '', 'hex')),
      };
    });
}

/** Run `pass` repeatedly for MEASURE_MS (after a warm-up); returns passes per second. */
function measure(pass: () => void): number {
  for (const timed of [false, true]) {
    let passes = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      pass();
      passes++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    } while (elapsed < MEASURE_MS);
    if (timed) return (passes * 1000) / elapsed;
  }
  return 0;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Encode and decode throughput of trama's HPACK on raw-data; prints a small table. */
export async function runHpackBench(): Promise<void> {
  const raw = load('raw-data');
  const sets = raw.reduce((n, s) => n + s.headers.length, 0);
  const plain = raw.reduce((n, s) => n + s.headers.flat().reduce((m, [k, v]) => m + k.length + v.length, 0), 0);
  const ours = raw.map((s) => {
    const encoder = new HpackEncoder();
    return s.headers.map((h) => encoder.encode(h));
  });
  const wire = ours.flat().reduce((n, b) => n + b.length, 0);
  const nghttp2 = load('nghttp2');
  const nghttp2Wire = nghttp2.reduce((n, s) => n + s.wire.reduce((m, b) => m + b.length, 0), 0);

  let sink = 0;
  const rows: Array<[string, number, number, string]> = [];
  const encodeRate = measure(() => {
    for (const s of raw) {
      const encoder = new HpackEncoder();
      for (const h of s.headers) sink += encoder.encode(h).length;
    }
  });
  rows.push(['encode raw-data (trama)', encodeRate * sets, (encodeRate * plain) / 1e6, 'MB/s of names+values in']);
  const decodeRate = measure(() => {
    for (const blocks of ours) {
      const decoder = new HpackDecoder();
      for (const b of blocks) sink += decoder.decode(b).length;
    }
  });
  rows.push(['decode trama blocks', decodeRate * sets, (decodeRate * plain) / 1e6, 'MB/s of names+values out']);
  const foreignRate = measure(() => {
    for (const s of nghttp2) {
      const decoder = new HpackDecoder();
      for (const b of s.wire) sink += decoder.decode(b).length;
    }
  });
  rows.push(['decode nghttp2 blocks', foreignRate * sets, (foreignRate * plain) / 1e6, 'MB/s of names+values out']);

  console.log(`HPACK on raw-data: ${raw.length} stories, ${sets} header sets, ${fmt(plain)} octets of names+values`);
  console.log(`compressed: trama ${fmt(wire)} octets, nghttp2 folder ${fmt(nghttp2Wire)} octets (trama/nghttp2 = ${(wire / nghttp2Wire).toFixed(4)})`);
  console.log('anchor: none in this run — node:http2 uses nghttp2\'s HPACK internally and exposes no HPACK API to JS');
  for (const [label, perSec, mbps, unit] of rows) {
    console.log(`${label.padEnd(26)} ${fmt(perSec).padStart(10)} header sets/s  ${mbps.toFixed(1).padStart(7)} ${unit}`);
  }
  if (sink < 0) console.log(sink); // keeps the work observable
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runHpackBench();
}
