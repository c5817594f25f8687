/**
 * Hand-written transcripts for what the fixtures do not cover: pause/resume, upgrade and CONNECT
 * hand-off bytes, finish(), HEAD skip-body, 1xx then final, trailers, limits crossed (one chunk,
 * trickle), error offsets across chunks, nothing delivered after an error, reset(), and a
 * property test (random input, random split points: never throws, same result).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { H1Parser, H1ParseError, DEFAULT_MAX_HEADER_SIZE } from '../../../src/wire/h1/parser.js';
import type { H1Head } from '../../../src/wire/h1/types.js';
import { run, latin1, split2, bytewise, summary } from './support.js';

const REQ = { role: 'request' } as const;
const RES = { role: 'response' } as const;

test('a request: head fields raw and in order, values trimmed, body by Content-Length', () => {
  const r = run(REQ, [latin1('POST /a?b=1 HTTP/1.1\r\nHost: x\r\nX-A:  one \t\r\nx-a: two\r\nContent-Length: 3\r\n\r\nabc')]);
  assert.equal(r.error, null);
  assert.equal(r.messages.length, 1);
  const m = r.messages[0]!;
  assert.equal(m.head.method, 'POST');
  assert.equal(m.head.url, '/a?b=1');
  assert.deepEqual(m.head.rawHeaders, ['Host', 'x', 'X-A', 'one', 'x-a', 'two', 'Content-Length', '3']);
  assert.equal(m.head.contentLength, 3);
  assert.equal(m.head.keepAlive, true);
  assert.equal(m.body, 'abc');
  assert.equal(m.complete, true);
});

test('pause() in onHeadersComplete stops at the body start; resume() continues', () => {
  const input = latin1('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const events: string[] = [];
  const p: H1Parser = new H1Parser(REQ, {
    onHeadersComplete(h) {
      events.push(`head ${h.method}`);
      p.pause();
    },
    onBody(b) {
      events.push(`body ${b.toString()}`);
    },
    onMessageComplete() {
      events.push('done');
    },
  });
  const headLen = input.indexOf('abc');
  assert.equal(p.execute(input), headLen);
  assert.equal(p.paused, true);
  assert.equal(p.execute(input.subarray(headLen)), 0, 'paused: nothing consumed');
  p.resume();
  const n = p.execute(input.subarray(headLen));
  // Paused again by the second head (no body: its message completes at once, at the boundary).
  assert.equal(headLen + n, input.length);
  assert.deepEqual(events, ['head POST', 'body abc', 'done', 'head GET', 'done']);
});

test('pause() in onMessageComplete stops exactly at the message boundary (pipelining)', () => {
  const one = 'GET /1 HTTP/1.1\r\nHost: x\r\n\r\n';
  const input = latin1(one + 'GET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
  const urls: string[] = [];
  const p: H1Parser = new H1Parser(REQ, {
    onHeadersComplete: (h) => void urls.push(h.url),
    onBody() {},
    onMessageComplete: () => p.pause(),
  });
  assert.equal(p.execute(input), one.length);
  assert.deepEqual(urls, ['/1']);
  p.resume();
  assert.equal(p.execute(input.subarray(one.length)), input.length - one.length);
  assert.deepEqual(urls, ['/1', '/2']);
});

test('Upgrade: the bytes after the head go back untouched (every split point)', () => {
  const head = 'GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n';
  const input = latin1(`${head}\x81\x05hello\r\n\r\nGET / HTTP/1.1`);
  for (let i = 1; i < input.length; i++) {
    const r = run(REQ, split2(input, i));
    assert.equal(r.error, null);
    assert.equal(r.upgradeAt, head.length, `split ${i}`);
    assert.equal(r.rest, input.subarray(head.length).toString('latin1'), `split ${i}`);
    assert.equal(r.messages.length, 1);
    assert.equal(r.messages[0]!.head.upgrade, true);
    assert.equal(r.messages[0]!.complete, true);
  }
});

test('Upgrade with a body: the new protocol starts after the body', () => {
  const input = latin1('POST / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: foo\r\nContent-Length: 2\r\n\r\nokNEW');
  const r = run(REQ, [input]);
  assert.equal(r.messages[0]!.body, 'ok');
  assert.equal(r.rest, 'NEW');
});

test('Upgrade header without the upgrade connection option is not an upgrade', () => {
  const r = run(REQ, [latin1('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n')]);
  assert.equal(r.messages[0]!.head.upgrade, false);
  assert.equal(r.upgradeAt, -1);
});

test('CONNECT: authority-form target, tunnel bytes handed back even with a Content-Length', () => {
  const head = 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 5\r\n\r\n';
  const r = run(REQ, [latin1(`${head}\x16\x03\x01TLS`)]);
  assert.equal(r.error, null);
  assert.equal(r.messages[0]!.head.method, 'CONNECT');
  assert.equal(r.messages[0]!.head.url, 'example.com:443');
  assert.equal(r.messages[0]!.body, '');
  assert.equal(r.upgradeAt, head.length);
  assert.equal(r.rest, '\x16\x03\x01TLS');
  // Not authority-form → 400.
  assert.equal(run(REQ, [latin1('CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n')]).error?.code, 'HPE_INVALID_URL');
  assert.equal(run(REQ, [latin1('CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n')]).error?.code, 'HPE_INVALID_URL');
});

test("response to CONNECT: the 'tunnel' directive hands back the bytes after a 2xx head", () => {
  const head = 'HTTP/1.1 200 Connection Established\r\n\r\n';
  const events: string[] = [];
  const p = new H1Parser(RES, {
    onHeadersComplete: () => 'tunnel',
    onBody: () => void events.push('body'),
    onMessageComplete: () => void events.push('done'),
  });
  const input = latin1(`${head}tunnel-bytes`);
  assert.equal(p.execute(input), head.length);
  assert.equal(p.upgraded, true);
  assert.deepEqual(events, ['done']);
});

test('101 Switching Protocols: stop after the head', () => {
  const head = 'HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n';
  const r = run(RES, [latin1(`${head}\x81\x00`)]);
  assert.equal(r.upgradeAt, head.length);
  assert.equal(r.rest, '\x81\x00');
  assert.equal(r.messages[0]!.head.upgrade, true);
});

test('HTTP/2 prior-knowledge preface: consumed whole, then upgraded', () => {
  const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
  for (const chunks of [[latin1(`${preface}\x00\x00`)], bytewise(latin1(`${preface}\x00\x00`))]) {
    const r = run(REQ, chunks);
    assert.equal(r.error, null);
    assert.equal(r.upgradeAt, preface.length);
    assert.equal(r.rest, '\x00\x00');
  }
  assert.equal(run(REQ, [latin1('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n')]).error?.code, 'HPE_INVALID_VERSION');
});

test('read-until-close response body ends at finish(); an incomplete message is HPE_INVALID_EOF_STATE', () => {
  const r = run(RES, [latin1('HTTP/1.1 200 OK\r\n\r\nhello '), latin1('world')], { finish: true });
  assert.equal(r.error, null);
  assert.equal(r.messages[0]!.body, 'hello world');
  assert.equal(r.messages[0]!.complete, true);
  assert.equal(r.messages[0]!.head.keepAlive, false);

  const p = new H1Parser(RES, { onHeadersComplete() {}, onBody() {}, onMessageComplete() {} });
  p.execute(latin1('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
  const err = p.finish();
  assert.ok(err instanceof H1ParseError);
  assert.equal(err.code, 'HPE_INVALID_EOF_STATE');
  assert.equal(p.error, err);
  // finish() between messages is fine.
  const q = new H1Parser(REQ, { onHeadersComplete() {}, onBody() {}, onMessageComplete() {} });
  q.execute(latin1('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
  assert.equal(q.finish(), null);
});

test("HEAD: the 'skip-body' directive ignores Content-Length, next response follows", () => {
  const input = latin1('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n');
  const r = run(RES, [input], { skipBody: true });
  assert.equal(r.error, null);
  assert.equal(r.messages.length, 2);
  assert.equal(r.messages[0]!.body, '');
  assert.equal(r.messages[0]!.head.contentLength, 1000);
  assert.equal(r.messages[1]!.head.statusCode, 204);
});

test('1xx responses carry no body and are followed by the final response; 204/304 have no body', () => {
  const input = latin1(
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' +
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n' +
      'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n',
  );
  const r = run(RES, [input]);
  assert.equal(r.error, null);
  assert.deepEqual(
    r.messages.map((m) => [m.head.statusCode, m.head.statusMessage, m.body, m.complete]),
    [
      [100, 'Continue', '', true],
      [103, 'Early Hints', '', true],
      [200, 'OK', 'ok', true],
      [304, 'Not Modified', '', true],
      [204, 'No Content', '', true],
    ],
  );
});

test('chunked with extensions and trailers: body de-chunked, trailers raw', () => {
  const input = latin1(
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n' +
      '5;name=value;q="a \\"b\\""\r\nhello\r\n6 ; x = y\r\n world\r\n0\r\nX-Digest: abc\r\nX-Count:  2 \r\n\r\n',
  );
  for (let i = 1; i < input.length; i++) {
    const r = run(REQ, split2(input, i));
    assert.equal(r.error, null, `split ${i}`);
    assert.equal(r.messages[0]!.body, 'hello world');
    assert.equal(r.messages[0]!.head.chunked, true);
    assert.equal(r.messages[0]!.head.contentLength, -1);
    assert.deepEqual(r.messages[0]!.trailers, ['X-Digest', 'abc', 'X-Count', '2']);
  }
  // No trailers → null.
  const r = run(REQ, [latin1('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')]);
  assert.equal(r.messages[0]!.trailers, null);
});

test('chunk extensions follow RFC 9112 §7.1.1 byte by byte: each misplaced byte is HPE_STRICT at its offset', () => {
  const pre = 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n';
  const body = (line: string) => latin1(`${pre}${line}\r\nZ\r\n0\r\n\r\n`);
  for (const ok of ['1;a', '1;a;b', '1;a=b', '1;a = "x\\"y" ; b', '1 ;a', '1;a="\\\t"', '1;a="\u00e9"']) {
    for (let i = 1; i < body(ok).length; i++) {
      const r = run(REQ, split2(body(ok), i));
      assert.equal(r.error, null, `${JSON.stringify(ok)} split ${i}`);
      assert.equal(r.messages[0]!.body, 'Z');
    }
  }
  const bad: [string, string, string][] = [
    // [chunk-size line, reason, the offending byte (its first occurrence after the size)]
    ['1;', 'Invalid character in chunk extensions', '\r'],
    ['1;=x', 'Invalid character in chunk extensions', '='],
    ['1;a@', 'Invalid character in chunk extensions name', '@'],
    ['1;a b', 'Invalid character in chunk extensions name', 'b'],
    ['1;a=', 'Invalid character in chunk extensions value', '\r'],
    ['1;a=b@', 'Invalid character in chunk extensions value', '@'],
    ['1;a="x', 'Invalid character in chunk extensions quoted value', '\r'],
    ['1;a="\\\x7f"', 'Invalid quoted-pair in chunk extensions quoted value', '\x7f'],
    ['1;a=b c', 'Invalid character in chunk extensions quote value', 'c'],
  ];
  for (const [line, reason, byte] of bad) {
    const input = body(line);
    const at = pre.length + line.concat('\r').indexOf(byte, 2);
    for (const chunks of [[input], split2(input, pre.length + 2), bytewise(input)]) {
      const r = run(REQ, chunks);
      assert.deepEqual(r.error, { code: 'HPE_STRICT', reason, offset: at }, JSON.stringify(line));
      assert.equal(r.messages[0]!.complete, false);
    }
  }
});

test('keep-alive rules: 1.1 default, Connection: close, 1.0 default and keep-alive token', () => {
  const ka = (s: string, role: 'request' | 'response' = 'request') =>
    run({ role }, [latin1(s)]).messages[0]!.head.keepAlive;
  assert.equal(ka('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), true);
  assert.equal(ka('GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close\r\n\r\n'), false);
  assert.equal(ka('GET / HTTP/1.0\r\n\r\n'), false);
  assert.equal(ka('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n'), true);
  assert.equal(ka('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 'response'), true);
  assert.equal(ka('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n', 'response'), true);
  // RFC 9112 §6.1: Transfer-Encoding in a 1.0 message → close after it.
  assert.equal(ka('POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'), false);
  // After a closing message, more bytes are HPE_CLOSED_CONNECTION (CRLFs are tolerated).
  const r = run(REQ, [latin1('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n\r\nGET / HTTP/1.1\r\n')]);
  assert.equal(r.messages.length, 1);
  assert.equal(r.error?.code, 'HPE_CLOSED_CONNECTION');
});

test('Host: required once and valid on 1.1 requests (requireHost), optional on 1.0', () => {
  assert.equal(run(REQ, [latin1('GET / HTTP/1.1\r\n\r\n')]).error?.code, 'HPE_STRICT');
  assert.equal(run(REQ, [latin1('GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n')]).error?.reason, 'Duplicate Host header');
  assert.equal(run(REQ, [latin1('GET / HTTP/1.1\r\nHost: a/b\r\n\r\n')]).error?.reason, 'Invalid Host header');
  assert.equal(run(REQ, [latin1('GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n')]).error, null);
  assert.equal(run(REQ, [latin1('GET / HTTP/1.1\r\nHost:\r\n\r\n')]).error, null, 'empty Host is valid (RFC 9112 §3.2)');
  assert.equal(run(REQ, [latin1('GET / HTTP/1.0\r\n\r\n')]).error, null);
  assert.equal(run({ role: 'request', requireHost: false }, [latin1('GET / HTTP/1.1\r\n\r\n')]).error, null);
});

test('strict rejections with llhttp codes: CL+TE, duplicate CL, bad TE, bare LF, obs-fold, bad chars', () => {
  const code = (s: string) => run(REQ, [latin1(s)]).error?.code;
  assert.equal(code('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'), 'HPE_INVALID_TRANSFER_ENCODING');
  assert.equal(code('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n'), 'HPE_INVALID_CONTENT_LENGTH');
  assert.equal(code('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nZ'), 'HPE_UNEXPECTED_CONTENT_LENGTH');
  assert.equal(code('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1,1\r\n\r\nZ'), 'HPE_INVALID_CONTENT_LENGTH');
  assert.equal(code('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n'), 'HPE_INVALID_TRANSFER_ENCODING');
  assert.equal(code('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n'), 'HPE_INVALID_TRANSFER_ENCODING');
  assert.equal(code('GET / HTTP/1.1\nHost: a\n\n'), 'HPE_INVALID_VERSION');
  assert.equal(code('GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n'), 'HPE_CR_EXPECTED');
  assert.equal(code('GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n z\r\n\r\n'), 'HPE_INVALID_HEADER_TOKEN');
  assert.equal(code('GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n'), 'HPE_INVALID_HEADER_TOKEN');
  assert.equal(code('GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n'), 'HPE_INVALID_HEADER_TOKEN');
  assert.equal(code('GET / HTTP/1.1\r\nHost: a\r\nX\x7fY: z\r\n\r\n'), 'HPE_INVALID_HEADER_TOKEN');
  assert.equal(code('GET / HTTP/2.0\r\nHost: a\r\n\r\n'), 'HPE_INVALID_VERSION');
  assert.equal(code('FOO / HTTP/1.1\r\nHost: a\r\n\r\n'), 'HPE_INVALID_METHOD');
  assert.equal(code('GET * HTTP/1.1\r\nHost: a\r\n\r\n'), 'HPE_INVALID_URL');
  assert.equal(code('\x16\x03\x01\x02\x00'), 'HPE_INVALID_METHOD'); // a TLS hello on a cleartext port
  // Lenient (insecureHTTPParser) accepts obs-fold (joined with SP), bare LF, and CL with TE (TE wins).
  const lenient = (s: string) => run({ role: 'request', lenient: true }, [latin1(s)]);
  assert.deepEqual(lenient('GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n z\r\n\r\n').messages[0]!.head.rawHeaders, ['Host', 'a', 'X', 'y z']);
  assert.equal(lenient('GET / HTTP/1.1\nHost: a\n\n').error, null);
  const te = lenient('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n');
  assert.equal(te.error, null);
  assert.equal(te.messages[0]!.body, 'Z');
  assert.equal(te.messages[0]!.head.contentLength, -1);
});

test('a bad request line is rejected before its CRLF arrives (short partial lines are checked)', () => {
  const p = new H1Parser(REQ, { onHeadersComplete() {}, onBody() {}, onMessageComplete() {} });
  p.execute(latin1('GET / HTTP/1.1\r\n'));
  assert.equal(p.error?.code, undefined);
  p.execute(latin1(' Host'));
  assert.equal(p.error?.code, 'HPE_UNEXPECTED_SPACE');
  const q = new H1Parser(REQ, { onHeadersComplete() {}, onBody() {}, onMessageComplete() {} });
  for (const b of bytewise(latin1('GET / HTTP/5.6'))) q.execute(b);
  assert.equal(q.error?.code, 'HPE_INVALID_VERSION');
  // A method token longer than every known method (SET_PARAMETER, 13) fails at its 14th byte.
  const longest = latin1('SET_PARAMETER');
  const r = new H1Parser(REQ, { onHeadersComplete() {}, onBody() {}, onMessageComplete() {} });
  const errorOf = (parser: H1Parser) => parser.error;
  r.execute(longest);
  assert.equal(errorOf(r), null);
  r.execute(latin1('X'));
  assert.deepEqual([errorOf(r)?.code, errorOf(r)?.offset], ['HPE_INVALID_METHOD', 0]);
});

test('error offsets are absolute across chunks; nothing after an error is delivered', () => {
  const good = 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\n';
  const bad = 'GET /2 HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n';
  const input = latin1(good + bad + good);
  const badAt = good.length + bad.indexOf('Bad') + 3;
  for (let i = 1; i < input.length; i++) {
    const r = run(REQ, split2(input, i));
    assert.equal(r.messages.length, 1, `split ${i}`);
    assert.equal(r.messages[0]!.head.url, '/1');
    assert.equal(r.error?.code, 'HPE_INVALID_HEADER_TOKEN');
    assert.equal(r.error?.offset, badAt, `split ${i}`);
  }
  const p = new H1Parser(REQ, { onHeadersComplete() {}, onBody() {}, onMessageComplete() {} });
  const n = p.execute(input);
  assert.equal(n, badAt, 'execute returns the error position');
  assert.equal(p.execute(latin1(good)), 0, 'dead until reset()');
  p.reset();
  assert.equal(p.error, null);
  assert.equal(p.execute(latin1(good)), good.length);
});

test('maxHeaderSize: a head of exactly the limit passes, one byte more is HPE_HEADER_OVERFLOW (whole, split, trickle)', () => {
  const make = (total: number) => {
    const start = 'GET / HTTP/1.1\r\nHost: a\r\nX: ';
    return latin1(start + 'v'.repeat(total - start.length - 4) + '\r\n\r\n');
  };
  const limit = 1024;
  const ok = make(limit);
  const over = make(limit + 1);
  assert.equal(ok.length, limit);
  for (const chunks of [[ok], split2(ok, 500), bytewise(ok)]) {
    assert.equal(run({ role: 'request', maxHeaderSize: limit }, chunks).error, null);
  }
  // The same error at the same absolute offset however the bytes arrive (node's bytesParsed).
  const overflow = { code: 'HPE_HEADER_OVERFLOW', reason: 'Header overflow', offset: limit };
  for (let i = 1; i < over.length; i++) {
    assert.deepEqual(run({ role: 'request', maxHeaderSize: limit }, split2(over, i)).error, overflow, `split at ${i}`);
  }
  for (const chunks of [[over], bytewise(over)]) {
    assert.deepEqual(run({ role: 'request', maxHeaderSize: limit }, chunks).error, overflow);
  }
});

test('a giant head is cut off at the limit: bounded work and memory (one chunk, 64 KiB chunks, trickle)', () => {
  const giant = Buffer.alloc(4 * 1024 * 1024, 'a');
  giant.write('GET / HTTP/1.1\r\nHost: a\r\nX: ', 0, 'latin1');
  // One chunk: the error is found within the first maxHeaderSize (+ the line in progress) bytes.
  const p = new H1Parser(REQ, { onHeadersComplete() {}, onBody() {}, onMessageComplete() {} });
  const n = p.execute(giant);
  assert.equal(p.error?.code, 'HPE_HEADER_OVERFLOW');
  assert.ok(n <= DEFAULT_MAX_HEADER_SIZE + 2, `stopped at ${n}`);
  // 64 KiB chunks: the first chunk already overflows.
  const q = new H1Parser(REQ, { onHeadersComplete() {}, onBody() {}, onMessageComplete() {} });
  let fed = 0;
  for (let off = 0; off < giant.length && !q.error; off += 65536) {
    q.execute(giant.subarray(off, off + 65536));
    fed += 65536;
  }
  assert.equal(q.error?.code, 'HPE_HEADER_OVERFLOW');
  assert.equal(q.error.offset, p.error!.offset);
  assert.equal(fed, 65536);
  // Trickle, one byte at a time: overflow right after maxHeaderSize bytes.
  const t = new H1Parser(REQ, { onHeadersComplete() {}, onBody() {}, onMessageComplete() {} });
  let i = 0;
  while (!t.error) t.execute(giant.subarray(i, ++i));
  assert.equal(t.error.code, 'HPE_HEADER_OVERFLOW');
  assert.equal(t.error.offset, p.error!.offset);
  assert.ok(i <= DEFAULT_MAX_HEADER_SIZE + 1, `trickle stopped after ${i} bytes`);
});

test('a byte-at-a-time trickle of a near-limit head parses correctly (linear, not quadratic)', () => {
  let head = 'GET / HTTP/1.1\r\nHost: a\r\n';
  let k = 0;
  while (head.length < DEFAULT_MAX_HEADER_SIZE - 400) head += `X-Field-${k++}: ${'v'.repeat(80)}\r\n`;
  head += 'X-Long: ' + 'w'.repeat(150) + '\r\n\r\n';
  const input = latin1(head);
  const r = run(REQ, bytewise(input));
  assert.equal(r.error, null);
  assert.equal(r.messages[0]!.head.rawHeaders.length, 2 * (k + 2));
  assert.deepEqual(summary(r), summary(run(REQ, [input])));
});

test('maxHeaderCount: one field over is HPE_HEADER_OVERFLOW; trailers have their own budget', () => {
  const fields = (n: number) => Array.from({ length: n }, (_, i) => `F${i}: v\r\n`).join('');
  assert.equal(run({ role: 'request', maxHeaderCount: 5, requireHost: false }, [latin1(`GET / HTTP/1.1\r\n${fields(5)}\r\n`)]).error, null);
  assert.equal(
    run({ role: 'request', maxHeaderCount: 5, requireHost: false }, [latin1(`GET / HTTP/1.1\r\n${fields(6)}\r\n`)]).error?.code,
    'HPE_HEADER_OVERFLOW',
  );
  const chunkedWithTrailers = (n: number) =>
    latin1(`POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${fields(n)}\r\n`);
  assert.equal(run({ role: 'request', maxHeaderCount: 5, requireHost: false }, [chunkedWithTrailers(5)]).error, null);
  assert.equal(
    run({ role: 'request', maxHeaderCount: 5, requireHost: false }, [chunkedWithTrailers(6)]).error?.code,
    'HPE_HEADER_OVERFLOW',
  );
  const bigTrailer = latin1(`POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: ${'x'.repeat(2000)}\r\n\r\n`);
  assert.equal(run({ role: 'request', maxHeaderSize: 1024, requireHost: false }, [bigTrailer]).error?.code, 'HPE_HEADER_OVERFLOW');
});

test('Content-Length and chunk sizes are exact up to 2^53 - 1; one more is an overflow at the offending digit', () => {
  const head = (cl: string) => latin1(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${cl}\r\n\r\n`);
  const max = String(Number.MAX_SAFE_INTEGER); // 9007199254740991
  const ok = run(REQ, [head(max)]);
  assert.equal(ok.error, null);
  assert.equal(ok.messages[0]!.head.contentLength, Number.MAX_SAFE_INTEGER);
  const over = head('9007199254740992');
  const lastDigit = over.indexOf('9007199254740992') + 15;
  for (const chunks of [[over], bytewise(over)]) {
    assert.deepEqual(run(REQ, chunks).error, { code: 'HPE_INVALID_CONTENT_LENGTH', reason: 'Content-Length overflow', offset: lastDigit });
  }
  const pre = 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n';
  assert.equal(run(REQ, [latin1(`${pre}1fffffffffffff\r\n`)]).error, null);
  const big = latin1(`${pre}20000000000000\r\n`);
  for (const chunks of [[big], bytewise(big)]) {
    assert.deepEqual(run(REQ, chunks).error, { code: 'HPE_INVALID_CHUNK_SIZE', reason: 'Chunk size overflow', offset: pre.length + 13 });
  }
});

test('chunk sizes: overflow and giant sizes are bounded; extensions have a byte budget', () => {
  const pre = 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n';
  const huge = run(REQ, [latin1(`${pre}${'f'.repeat(1_000_000)}\r\n`)]);
  assert.equal(huge.error?.code, 'HPE_INVALID_CHUNK_SIZE');
  assert.equal(huge.error?.reason, 'Chunk size overflow');
  assert.ok(huge.error!.offset < pre.length + 20);
  // A giant (valid) size streams: body bytes are handed out as they come, never buffered.
  const events: number[] = [];
  const p = new H1Parser(REQ, { onHeadersComplete() {}, onBody: (b) => void events.push(b.length), onMessageComplete() {} });
  p.execute(latin1(`${pre}1fffffffffffff\r\n`));
  for (let i = 0; i < 16; i++) p.execute(Buffer.alloc(65536));
  assert.equal(p.error, null);
  assert.equal(events.length, 16);
  assert.ok(events.every((n) => n === 65536));
  const ext = (n: number) => latin1(`${pre}1;${'e'.repeat(n)}\r\nZ\r\n0\r\n\r\n`);
  assert.equal(run({ role: 'request', maxChunkExtensionsSize: 100 } as never, [ext(99)]).error, null);
  assert.equal(run({ role: 'request', maxChunkExtensionsSize: 100 } as never, [ext(100)]).error?.code, 'HPE_CHUNK_EXTENSIONS_OVERFLOW');
  assert.equal(run(REQ, [latin1(`${pre}1 \r\nZ\r\n0\r\n\r\n`)]).error?.code, 'HPE_INVALID_CHUNK_SIZE');
  assert.equal(run(REQ, [latin1(`${pre}1\r\nZZ\r\n0\r\n\r\n`)]).error?.code, 'HPE_STRICT');
});

test('the head object: response fields, version, contentLength, and one object per message', () => {
  const heads: H1Head[] = [];
  const p = new H1Parser(RES, { onHeadersComplete: (h) => void heads.push(h), onBody() {}, onMessageComplete() {} });
  p.execute(latin1('HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  assert.equal(heads.length, 2);
  assert.notEqual(heads[0], heads[1]);
  assert.notEqual(heads[0]!.rawHeaders, heads[1]!.rawHeaders);
  assert.deepEqual(
    { ...heads[0]! },
    {
      method: '',
      url: '',
      statusCode: 404,
      statusMessage: 'Not Found',
      versionMajor: 1,
      versionMinor: 0,
      rawHeaders: ['Content-Length', '0', 'Connection', 'keep-alive'],
      contentLength: 0,
      chunked: false,
      keepAlive: true,
      upgrade: false,
    },
  );
});

test('options are validated (local misuse throws)', () => {
  const h = { onHeadersComplete() {}, onBody() {}, onMessageComplete() {} };
  assert.throws(() => new H1Parser({ role: 'both' as never }, h), TypeError);
  assert.throws(() => new H1Parser({ role: 'request', maxHeaderSize: 0 }, h), RangeError);
  assert.throws(() => new H1Parser({ role: 'request', maxHeaderCount: 1.5 }, h), RangeError);
});

test('property: arbitrary bytes never throw, and any split gives the same result as the whole', () => {
  const base = [
    'GET /a HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n',
    'POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz',
    'PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n0\r\nT: v\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  ];
  const mutated = fc
    .tuple(fc.constantFrom(...base), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat())
    .map(([s, muts, cut]) => {
      const b = Buffer.from(s.repeat(2), 'latin1');
      for (const [pos, byte] of muts) b[pos % b.length] = byte;
      return { b, cut: 1 + (cut % Math.max(1, b.length - 1)), role: s.startsWith('HTTP') ? ('response' as const) : ('request' as const) };
    });
  fc.assert(
    fc.property(mutated, fc.boolean(), ({ b, cut, role }, lenient) => {
      const opts = { role, lenient };
      const whole = summary(run(opts, [b]));
      assert.deepEqual(summary(run(opts, split2(b, cut))), whole);
      assert.deepEqual(summary(run(opts, bytewise(b))), whole);
    }),
    { numRuns: 400 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, isReq) => {
      const b = Buffer.from(bytes);
      const opts = { role: isReq ? ('request' as const) : ('response' as const) };
      assert.deepEqual(summary(run(opts, bytewise(b))), summary(run(opts, [b])));
    }),
    { numRuns: 300 },
  );
});

test('Transfer-Encoding lists are read exactly as node reads them (no framing disagreement)', () => {
  // [value, request verdict/body, response body] — checked against node 20's llhttp.
  const cases: [string, string, string][] = [
    ['chunked', 'Z', 'Z'],
    ['chunked\t', 'HPE_INVALID_TRANSFER_ENCODING', '1\r\nZ\r\n0\r\n\r\n'],
    ['chunked,', 'HPE_INVALID_TRANSFER_ENCODING', '1\r\nZ\r\n0\r\n\r\n'],
    [',chunked', 'Z', 'Z'],
    ['gzip,\tchunked', 'Z', 'Z'],
    ['gzip\t, , chunked', 'Z', 'Z'],
    ['\tchunked  ', 'Z', 'Z'],
    ['chunkedx', 'HPE_INVALID_TRANSFER_ENCODING', '1\r\nZ\r\n0\r\n\r\n'],
  ];
  for (const [te, req, res] of cases) {
    const q = run(REQ, [latin1(`POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ${te}\r\n\r\n1\r\nZ\r\n0\r\n\r\n`)]);
    assert.equal(q.error?.code ?? q.messages[0]!.body, req, JSON.stringify(te));
    const s = run(RES, [latin1(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${te}\r\n\r\n1\r\nZ\r\n0\r\n\r\n`)], { finish: true });
    assert.equal(s.error, null);
    assert.equal(s.messages[0]!.body, res, JSON.stringify(te));
  }
});

test('framing fields in a trailer section: Content-Length rejected, Transfer-Encoding rejected in requests (as node)', () => {
  const trailer = (role: 'request' | 'response', field: string) =>
    run({ role }, [
      latin1(
        (role === 'request' ? 'POST / HTTP/1.1\r\nHost: a\r\n' : 'HTTP/1.1 200 OK\r\n') +
          `Transfer-Encoding: chunked\r\n\r\n0\r\n${field}\r\n\r\n`,
      ),
    ]);
  assert.equal(trailer('request', 'Content-Length: 5').error?.code, 'HPE_INVALID_CONTENT_LENGTH');
  assert.equal(trailer('response', 'Content-Length: 5').error?.code, 'HPE_INVALID_CONTENT_LENGTH');
  assert.equal(trailer('request', 'Transfer-Encoding: gzip').error?.code, 'HPE_INVALID_TRANSFER_ENCODING');
  const r = trailer('response', 'Transfer-Encoding: gzip');
  assert.equal(r.error, null);
  assert.deepEqual(r.messages[0]!.trailers, ['Transfer-Encoding', 'gzip']);
});

test('as node: Connection options in trailers decide keep-alive; an empty Upgrade is no upgrade', () => {
  const r = run(RES, [
    latin1('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nProxy-Connection: close\r\n\r\nHTTP/1.1 200 OK\r\n\r\n'),
  ]);
  assert.equal(r.messages.length, 1);
  assert.equal(r.error?.code, 'HPE_CLOSED_CONNECTION');
  const u = run(REQ, [latin1('GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: \r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n')]);
  assert.equal(u.upgradeAt, -1);
  assert.equal(u.messages.length, 2);
  assert.equal(u.messages[0]!.head.upgrade, false);
});
