/**
 * Fuzz campaign for the `text/event-stream` parser (`src/wire/sse/parser.ts`).
 *
 * The oracle is a small, deliberately naive reference written here straight from the WHATWG
 * HTML "Parsing an event stream" / "Interpreting an event stream" steps: decode the whole byte
 * stream at once (UTF-8 decode, which drops one leading BOM and turns bad bytes into U+FFFD),
 * split it into lines at CRLF / LF / CR, drop the unterminated last line, and run the field
 * steps. Properties:
 * - `sse.reference`: random streams (CR / LF / CRLF mixes, BOMs, NULs, unicode, invalid UTF-8,
 *   comments, retry, id with NUL) fed as bytes at random split points — including inside
 *   multi-byte characters and between CR and LF — give exactly the reference's events, retry
 *   values, comments and final last event ID.
 * - `sse.strings`: the same with string chunks (already-decoded text).
 * - `sse.bytewise`: byte-by-byte feeding equals whole feeding.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { createEventStreamParser } from '../../src/wire/sse/parser.js';
import { runProperty, bump, splitAt, type CampaignOptions, type PropertyReport, type Stats } from './support/campaign.js';

/** What a consumer sees, in order. */
export type Log = Array<['event', string, string, string] | ['retry', number] | ['comment', string]>;
export interface Outcome {
  log: Log;
  lastEventId: string;
}

/** The reference: the WHATWG steps, over the whole decoded text. */
export function referenceParse(text: string): Outcome {
  const log: Log = [];
  // "Parsing an event stream": lines end at CRLF, LF or CR; the last, unterminated line is pending
  // data that is discarded when the stream ends.
  const lines: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\r') {
      lines.push(cur);
      cur = '';
      if (text[i + 1] === '\n') i++;
    } else if (c === '\n') {
      lines.push(cur);
      cur = '';
    } else cur += c;
  }
  let data = '';
  let type = '';
  let idBuffer = '';
  let lastEventId = '';
  for (const line of lines) {
    if (line === '') {
      // dispatch
      lastEventId = idBuffer;
      if (data === '') {
        type = '';
        continue;
      }
      if (data.endsWith('\n')) data = data.slice(0, -1);
      log.push(['event', type === '' ? 'message' : type, data, lastEventId]);
      data = '';
      type = '';
      continue;
    }
    if (line.startsWith(':')) {
      log.push(['comment', line.startsWith(': ') ? line.slice(2) : line.slice(1)]);
      continue;
    }
    const colon = line.indexOf(':');
    let name = line;
    let value = '';
    if (colon >= 0) {
      name = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
    }
    if (name === 'event') type = value;
    else if (name === 'data') data += `${value}\n`;
    else if (name === 'id') {
      if (!value.includes('\0')) idBuffer = value;
    } else if (name === 'retry') {
      if (/^[0-9]+$/.test(value)) log.push(['retry', Number(value)]);
    }
  }
  // WHATWG: the data buffer is "dispatched" only on a blank line; the lastEventId outside is the
  // one set by the last dispatch.
  return { log, lastEventId };
}

/** Decode bytes the way the standard does (one leading BOM dropped, U+FFFD for bad bytes). */
export const utf8Decode = (bytes: Uint8Array): string => new TextDecoder('utf-8').decode(bytes);

export function runParser(chunks: Array<Uint8Array | string>): Outcome {
  const log: Log = [];
  const p = createEventStreamParser({
    onEvent: (e) => log.push(['event', e.type, e.data, e.lastEventId]),
    onRetry: (ms) => log.push(['retry', ms]),
    onComment: (t) => log.push(['comment', t]),
  });
  for (const c of chunks) p.feed(c);
  p.end();
  return { log, lastEventId: p.lastEventId };
}

const EOL = fc.constantFrom('\n', '\r', '\r\n', '\n', '\r\n');
const valueChars = fc.constantFrom('a', 'b', ' ', ':', '0', '9', 'é', 'ß', '€', '日', '😀', '\0', '\ufeff', '\t', 'x y', '\u2028');
const value = fc.array(valueChars, { maxLength: 8 }).map((a) => a.join(''));
const name = fc.constantFrom('data', 'data', 'data', 'event', 'id', 'retry', 'Data', 'DATA', 'foo', '', 'dat', 'data ', ' data', 'id\0', 'retr');
const lineArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(name, fc.constantFrom(':', ': ', ':  ', ''), value).map(([n, c, v]) => (c === '' ? n : `${n}${c}${v}`)) },
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: value.map((v) => `:${v}`) },
  { weight: 1, arbitrary: fc.constantFrom('retry: 1000', 'retry:10', 'retry: 1x', 'retry:', 'retry: ١٢', 'retry:  5', 'retry: 00', 'retry: 99999999999999999999') },
  { weight: 1, arbitrary: fc.constantFrom('id', 'id:', 'id: a\0b', 'id: 7', 'event', 'event:', 'data', 'data:') },
);
/** Random bytes that are not valid UTF-8 (or split sequences) spliced into the stream. */
const badBytes = fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf0, 0x9f], [0x80], [0xc0, 0xaf], [0xef, 0xbb, 0xbf]);

export const sseStreamArb: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.constantFrom('', '', '', '\ufeff', '\ufeff\ufeff'),
    fc.array(fc.tuple(lineArb, EOL), { maxLength: 14 }),
    fc.option(lineArb, { freq: 3 }), // an unterminated last line
    fc.array(fc.tuple(fc.nat(), badBytes), { maxLength: 2 }),
  )
  .map(([bom, lines, tail, bad]) => {
    let buf = Buffer.from(bom + lines.map(([l, e]) => l + e).join('') + (tail ?? ''), 'utf8');
    for (const [at, bytes] of bad) {
      const i = buf.length === 0 ? 0 : at % (buf.length + 1);
      buf = Buffer.concat([buf.subarray(0, i), Buffer.from(bytes), buf.subarray(i)]);
    }
    return buf;
  });

function check(got: Outcome, want: Outcome, what: string, input: Buffer | string): void {
  if (!isDeepStrictEqual(got, want)) {
    throw new Error(`${what}\ninput=${JSON.stringify(typeof input === 'string' ? input : input.toString('latin1'))}\n got: ${JSON.stringify(got)}\nwant: ${JSON.stringify(want)}`);
  }
}

export function sseReferenceProperty(opts: CampaignOptions, share = 1): PropertyReport {
  return runProperty(
    'sse.reference',
    opts,
    fc.tuple(sseStreamArb, fc.array(fc.nat(), { maxLength: 6 })),
    ([buf, cuts], stats: Stats) => {
      const want = referenceParse(utf8Decode(buf));
      check(runParser(splitAt(buf, cuts)), want, `byte chunks cut at ${cuts.join(',')}`, buf);
      bump(stats, 'events', want.log.filter((x) => x[0] === 'event').length);
      bump(stats, 'streams');
    },
    share,
  );
}

export function sseStringsProperty(opts: CampaignOptions, share = 1): PropertyReport {
  return runProperty(
    'sse.strings',
    opts,
    fc.tuple(sseStreamArb, fc.array(fc.nat(), { maxLength: 6 })),
    ([buf, cuts], stats: Stats) => {
      // A string stream: the decoded text with its BOM kept (the parser drops one leading U+FEFF).
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(buf);
      const want = referenceParse(text.startsWith('\ufeff') ? text.slice(1) : text);
      const chunks = splitAt(text, cuts);
      check(runParser(chunks), want, `string chunks cut at ${cuts.join(',')}`, text);
      bump(stats, 'streams');
    },
    share,
  );
}

export function sseBytewiseProperty(opts: CampaignOptions, share = 1): PropertyReport {
  return runProperty(
    'sse.bytewise',
    opts,
    sseStreamArb,
    (buf, stats: Stats) => {
      const whole = runParser([buf]);
      const bytes: Buffer[] = [];
      for (let i = 0; i < buf.length; i++) bytes.push(buf.subarray(i, i + 1));
      check(runParser(bytes), whole, 'byte by byte differs from whole', buf);
      bump(stats, 'streams');
    },
    share,
  );
}

export function sseCampaign(opts: CampaignOptions): PropertyReport[] {
  return [sseReferenceProperty(opts, 0.5), sseStringsProperty(opts, 0.25), sseBytewiseProperty(opts, 0.25)];
}
