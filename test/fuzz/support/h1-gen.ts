/**
 * fast-check arbitraries for HTTP/1.x byte streams: structured requests and responses (methods,
 * targets, versions, field lists, Content-Length and chunked bodies with extensions and trailers,
 * pipelining) and byte-level mutations of them (insert CR / LF / NUL / SP / HTAB / obs-text,
 * delete, replace, duplicate a line, truncate). Everything is built as latin1 text, so a
 * counterexample prints readably.
 */
import fc from 'fast-check';
import type { H1Role } from '../../../src/wire/h1/types.js';

const TCHAR = '!#$%&\'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const VCHAR = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');

const strOf = (chars: string, min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...chars.split('')), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** A byte chosen to be interesting for a parser. */
export const interestingByte: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0x0d, 0x0a, 0x00, 0x20, 0x09, 0x3a, 0x3b, 0x2c, 0x22, 0x5c, 0x7f, 0x0b, 0x0c) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x00, max: 0xff }) },
);

const token = strOf(TCHAR, 1, 8);

const method = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH') },
  { weight: 3, arbitrary: fc.constantFrom('TRACE', 'CONNECT', 'PROPFIND', 'M-SEARCH', 'PURGE', 'QUERY', 'LINK', 'MKCOL', 'SOURCE', 'PRI', 'ACL', 'REPORT') },
  { weight: 2, arbitrary: fc.constantFrom('get', 'Get', 'FOO', 'GETX', 'GE', 'POSTT', 'HEADER', 'CONNECTX', 'X-Y') },
  { weight: 1, arbitrary: token },
);

const pathChars = VCHAR.replace(/[#]/g, '');
const target = fc.oneof(
  { weight: 6, arbitrary: strOf(pathChars, 0, 12).map((s) => `/${s}`) },
  { weight: 1, arbitrary: fc.constant('*') },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('http', 'https', 'HTTP', 'ws'), strOf('abcxyz.-019', 1, 8), strOf(pathChars, 0, 6)).map(([s, h, p]) => `${s}://${h}/${p}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('http', 'https'), strOf('abz.-19@:[]%\\{}|"<>^`', 1, 8), strOf(pathChars, 0, 4)).map(([s, h, p]) => `${s}://${h}/${p}`) },
  { weight: 2, arbitrary: fc.tuple(strOf('abcxyz.-019', 1, 8), fc.constantFrom('', ':443', ':80', ':', ':x')).map(([h, p]) => `${h}${p}`) },
  { weight: 1, arbitrary: fc.tuple(strOf(pathChars, 0, 5), strOf(VCHAR, 0, 4)).map(([p, f]) => `/${p}#${f}`) },
  { weight: 1, arbitrary: strOf(VCHAR + ' \t\x7f\x80\xff', 1, 10) },
);

const version = fc.oneof(
  { weight: 12, arbitrary: fc.constant('HTTP/1.1') },
  { weight: 4, arbitrary: fc.constant('HTTP/1.0') },
  { weight: 2, arbitrary: fc.constantFrom('HTTP/0.9', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/3.0', 'HTTP/9.9', 'HTTP/2', 'HTTP/1.', 'HTTP/1.10', 'HTTP/11', 'http/1.1', 'HTTP/1,1', 'HTTPS/1.1', 'RTSP/1.0', 'ICE/1.0', 'HTTP/ 1.1', 'HTTP/0.0') },
);

const status = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('200', '201', '204', '301', '304', '400', '404', '500', '100', '101', '103', '199') },
  { weight: 2, arbitrary: fc.constantFrom('000', '099', '600', '999', '20', '2000', '2x0', ' 200', '-20', '1000') },
);

const reason = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('OK', 'Not Found', 'Continue', 'Switching Protocols', 'No Content', '') },
  { weight: 2, arbitrary: strOf(VCHAR + ' \t\x80\xe9\xff', 0, 10) },
);

const fieldNames = [
  'Host', 'host', 'HOST', 'Content-Length', 'content-length', 'Transfer-Encoding', 'transfer-encoding', 'Connection',
  'Upgrade', 'Keep-Alive', 'Proxy-Connection', 'Expect', 'TE', 'Trailer', 'Accept', 'Cookie', 'X-Foo', 'x-a', 'Content-Type', 'Date',
];

const ows = fc.constantFrom('', ' ', ' ', ' ', '  ', '\t', ' \t');

function valueFor(name: string): fc.Arbitrary<string> {
  const generic = strOf(VCHAR + ' \t', 0, 12).map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ''));
  const obs = strOf(VCHAR + ' \t\x80\xa0\xe9\xff', 0, 10).map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ''));
  switch (name.toLowerCase()) {
    case 'host':
      return fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('a.example', 'localhost:8080', '127.0.0.1', '[::1]:80', 'x') },
        { weight: 2, arbitrary: fc.constantFrom('', 'a b', 'a/b', 'a@b', 'a,b', 'a_b', 'a%41', 'ä', 'a\tb') },
      );
    case 'content-length':
      return fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 12 }).map(String) },
        { weight: 2, arbitrary: fc.constantFrom('', '1,1', '3, 3', '+3', '-1', '0x3', '003', '3 3', '1e2', '99999999999999999999', '4294967296', '18446744073709551616', '9007199254740991', '9007199254740992', '٣') },
      );
    case 'transfer-encoding':
      return fc.constantFrom('chunked', 'chunked', 'gzip, chunked', 'chunked, gzip', 'identity', 'CHUNKED', 'Chunked', 'chunked,', ',chunked', 'gzip', 'chunkedx', 'x-chunked', 'chunked, chunked', 'gzip,,chunked', 'gzip;q=1, chunked', 'chunked\t', 'identity, chunked', '');
    case 'connection':
    case 'proxy-connection':
      return fc.constantFrom('close', 'keep-alive', 'Keep-Alive', 'upgrade', 'Upgrade, keep-alive', 'close, upgrade', 'keep-alive, close', 'CLOSE', 'closed', 'te', '', ' , close');
    case 'upgrade':
      return fc.constantFrom('websocket', 'h2c', 'foo/1', '');
    case 'expect':
      return fc.constantFrom('100-continue', 'x');
    default:
      return fc.oneof({ weight: 4, arbitrary: generic }, { weight: 1, arbitrary: obs });
  }
}

const fieldName = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...fieldNames) }, { weight: 1, arbitrary: token });

/** One field line (without its CRLF). */
const fieldLine = fieldName.chain((name) =>
  fc.tuple(fc.constant(name), fc.constantFrom(':', ':', ':', ' :', '\t:'), ows, valueFor(name), ows).map(([n, colon, a, v, b]) => {
    // mostly well-formed: a space before the colon is rarer
    const sep = colon !== ':' && v.length % 3 !== 0 ? ':' : colon;
    return `${n}${sep}${a}${v}${v === '' ? '' : b}`;
  }),
);

const hexSize = (n: number): fc.Arbitrary<string> =>
  fc.constantFrom('lower', 'upper', 'zeros').map((f) => (f === 'upper' ? n.toString(16).toUpperCase() : f === 'zeros' ? `00${n.toString(16)}` : n.toString(16)));

const chunkExt = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.constantFrom(';a', ';a=b', ';name=value;x', ';a="q"', ';a="q\\"x"', ';a=""', '; a=b', ';a =b', ';a= b', ' ;a', '\t;a', ';', ';=b', ';a="x', ';a=b c', ';a="\x80"', ';a=\x80', ';a="\\\x80"', ';a,b', ';a=b;') },
);

const bodyBytes = strOf('abcxyz0129 \r\n\x00\xff', 0, 10);

/** A chunked body: chunks (size line with extension + data + CRLF), last chunk, trailers, CRLF. */
const chunkedBody = fc
  .tuple(
    fc.array(
      bodyBytes.filter((s) => s.length > 0).chain((data) => fc.tuple(fc.constant(data), hexSize(data.length), chunkExt)),
      { maxLength: 3 },
    ),
    fc.constantFrom('0', '0', '000', '00'),
    chunkExt,
    fc.array(fieldLine, { maxLength: 2 }),
  )
  .map(([chunks, last, lastExt, trailers]) =>
    chunks.map(([d, size, ext]) => `${size}${ext}\r\n${d}\r\n`).join('') + `${last}${lastExt}\r\n` + trailers.map((t) => `${t}\r\n`).join('') + '\r\n',
  );

type Framing = { kind: 'none' } | { kind: 'cl'; body: string } | { kind: 'chunked'; te: string; body: string } | { kind: 'raw'; body: string };

const framing: fc.Arbitrary<Framing> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Framing>({ kind: 'none' }) },
  { weight: 3, arbitrary: bodyBytes.map<Framing>((body) => ({ kind: 'cl', body })) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('chunked', 'chunked', 'gzip, chunked', 'Chunked'), chunkedBody).map<Framing>(([te, body]) => ({ kind: 'chunked', te, body })) },
  { weight: 1, arbitrary: bodyBytes.map<Framing>((body) => ({ kind: 'raw', body })) },
);

/** One message as text. `hostFirst`: requests mostly carry one Host (else most would be 400 in trama). */
function message(role: H1Role): fc.Arbitrary<string> {
  const startLine =
    role === 'request'
      ? fc.tuple(method, target, version, fc.constantFrom(' ', ' ', ' ', ' ', '  ', '\t')).map(([m, t, v, sp]) => `${m}${sp}${t} ${v}`)
      : fc.tuple(version, status, reason, fc.boolean()).map(([v, s, r, withSp]) => (withSp || r !== '' ? `${v} ${s} ${r}` : `${v} ${s}`));
  return fc
    .tuple(
      startLine,
      fc.boolean(),
      fc.array(fieldLine, { maxLength: 5 }),
      framing,
      fc.nat(),
    )
    .map(([line, withHost, fields, fr, at]) => {
      const fl = fields.slice();
      if (role === 'request' && withHost) fl.unshift('Host: a.example');
      const frameField = fr.kind === 'cl' ? `Content-Length: ${fr.body.length}` : fr.kind === 'chunked' ? `Transfer-Encoding: ${fr.te}` : null;
      if (frameField !== null) fl.splice(at % (fl.length + 1), 0, frameField);
      const body = fr.kind === 'none' ? '' : fr.body;
      return `${line}\r\n${fl.map((f) => `${f}\r\n`).join('')}\r\n${body}`;
    });
}

export type Mutation =
  | { op: 'insert'; at: number; byte: number }
  | { op: 'replace'; at: number; byte: number }
  | { op: 'delete'; at: number }
  | { op: 'dupLine'; at: number }
  | { op: 'truncate'; at: number }
  | { op: 'crlfToLf'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: interestingByte }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), byte: interestingByte }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('dupLine' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('crlfToLf' as const), at: fc.nat() }) },
);

export function mutate(text: string, ms: Mutation[]): string {
  let s = text;
  for (const m of ms) {
    const n = s.length;
    if (n === 0) break;
    const at = m.at % n;
    switch (m.op) {
      case 'insert':
        s = s.slice(0, at) + String.fromCharCode(m.byte) + s.slice(at);
        break;
      case 'replace':
        s = s.slice(0, at) + String.fromCharCode(m.byte) + s.slice(at + 1);
        break;
      case 'delete':
        s = s.slice(0, at) + s.slice(at + 1);
        break;
      case 'truncate':
        s = s.slice(0, at);
        break;
      case 'dupLine': {
        // duplicate the line that contains `at` (with its line end): duplicate CL / TE / Host …
        const a = s.lastIndexOf('\n', at - 1) + 1;
        let b = s.indexOf('\n', at);
        b = b < 0 ? n : b + 1;
        s = s.slice(0, b) + s.slice(a, b) + s.slice(b);
        break;
      }
      case 'crlfToLf': {
        const i = s.indexOf('\r\n', at);
        if (i >= 0) s = s.slice(0, i) + s.slice(i + 1);
        break;
      }
    }
  }
  return s;
}

export interface H1Case {
  role: H1Role;
  text: string;
}

/** A stream of 1–3 messages, then 0–3 mutations (none in about half of the cases). */
export function h1Stream(role: H1Role): fc.Arbitrary<H1Case> {
  return fc
    .tuple(
      fc.array(message(role), { minLength: 1, maxLength: 3 }),
      fc.oneof({ weight: 1, arbitrary: fc.constant<Mutation[]>([]) }, { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) }),
    )
    .map(([msgs, ms]) => ({ role, text: mutate(msgs.join(''), ms) }));
}

export const anyH1Stream: fc.Arbitrary<H1Case> = fc.oneof(h1Stream('request'), h1Stream('response'));
