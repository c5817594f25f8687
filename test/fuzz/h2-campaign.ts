/**
 * Fuzz campaign for the HTTP/2 engine (`src/wire/h2/connection.ts`, frame reader in
 * `frames.ts`), both roles. After a valid preface (and, for a client, an open request), the peer
 * sends random and mutated frame sequences: structured frames (real HPACK blocks, padding,
 * priorities, odd settings, zero and overflowing window updates, CONTINUATION chains, unknown
 * types), raw frames with random type / flags / stream / payload, then byte-level mutations,
 * delivered at random split points. Properties (`h2.frames`):
 * - `receive` and `takeOutput` never throw;
 * - the output is a sequence of well-formed frames; every RST_STREAM and GOAWAY carries a
 *   defined error code (RFC 9113 §7: 0x0–0xd) and never INTERNAL_ERROR (the engine's safety net
 *   for its own exceptions); RST_STREAM is never on stream 0;
 * - every fault the engine reports has its frame: `connection-terminated` (local) ↔ a GOAWAY with
 *   that code, `stream-reset` (local) ↔ an RST_STREAM for that stream with that code;
 * - after a GOAWAY with an error code nothing else is written, and later input yields no events;
 * - the same bytes fed whole give the same events and the same output (split invariance).
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { H2Connection } from '../../src/wire/h2/connection.js';
import { encodeFrame, FrameReader, type Frame } from '../../src/wire/h2/frames.js';
import { CLIENT_PREFACE } from '../../src/wire/h2/constants.js';
import { HpackEncoder } from '../../src/wire/h2/hpack/index.js';
import type { H2Event } from '../../src/wire/h2/events.js';
import { runProperty, bump, splitAt, type CampaignOptions, type PropertyReport, type Stats } from './support/campaign.js';

type Role = 'client' | 'server';
const MAX_CODE = 0xd;
const INTERNAL_ERROR = 0x2;

// A frame spec is data (so fast-check can print it); HEADERS blocks are built by one encoder per
// case at encode time, so the dynamic table stays consistent unless a mutation breaks it.
type Spec =
  | { k: 'headers'; id: number; fields: Array<[string, string]>; endStream: boolean; endHeaders: boolean; pad: number | null; prio: boolean; split: number }
  | { k: 'frame'; frame: Frame }
  | { k: 'raw'; type: number; flags: number; id: number; payload: number[] };

const sid = fc.constantFrom(0, 1, 1, 1, 2, 3, 3, 5, 7, 9, 0x7fffffff, 0x80000001);
const odd = fc.constantFrom(1, 1, 3, 5, 7, 101);
const bytes = (max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((u) => Buffer.from(u));
const fieldSets: Array<Array<[string, string]>> = [
  [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a'], [':path', '/']],
  [[':method', 'POST'], [':scheme', 'https'], [':authority', 'a'], [':path', '/up'], ['content-length', '3']],
  [[':status', '200'], ['content-type', 'text/plain']],
  [[':status', '103']],
  [['x-trailer', 'v']],
  [[':method', 'CONNECT'], [':authority', 'a:443']],
  [[':method', 'GET'], [':path', '/'], ['connection', 'close']],
  [[':method', 'GET'], [':scheme', 'https'], [':path', '/'], ['TE', 'trailers'], ['Upper', 'x']],
  [[':path', '/'], [':method', 'GET'], [':scheme', 'https'], [':path', '/again']],
  [],
];

const specArb: fc.Arbitrary<Spec> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant('headers' as const),
      id: odd,
      fields: fc.constantFrom(...fieldSets),
      endStream: fc.boolean(),
      endHeaders: fc.boolean(),
      pad: fc.option(fc.integer({ min: 0, max: 20 }), { freq: 4 }),
      prio: fc.boolean(),
      split: fc.nat({ max: 12 }),
    }),
  },
  {
    weight: 8,
    arbitrary: fc
      .oneof(
        fc.record({ type: fc.constant('DATA' as const), streamId: sid, data: bytes(40), endStream: fc.boolean(), padLength: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined, freq: 4 }) }),
        fc.record({ type: fc.constant('PRIORITY' as const), streamId: sid, priority: fc.record({ dependsOn: sid, weight: fc.integer({ min: 1, max: 256 }), exclusive: fc.boolean() }) }),
        fc.record({ type: fc.constant('RST_STREAM' as const), streamId: sid, errorCode: fc.oneof(fc.integer({ min: 0, max: 14 }), fc.constant(0xffffffff)) }),
        fc.record({
          type: fc.constant('SETTINGS' as const),
          ack: fc.boolean(),
          settings: fc.array(fc.tuple(fc.integer({ min: 0, max: 10 }), fc.oneof(fc.integer({ min: 0, max: 70000 }), fc.constantFrom(0, 1, 2, 16383, 16384, 16777215, 16777216, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1))), { maxLength: 4 }),
        }).map((f) => (f.ack ? { ...f, settings: [] } : f)),
        fc.record({ type: fc.constant('PUSH_PROMISE' as const), streamId: sid, promisedId: fc.constantFrom(2, 4, 1, 0), block: fc.constant(Buffer.from('82868441', 'hex')), endHeaders: fc.boolean() }),
        fc.record({ type: fc.constant('PING' as const), ack: fc.boolean(), opaque: fc.constant(Buffer.from('pingpong')) }),
        fc.record({ type: fc.constant('GOAWAY' as const), lastStreamId: sid, errorCode: fc.integer({ min: 0, max: 16 }), debug: bytes(8) }),
        fc.record({ type: fc.constant('WINDOW_UPDATE' as const), streamId: sid, increment: fc.oneof(fc.integer({ min: 1, max: 70000 }), fc.constantFrom(1, 2 ** 31 - 1)) }),
        fc.record({ type: fc.constant('CONTINUATION' as const), streamId: odd, block: fc.constantFrom(Buffer.from('84', 'hex'), Buffer.from('', 'hex'), Buffer.from('ff', 'hex')), endHeaders: fc.boolean() }),
        fc.record({ type: fc.constant('PRIORITY_UPDATE' as const), prioritizedId: odd, value: fc.constantFrom('u=1', 'u=9, i', 'garbage;;', '') }),
        fc.record({ type: fc.constant('UNKNOWN' as const), frameType: fc.integer({ min: 0x0a, max: 0xff }), flags: fc.integer({ min: 0, max: 255 }), streamId: sid, payload: bytes(10) }),
      )
      .map((frame) => ({ k: 'frame' as const, frame: frame as Frame })),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('raw' as const),
      type: fc.integer({ min: 0, max: 0x11 }),
      flags: fc.integer({ min: 0, max: 255 }),
      id: sid,
      payload: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 24 }),
    }),
  },
);

type Mut = { op: 'flip'; at: number; bit: number } | { op: 'insert'; at: number; byte: number } | { op: 'delete'; at: number; n: number } | { op: 'truncate'; at: number };
const mutArb: fc.Arbitrary<Mut> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 9 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

export interface H2Case {
  role: Role;
  specs: Spec[];
  muts: Mut[];
  cuts: number[];
}

/** Random frames: most sequences hit a connection error early (the fault paths). */
const randomCaseArb: fc.Arbitrary<H2Case> = fc.record({
  role: fc.constantFrom<Role>('server', 'server', 'client'),
  specs: fc.array(specArb, { maxLength: 14 }),
  muts: fc.oneof({ weight: 2, arbitrary: fc.constant<Mut[]>([]) }, { weight: 1, arbitrary: fc.array(mutArb, { minLength: 1, maxLength: 3 }) }),
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
});

type Step = { s: 'open' | 'data' | 'trailers' | 'wu' | 'ping' | 'settings' | 'ack' | 'priority' | 'rst'; pick: number; n: number; end: boolean };
const stepArb: fc.Arbitrary<Step> = fc.record({
  s: fc.constantFrom<Step['s']>('open', 'open', 'data', 'data', 'data', 'trailers', 'wu', 'ping', 'settings', 'ack', 'priority', 'rst'),
  pick: fc.nat(),
  n: fc.nat({ max: 70000 }),
  end: fc.boolean(),
});

/** Mostly valid exchanges (streams opened, DATA, trailers, flow control), then a few random frames or mutations: the deep paths. */
const flowCaseArb: fc.Arbitrary<H2Case> = fc
  .record({
    role: fc.constantFrom<Role>('server', 'server', 'client'),
    steps: fc.array(stepArb, { minLength: 1, maxLength: 16 }),
    extra: fc.array(fc.tuple(fc.nat(), specArb), { maxLength: 2 }),
    muts: fc.oneof({ weight: 4, arbitrary: fc.constant<Mut[]>([]) }, { weight: 1, arbitrary: fc.array(mutArb, { minLength: 1, maxLength: 2 }) }),
    cuts: fc.array(fc.nat(), { maxLength: 4 }),
  })
  .map(({ role, steps, extra, muts, cuts }) => {
    const specs: Spec[] = [];
    // Streams the peer may still send on (opened, not ended or reset).
    const open: number[] = [];
    let next = 1;
    let clientHead = false;
    const on = (pick: number): number => open[pick % open.length]!;
    const close = (id: number): void => {
      const i = open.indexOf(id);
      if (i >= 0) open.splice(i, 1);
    };
    for (const st of steps) {
      const ready = open.length > 0;
      switch (st.s) {
        case 'open':
          if (role === 'server') {
            const end = st.end && st.pick % 3 === 0;
            specs.push({ k: 'headers', id: next, fields: fieldSets[0]!, endStream: end, endHeaders: true, pad: st.pick % 5 === 0 ? st.n % 9 : null, prio: st.pick % 7 === 0, split: st.pick % 6 });
            if (!end) open.push(next);
            next += 2;
          } else if (!clientHead) {
            const interim = st.pick % 4 === 0;
            specs.push({ k: 'headers', id: 1, fields: interim ? fieldSets[3]! : fieldSets[2]!, endStream: false, endHeaders: true, pad: null, prio: false, split: st.pick % 6 });
            if (!interim) {
              clientHead = true;
              open.push(1);
            }
          }
          break;
        case 'data':
          if (ready) {
            const id = on(st.pick);
            const end = st.end && st.n % 4 === 0;
            specs.push({ k: 'frame', frame: { type: 'DATA', streamId: id, data: Buffer.alloc(st.n % 200, 0x61), endStream: end, padLength: st.n % 5 === 0 ? st.n % 17 : undefined } });
            if (end) close(id);
          }
          break;
        case 'trailers':
          if (ready) {
            const id = on(st.pick);
            specs.push({ k: 'headers', id, fields: fieldSets[4]!, endStream: true, endHeaders: true, pad: null, prio: false, split: 0 });
            close(id);
          }
          break;
        case 'wu':
          if (st.end || ready) specs.push({ k: 'frame', frame: { type: 'WINDOW_UPDATE', streamId: st.end || !ready ? 0 : on(st.pick), increment: 1 + (st.n % 65535) } });
          break;
        case 'ping':
          specs.push({ k: 'frame', frame: { type: 'PING', ack: false, opaque: Buffer.from('12345678') } });
          break;
        case 'settings':
          specs.push({ k: 'frame', frame: { type: 'SETTINGS', ack: false, settings: [[[1, 4, 5, 3, 2][st.pick % 5]!, [st.n, st.n % 100, 16384 + st.n, st.n % 10, 0][st.pick % 5]!]] } });
          break;
        case 'ack':
          specs.push({ k: 'frame', frame: { type: 'SETTINGS', ack: true, settings: [] } });
          break;
        case 'priority': {
          const id = 1 + 2 * (st.pick % 8);
          const dep = st.end || !ready ? 0 : on(st.n);
          specs.push({ k: 'frame', frame: { type: 'PRIORITY', streamId: id, priority: { dependsOn: dep === id ? 0 : dep, weight: 1 + (st.n % 256), exclusive: st.end } } });
          break;
        }
        case 'rst':
          if (ready) {
            const id = on(st.pick);
            specs.push({ k: 'frame', frame: { type: 'RST_STREAM', streamId: id, errorCode: 8 } });
            close(id);
          }
          break;
      }
    }
    for (const [at, spec] of extra) specs.splice(at % (specs.length + 1), 0, spec);
    return { role, specs, muts, cuts };
  });

export const h2CaseArb: fc.Arbitrary<H2Case> = fc.oneof(randomCaseArb, flowCaseArb);

function rawFrame(type: number, flags: number, id: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(9 + payload.length);
  b.writeUIntBE(payload.length, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(id >>> 0, 5);
  payload.copy(b, 9);
  return b;
}

/** The peer's bytes after the preface + SETTINGS. */
export function peerBytes(c: H2Case): Buffer {
  const enc = new HpackEncoder();
  const parts: Buffer[] = [];
  for (const s of c.specs) {
    if (s.k === 'raw') parts.push(rawFrame(s.type, s.flags, s.id, Buffer.from(s.payload)));
    else if (s.k === 'frame') {
      const f = s.frame;
      // stream ids above 2^31-1 (reserved bit set) only fit raw
      if ('streamId' in f && f.streamId !== undefined && f.streamId > 0x7fffffff) {
        const b = encodeFrame({ ...f, streamId: f.streamId & 0x7fffffff } as Frame, 1 << 24);
        b.writeUInt32BE(f.streamId >>> 0, 5);
        parts.push(b);
      } else parts.push(encodeFrame(f, 1 << 24));
    } else {
      const block = enc.encode(s.fields);
      const cut = Math.min(s.split, block.length);
      const first = s.endHeaders || cut === 0 ? block : block.subarray(0, cut);
      parts.push(encodeFrame({ type: 'HEADERS', streamId: s.id, block: first, endStream: s.endStream, endHeaders: first === block, padLength: s.pad ?? undefined, priority: s.prio ? { dependsOn: 0, weight: 16, exclusive: false } : undefined }, 1 << 24));
      if (first !== block) parts.push(encodeFrame({ type: 'CONTINUATION', streamId: s.id, block: block.subarray(cut), endHeaders: true }, 1 << 24));
    }
  }
  let b = Buffer.concat(parts);
  for (const m of c.muts) {
    const n = b.length;
    const at = n === 0 ? 0 : m.at % n;
    if (m.op === 'flip' && n > 0) b[at] = b[at]! ^ (1 << m.bit);
    else if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
    else if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
    else if (m.op === 'truncate') b = b.subarray(0, at);
  }
  return b;
}

interface Run {
  events: unknown[];
  output: Buffer;
}

const SETTINGS_FRAME = encodeFrame({ type: 'SETTINGS', ack: false, settings: [] });

function drive(c: H2Case, chunks: Buffer[]): Run {
  const conn = new H2Connection({ role: c.role, now: () => 0 });
  const events: H2Event[] = [];
  const out: Buffer[] = [];
  if (c.role === 'client') conn.sendHeaders(1, [[':method', 'POST'], [':scheme', 'https'], [':authority', 'a'], [':path', '/']]);
  out.push(conn.takeOutput());
  events.push(...conn.receive(c.role === 'server' ? Buffer.concat([CLIENT_PREFACE, SETTINGS_FRAME]) : SETTINGS_FRAME));
  out.push(conn.takeOutput());
  for (const ch of chunks) {
    events.push(...conn.receive(ch));
    out.push(conn.takeOutput());
  }
  // Plain data, comparable across runs (Buffers as hex).
  const plain = events.map((e) => JSON.parse(JSON.stringify(e, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('hex') : v))) as unknown);
  return { events: plain, output: Buffer.concat(out) };
}

/** Check one run's output and events against the properties; returns a problem or null. */
export function checkRun(c: H2Case, r: Run, stats: Stats): string | null {
  let out = r.output;
  if (c.role === 'client') {
    if (!out.subarray(0, CLIENT_PREFACE.length).equals(CLIENT_PREFACE)) return 'client output does not start with the preface';
    out = out.subarray(CLIENT_PREFACE.length);
  }
  const reader = new FrameReader(1 << 24);
  reader.push(out);
  const frames: Frame[] = [];
  for (let x = reader.next(); x; x = reader.next()) {
    if (x.kind !== 'frame') return `the engine wrote a malformed frame: ${x.fault.message}`;
    frames.push(x.frame);
  }
  if (reader.buffered !== 0) return `the engine wrote a partial frame (${reader.buffered} bytes left)`;
  let fatalAt = -1;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (f.type === 'GOAWAY' || f.type === 'RST_STREAM') {
      if (f.errorCode > MAX_CODE) return `${f.type} with undefined error code ${f.errorCode}`;
      if (f.errorCode === INTERNAL_ERROR) return `${f.type} INTERNAL_ERROR: the engine's safety net caught its own exception${f.type === 'GOAWAY' ? `: ${f.debug.toString()}` : ''}`;
    }
    if (f.type === 'RST_STREAM' && f.streamId === 0) return 'RST_STREAM on stream 0';
    if (f.type === 'GOAWAY' && f.errorCode !== 0 && fatalAt < 0) fatalAt = i;
  }
  if (fatalAt >= 0 && fatalAt !== frames.length - 1) {
    return `frames after GOAWAY(${(frames[fatalAt] as { errorCode: number }).errorCode}): ${frames.slice(fatalAt + 1).map((f) => f.type).join(', ')}`;
  }
  for (const e of r.events as Array<{ type: string; errorCode?: number; remote?: boolean; streamId?: number }>) {
    if (e.type === 'connection-terminated' && e.remote === false) {
      if (!frames.some((f) => f.type === 'GOAWAY' && f.errorCode === e.errorCode)) return `connection-terminated(${e.errorCode}) without a GOAWAY carrying it`;
      bump(stats, `goaway ${e.errorCode}`);
    }
    if (e.type === 'stream-reset' && e.remote === false) {
      if (!frames.some((f) => f.type === 'RST_STREAM' && f.streamId === e.streamId && f.errorCode === e.errorCode)) return `stream-reset(${e.streamId}, ${e.errorCode}) without its RST_STREAM`;
      bump(stats, `rst ${e.errorCode}`);
    }
  }
  const terminated = (r.events as Array<{ type: string }>).findIndex((e) => e.type === 'connection-terminated');
  if (terminated >= 0 && terminated !== r.events.length - 1) return `events after connection-terminated: ${(r.events as Array<{ type: string }>).slice(terminated + 1).map((e) => e.type).join(', ')}`;
  return null;
}

export function h2FramesProperty(opts: CampaignOptions, share = 1): PropertyReport {
  return runProperty(
    'h2.frames',
    opts,
    h2CaseArb,
    (c, stats: Stats) => {
      const bytesIn = peerBytes(c);
      const whole = drive(c, [bytesIn]);
      const problem = checkRun(c, whole, stats);
      if (problem !== null) throw new Error(`${problem}\nrole=${c.role} peer bytes=${bytesIn.toString('hex')}`);
      const pieces = drive(c, splitAt(bytesIn, c.cuts));
      if (!isDeepStrictEqual(pieces.events, whole.events) || !pieces.output.equals(whole.output)) {
        throw new Error(`split at ${c.cuts.join(',')} differs from whole\nrole=${c.role} peer bytes=${bytesIn.toString('hex')}\n whole: ${JSON.stringify(whole.events)}\n split: ${JSON.stringify(pieces.events)}`);
      }
      bump(stats, (whole.events as Array<{ type: string }>).some((e) => e.type === 'connection-terminated') ? 'terminated' : 'alive');
      for (const t of new Set((whole.events as Array<{ type: string }>).map((e) => e.type))) bump(stats, `event ${t}`);
    },
    share,
  );
}

export function h2Campaign(opts: CampaignOptions): PropertyReport[] {
  return [h2FramesProperty(opts)];
}
