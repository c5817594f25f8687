/**
 * Transcripts for the parser findings of the differential fuzz campaign (docs/fuzzing.md, F7,
 * F1d, L1-L6, L15), each checked whole, at every split point and byte by byte: the codes and
 * reasons are node 20's llhttp's for the same bytes (test/fuzz/regressions.test.ts checks them
 * against llhttp itself).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { H1ParserOptions } from '../../../src/wire/h1/types.js';
import { run, latin1, split2, bytewise, summary, type RunResult } from './support.js';

/** Run `text` whole, at every split point and byte by byte; all must agree. Returns the whole run. */
function everySplit(opts: H1ParserOptions, text: string): RunResult {
  const input = latin1(text);
  const whole = run(opts, [input]);
  const want = summary(whole);
  for (let i = 1; i < input.length; i++) assert.deepEqual(summary(run(opts, split2(input, i))), want, `split at ${i}`);
  assert.deepEqual(summary(run(opts, bytewise(input))), want, 'byte by byte');
  return whole;
}

const REQ = { role: 'request' } as const;
const RES = { role: 'response' } as const;
const LENIENT = { role: 'request', lenient: true } as const;

test('F7: an absolute-form authority with a byte node refuses is HPE_INVALID_URL at that byte', () => {
  for (const ch of ['\\', '"', '<', '>', '{', '}', '|', '^', '`', '#']) {
    for (const opts of [REQ, LENIENT]) {
      const text = `GET http://a${ch}b/ HTTP/1.1\r\nHost: a\r\n\r\n`;
      const r = everySplit(opts, text);
      assert.deepEqual(r.error, { code: 'HPE_INVALID_URL', reason: 'Unexpected char in url server', offset: text.indexOf(ch, 11) }, ch);
      assert.equal(r.messages.length, 0, ch);
    }
  }
  // after userinfo, in the port, at the end (lenient mode too)
  for (const target of ['http://u@a\\b/', 'http://a:8\\0/', 'http://a\\']) {
    const r = everySplit(LENIENT, `GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`);
    assert.equal(r.error?.reason, 'Unexpected char in url server', target);
  }
  // L4: obs-text, HTAB, FF are no target bytes, lenient mode too (as node's insecure parser)
  for (const target of ['http://a\xb6/', '/\xb6', '/?a\tb', '/\x0c']) {
    const r = everySplit(LENIENT, `GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`);
    assert.equal(r.error?.code, 'HPE_INVALID_URL', JSON.stringify(target));
  }
  // two "@" in a row (node 20 takes `a@b@c`, and so does trama)
  const at = everySplit(REQ, 'GET http://a@@b/ HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.deepEqual(at.error, { code: 'HPE_INVALID_URL', reason: 'Double @ in url', offset: 13 });
  assert.equal(everySplit(REQ, 'GET http://a@b@c/@@ HTTP/1.1\r\nHost: a\r\n\r\n').error, null);
  // the scheme: ALPHA only, as node
  const s = everySplit(REQ, 'GET h0://a/ HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.deepEqual(s.error, { code: 'HPE_INVALID_URL', reason: 'Unexpected char in url schema', offset: 5 });
});

test('F7: RFC 3986 authorities are still taken, and the path, query and fragment are not checked as an authority', () => {
  for (const target of ['http://a/', 'HTTP://user:pw@[::1]:8080/x?y#z', "http://a.b-c_d~e!$&'()*+,;=%41:80", 'http://a?q=\\', 'http://a/p\\q', 'http://']) {
    const r = everySplit(REQ, `GET ${target} HTTP/1.1\r\nHost: b\r\n\r\n`);
    assert.equal(r.error, null, target);
    // RFC 9112 §3.2.2: the target's authority wins over Host; the parser hands both over raw.
    assert.equal(r.messages[0]!.head.url, target);
    assert.deepEqual(r.messages[0]!.head.rawHeaders, ['Host', 'b']);
  }
  // RFC 9112 §3.2: Host is still required on an HTTP/1.1 request in absolute-form.
  assert.equal(everySplit(REQ, 'GET http://a/ HTTP/1.1\r\n\r\n').error?.reason, 'Missing Host header');
});

test('F1d: a response Transfer-Encoding trailer whose final coding is not chunked closes the connection after the message', () => {
  const next = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
  for (const te of ['gzip', 'chunked,', 'chunked, gzip']) {
    const text = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nZ\r\n0\r\nTransfer-Encoding: ${te}\r\n\r\n`;
    const r = everySplit(RES, text + next);
    assert.equal(r.messages.length, 1, te);
    assert.equal(r.messages[0]!.body, 'Z');
    assert.deepEqual(r.messages[0]!.trailers, ['Transfer-Encoding', te]);
    assert.deepEqual(r.error, { code: 'HPE_CLOSED_CONNECTION', reason: 'Data after `Connection: close`', offset: text.length }, te);
  }
  // the last such trailer decides; an empty one, or chunked last, keeps the connection (as node)
  for (const tes of [['chunked'], ['gzip, chunked'], [''], ['gzip', 'chunked']]) {
    const trailers = tes.map((t) => `Transfer-Encoding: ${t}\r\n`).join('');
    const r = everySplit(RES, `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${trailers}\r\n${next}`);
    assert.equal(r.error, null, tes.join('|'));
    assert.equal(r.messages.length, 2);
  }
});

test('L1: lenient mode takes SP before a field colon only for the names node takes it for, never HTAB', () => {
  for (const f of ['Transfer-Encoding\t: chunked', 'Content-Length\t: 1', 'Transfer-Encoding \t: chunked', 'X\t: y']) {
    const text = `POST / HTTP/1.1\r\nHost: a\r\n${f}\r\n\r\n1\r\nZ\r\n0\r\n\r\n`;
    const r = everySplit(LENIENT, text);
    assert.equal(r.error?.code, 'HPE_INVALID_HEADER_TOKEN', f);
    assert.equal(r.error?.reason, 'Invalid header token', f);
    assert.equal(r.messages.length, 0, f);
  }
});

test('L2: lenient mode ends a field line at a bare CR only after an empty value', () => {
  for (const v of ['a', 'a ']) {
    const text = `POST / HTTP/1.1\r\nHost: a\r\nX: ${v}\rContent-Length: 1\r\n\r\nZ`;
    const r = everySplit(LENIENT, text);
    assert.deepEqual(r.error, { code: 'HPE_LF_EXPECTED', reason: 'Missing expected LF after header value', offset: text.indexOf('\rC') + 1 }, v);
    assert.equal(r.messages.length, 0);
  }
  // in a trailer section too
  const t = everySplit(LENIENT, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\rY: b\r\n\r\n');
  assert.equal(t.error?.code, 'HPE_LF_EXPECTED');
  // an empty value, a bare CR after the start line: still taken, as node's insecure parser does
  const ok = everySplit(LENIENT, 'POST / HTTP/1.1\rHost: a\r\nX:\rContent-Length: 1\r\n\r\nZ');
  assert.equal(ok.error, null);
  assert.deepEqual(ok.messages[0]!.head.rawHeaders, ['Host', 'a', 'X', '', 'Content-Length', '1']);
  assert.equal(ok.messages[0]!.body, 'Z');
});

test('L5: SP before the colon: lenient mode takes it after the framing and connection names only, keeping it in the raw name', () => {
  const r = everySplit(LENIENT, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding  : chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n');
  assert.equal(r.error, null);
  assert.deepEqual(r.messages[0]!.head.rawHeaders, ['Host', 'a', 'Transfer-Encoding  ', 'chunked']);
  assert.equal(r.messages[0]!.head.chunked, true);
  assert.equal(r.messages[0]!.body, 'Z');
  for (const name of ['X', 'Host', 'Keep-Alive', 'Content-Lengthx']) {
    const text = `GET / HTTP/1.1\r\nHost: a\r\n${name} : y\r\n\r\n`;
    const x = everySplit(LENIENT, text);
    assert.deepEqual(x.error, { code: 'HPE_INVALID_HEADER_TOKEN', reason: 'Invalid header token', offset: text.indexOf(' :') }, name);
  }
  // strict: refused either way, with node's reason for each
  assert.equal(everySplit(REQ, 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade : h2c\r\n\r\n').error?.reason, 'Invalid header field char');
  assert.equal(everySplit(REQ, 'GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n').error?.reason, 'Invalid header token');
});

test('L3: lenient mode checks a Content-Length trailer as a head one (empty, invalid, overflowing, or a second one)', () => {
  const head = 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nZ\r\n0\r\n';
  const cases: [string, string, string][] = [
    ['Content-Length: 4\r\nContent-Length: 8\r\n', 'HPE_UNEXPECTED_CONTENT_LENGTH', 'Duplicate Content-Length'],
    ['Content-Length:\r\n', 'HPE_INVALID_CONTENT_LENGTH', 'Empty Content-Length'],
    ['Content-Length: 1x\r\n', 'HPE_INVALID_CONTENT_LENGTH', 'Invalid character in Content-Length'],
    ['Content-Length: 99999999999999999999\r\n', 'HPE_INVALID_CONTENT_LENGTH', 'Content-Length overflow'],
  ];
  for (const [trailer, code, reason] of cases) {
    const r = everySplit(LENIENT, `${head}${trailer}\r\n`);
    assert.deepEqual([r.error?.code, r.error?.reason], [code, reason], trailer);
    assert.equal(r.messages[0]!.complete, false);
  }
  // a valid one is a trailer like any other; a second message follows
  const ok = everySplit(LENIENT, `${head}Content-Length: 5\r\n\r\nGET /n HTTP/1.1\r\nHost: a\r\n\r\n`);
  assert.equal(ok.error, null);
  assert.deepEqual(ok.messages.map((m) => [m.head.url, m.body, m.trailers]), [['/', 'Z', ['Content-Length', '5']], ['/n', '', null]]);
  // strict: any Content-Length trailer is refused (F1a)
  assert.equal(everySplit(REQ, `${head}Content-Length: 5\r\n\r\n`).error?.code, 'HPE_INVALID_CONTENT_LENGTH');
});

test('L6/L15: lenient mode skips one SP, never HTAB nor a second SP, before the first field line, so `\\tContent-Length` frames nothing', () => {
  const bad = everySplit(LENIENT, 'POST / HTTP/1.1\r\n\tContent-Length: 1\r\nHost: a\r\n\r\nZ');
  assert.deepEqual(bad.error, { code: 'HPE_INVALID_HEADER_TOKEN', reason: 'Invalid header token', offset: 17 });
  assert.equal(bad.messages.length, 0);
  const two = everySplit(LENIENT, 'POST / HTTP/1.1\r\n  Content-Length: 1\r\nHost: a\r\n\r\nZ');
  assert.deepEqual(two.error, { code: 'HPE_INVALID_HEADER_TOKEN', reason: 'Invalid header token', offset: 18 });
  const ok = everySplit(LENIENT, 'POST / HTTP/1.1\r\n Content-Length: 1\r\nHost: a\r\n\r\nZ');
  assert.equal(ok.error, null);
  assert.equal(ok.messages[0]!.body, 'Z');
});
