/**
 * Fuzz campaign for the HPACK decoder (`src/wire/h2/hpack/`), differential against Debian's
 * python3-hpack (`/usr/bin/python3 -c 'import hpack'`).
 *
 * A case is one connection direction: a sequence of header blocks written by trama's
 * `HpackEncoder` (random fields, Huffman modes, table size changes agreed on both sides), then
 * mutated at the byte level (flip, insert, delete, truncate, a random integer or literal
 * spliced in). Both decoders decode the blocks in order until the first error. Property: the
 * same verdict class for every block (ok / COMPRESSION_ERROR / HEADER_LIST_TOO_LARGE), and when
 * both accept, the same fields (octet for octet) and the same never-indexed names. Cases go to
 * one python process per batch (hundreds of cases per process). While no block of a case has been
 * mutated, python must also decode trama's encoder output to exactly the fields it was given.
 */
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { HpackDecoder, HpackEncoder, HpackError } from '../../src/wire/h2/hpack/index.js';
import { bump, type CampaignOptions, type PropertyReport, type Stats } from './support/campaign.js';
import { interestingByte } from './support/h1-gen.js';

export const PYTHON = '/usr/bin/python3';

/** Is python3-hpack importable? */
export function havePythonHpack(): boolean {
  if (!existsSync(PYTHON)) return false;
  const r = spawnSync(PYTHON, ['-c', 'import hpack'], { encoding: 'utf8' });
  return r.status === 0;
}

// One JSON case per line in, one JSON result per line out. Each block: [verdict, fields, neverIndexed].
const PY = String.raw`
import sys, json
import hpack
from hpack import Decoder, OversizedHeaderListError
from hpack.struct import NeverIndexedHeaderTuple
out = []
for line in sys.stdin:
    case = json.loads(line)
    d = Decoder(max_header_list_size=case['maxList'])
    d.max_allowed_table_size = case['limit']
    res = []
    for step in case['blocks']:
        if step['limit'] is not None:
            d.max_allowed_table_size = step['limit']
        try:
            hs = d.decode(bytes.fromhex(step['hex']), raw=True)
        except OversizedHeaderListError as e:
            res.append(['HEADER_LIST_TOO_LARGE', None, None, type(e).__name__]); break
        except Exception as e:
            res.append(['COMPRESSION_ERROR', None, None, type(e).__name__ + ': ' + str(e)[:80]]); break
        fields = [[bytes(n).decode('latin1'), bytes(v).decode('latin1')] for n, v in hs]
        never = sorted(set(bytes(h[0]).decode('latin1') for h in hs if isinstance(h, NeverIndexedHeaderTuple)))
        res.append(['ok', fields, never, ''])
    out.append(json.dumps(res))
sys.stdout.write('\n'.join(out) + '\n')
`;

type Field = [string, string];
interface Block {
  hex: string;
  /** The fields the encoder was given, while no block of the case has been mutated yet. */
  expect?: Field[];
  /** Our SETTINGS_HEADER_TABLE_SIZE changes (acknowledged) just before this block, or null. */
  limit: number | null;
}
export interface HpackCase {
  limit: number;
  maxList: number;
  blocks: Block[];
}
type PyBlock = [string, Field[] | null, string[] | null, string];

const octets = (max: number): fc.Arbitrary<string> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a).toString('latin1'));
const NAMES = [':method', ':path', ':authority', ':scheme', ':status', 'accept', 'accept-encoding', 'cookie', 'set-cookie', 'authorization', 'content-length', 'user-agent', 'x-custom', 'x-a', 'date', 'etag'];
const fieldArb: fc.Arbitrary<Field> = fc.tuple(
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9-]{1,10}$/) }, { weight: 1, arbitrary: octets(8) }),
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom('', 'GET', '/', 'https', '200', 'gzip, deflate', 'a'.repeat(40)) }, { weight: 3, arbitrary: fc.stringMatching(/^[ -~]{0,30}$/) }, { weight: 2, arbitrary: octets(60) }),
);

type Mut =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'delete'; at: number; n: number }
  | { op: 'truncate'; at: number };
const mutArb: fc.Arbitrary<Mut> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.oneof(interestingByte, fc.constantFrom(0x80, 0xff, 0x3f, 0x20, 0x7f, 0x40, 0x10, 0x00, 0xbe, 0xc0)) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }),
      // representations: indexed (dynamic / past the end), size update, literal with long length
      fc.constantFrom<number[]>([0xbe], [0xff, 0x80, 0x01], [0x3f, 0xe1, 0x1f], [0x20], [0x3f, 0xff, 0xff, 0xff, 0xff, 0x0f], [0x40, 0x01, 0x61, 0x81, 0xff], [0x00, 0x81, 0xfe, 0x00], [0x10, 0x7f, 0x80]),
    ),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(buf: Buffer, ms: Mut[]): Buffer {
  let b = Buffer.from(buf);
  for (const m of ms) {
    const n = b.length;
    const at = n === 0 ? 0 : m.at % n;
    switch (m.op) {
      case 'flip':
        if (n > 0) b[at] = b[at]! ^ (1 << m.bit);
        break;
      case 'set':
        if (n > 0) b[at] = m.byte;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
    }
  }
  return b;
}

const stepArb = fc.record({
  fields: fc.array(fieldArb, { maxLength: 10 }),
  limit: fc.option(fc.oneof(fc.constant(0), fc.constant(4096), fc.integer({ min: 0, max: 8192 })), { freq: 6 }),
  huffman: fc.constantFrom('auto', 'always', 'never') as fc.Arbitrary<'auto' | 'always' | 'never'>,
  sensitive: fc.boolean(),
  muts: fc.oneof({ weight: 2, arbitrary: fc.constant<Mut[]>([]) }, { weight: 1, arbitrary: fc.array(mutArb, { minLength: 1, maxLength: 3 }) }),
});

export const hpackCaseArb: fc.Arbitrary<HpackCase> = fc
  .record({ maxList: fc.oneof({ weight: 4, arbitrary: fc.constant(65536) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 600 }) }), steps: fc.array(stepArb, { minLength: 1, maxLength: 6 }) })
  .map(({ maxList, steps }) => {
    const encoders = { auto: new HpackEncoder({ huffman: 'auto' }), always: new HpackEncoder({ huffman: 'always' }), never: new HpackEncoder({ huffman: 'never' }) };
    // One encoder per case (the table state must be one); Huffman mode picked by the first step.
    const enc = encoders[steps[0]!.huffman];
    const blocks: Block[] = [];
    let clean = true;
    for (const s of steps) {
      if (s.limit !== null) enc.setMaxTableSize(s.limit);
      const raw = enc.encode(s.fields, s.sensitive ? new Set(s.fields.slice(0, 1).map(([n]) => n)) : undefined);
      clean &&= s.muts.length === 0;
      const block: Block = { hex: mutate(raw, s.muts).toString('hex'), limit: s.limit };
      if (clean) block.expect = s.fields;
      blocks.push(block);
    }
    return { limit: 4096, maxList, blocks };
  });

type TBlock = [string, Field[] | null, string[] | null, string];

export function runTramaHpack(c: HpackCase): TBlock[] {
  const d = new HpackDecoder({ maxTableSize: c.limit, maxHeaderListSize: c.maxList });
  const out: TBlock[] = [];
  for (const b of c.blocks) {
    if (b.limit !== null) d.maxTableSize = b.limit;
    const never = new Set<string>();
    try {
      const fields = d.decode(Buffer.from(b.hex, 'hex'), never);
      out.push(['ok', fields, [...never].sort(), '']);
    } catch (e) {
      if (!(e instanceof HpackError)) throw e; // anything else is a crash: the property fails
      out.push([e.code, null, null, e.message]);
      break;
    }
  }
  return out;
}

export function runPythonBatch(cases: HpackCase[]): PyBlock[][] {
  const input = cases.map((c) => JSON.stringify(c)).join('\n') + '\n';
  const r = spawnSync(PYTHON, ['-c', PY], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python3-hpack batch failed: ${r.stderr}`);
  const lines = r.stdout.trimEnd().split('\n');
  if (lines.length !== cases.length) throw new Error(`python3-hpack returned ${lines.length} results for ${cases.length} cases`);
  return lines.map((l) => JSON.parse(l) as PyBlock[]);
}

/** Compare one case; returns null when they agree, else a description. */
export function compareHpack(c: HpackCase, t: TBlock[], p: PyBlock[], stats: Stats): string | null {
  const n = Math.max(t.length, p.length);
  for (let i = 0; i < n; i++) {
    const a = t[i];
    const b = p[i];
    if (a === undefined || b === undefined) return `block ${i}: one decoder stopped early`;
    if (a[0] !== b[0]) {
      // python raises OversizedHeaderListError at the first field over the limit; trama decodes
      // the block to its end (the table must stay in sync) and so also meets a later
      // COMPRESSION_ERROR in the same block, which wins. Both refuse the block.
      if (a[0] === 'COMPRESSION_ERROR' && b[0] === 'HEADER_LIST_TOO_LARGE') {
        bump(stats, 'allowed: list too large, then malformed later in the block');
        return null;
      }
      return `block ${i}: trama ${a[0]} (${a[3]}) vs python ${b[0]} (${b[3]})`;
    }
    if (a[0] === 'ok') {
      if (!isDeepStrictEqual(a[1], b[1])) return `block ${i}: fields differ\n trama ${JSON.stringify(a[1])}\n python ${JSON.stringify(b[1])}`;
      if (!isDeepStrictEqual(a[2], b[2])) return `block ${i}: never-indexed names differ: ${JSON.stringify(a[2])} vs ${JSON.stringify(b[2])}`;
      // trama's encoder, read by python: the fields it was given
      const expect = c.blocks[i]!.expect;
      if (expect !== undefined) {
        if (!isDeepStrictEqual(b[1], expect)) return `block ${i}: python decodes trama's encoding to other fields\n given ${JSON.stringify(expect)}\n python ${JSON.stringify(b[1])}`;
        bump(stats, 'encoder-roundtrip-via-python');
      }
      bump(stats, 'blocks-agree-ok');
    } else bump(stats, `blocks-agree-${a[0]}`);
  }
  bump(stats, 'cases');
  return null;
}

/** Run batches of cases (fixed count, or until the time budget is spent). */
export function hpackDifferential(opts: CampaignOptions, share = 1, batchSize = 400): PropertyReport {
  const stats: Stats = {};
  const t0 = performance.now();
  const deadline = opts.timeLimitMs !== undefined ? t0 + opts.timeLimitMs * share : Infinity;
  const total = opts.timeLimitMs !== undefined ? Infinity : Math.max(1, Math.round(opts.numRuns * share));
  let runs = 0;
  let batch = 0;
  let message = '';
  while (runs < total && performance.now() < deadline && message === '') {
    const n = Math.min(batchSize, total - runs);
    const cases = fc.sample(hpackCaseArb, { numRuns: n, seed: opts.seed + batch * 7919 });
    const py = runPythonBatch(cases);
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!;
      let diff: string | null;
      try {
        diff = compareHpack(c, runTramaHpack(c), py[i]!, stats);
      } catch (e) {
        diff = `trama threw a non-HpackError: ${e instanceof Error ? e.stack : String(e)}`;
      }
      if (diff !== null) {
        message = `seed ${opts.seed} batch ${batch} case ${i}: ${diff}\ncase: ${JSON.stringify(c)}`;
        break;
      }
    }
    runs += cases.length;
    batch++;
  }
  const ms = performance.now() - t0;
  opts.log?.(`hpack.differential: ${runs} cases in ${(ms / 1000).toFixed(1)} s${message ? ' FAILED' : ''}`);
  return { name: 'hpack.differential', runs, failed: message !== '', message, ms, stats };
}

export function hpackCampaign(opts: CampaignOptions): PropertyReport[] {
  return [hpackDifferential(opts)];
}
