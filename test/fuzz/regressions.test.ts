// Minimal reproductions of fuzz findings that have been FIXED, kept as regression tests: each is
// checked against node's llhttp (the oracle the finding came from; node's insecureHTTPParser for
// the lenient-mode ones, L1-L15) and on its own terms. Open findings are listed in
// docs/fuzzing.md, not here (a red test would break CI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from './h1-campaign.js';
import { runTrama, bytewise } from './support/h1-drivers.js';
import type { H1Role } from '../../src/wire/h1/types.js';

/** `allowed`: the one documented difference that may remain (e.g. LD1, a keep-alive flag), by its id. */
function agrees(role: H1Role, text: string, lenient = false, allowed?: string): ReturnType<typeof classify> {
  const v = classify(role, Buffer.from(text, 'latin1'), lenient);
  const ok = v.kind === 'agree' || (allowed !== undefined && v.kind === 'allowed' && v.category.startsWith(allowed));
  assert.ok(ok, `${v.kind}: ${v.category}\n trama ${JSON.stringify(v.trama)}\n llhttp ${JSON.stringify(v.llhttp)}`);
  // and the same whatever the chunking
  assert.deepEqual(runTrama(role, bytewise(Buffer.from(text, 'latin1')), { requireHost: false, lenient }), v.trama);
  return v;
}

test('F1a: Content-Length in a trailer section is refused (as node)', () => {
  const v = agrees('request', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n');
  assert.equal(v.trama.error, 'HPE_INVALID_CONTENT_LENGTH');
});

test("F1b: Transfer-Encoding in a request's trailer section is refused (as node)", () => {
  const v = agrees('request', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTransfer-Encoding: gzip\r\n\r\n');
  assert.equal(v.trama.error, 'HPE_INVALID_TRANSFER_ENCODING');
});

test('F1c: Connection: close in a trailer section ends the connection after the message (as node)', () => {
  const v = agrees('request', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.equal(v.trama.messages.length, 1);
  assert.equal(v.trama.error, 'HPE_CLOSED_CONNECTION');
});

test('F2: "chunked<HTAB>" and "chunked," are not chunked: a request is refused, a response is read until close (as node)', () => {
  for (const te of ['chunked\t', 'chunked,']) {
    const req = agrees('request', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ${te}\r\n\r\n1\r\nZ\r\n0\r\n\r\n`);
    assert.equal(req.trama.error, 'HPE_INVALID_TRANSFER_ENCODING', te);
    const res = agrees('response', `HTTP/1.1 200 OK\r\nTransfer-Encoding: ${te}\r\n\r\n1\r\nZ\r\n0\r\n\r\n`);
    assert.equal(res.trama.messages[0]!.body, '1\r\nZ\r\n0\r\n\r\n', te);
  }
});

test('F6: an empty Upgrade field does not switch protocols, the next request is parsed (as node)', () => {
  const v = agrees('request', 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade:\r\nConnection: upgrade\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.equal(v.trama.upgradeAt, -1);
  assert.deepEqual(v.trama.messages.map((m) => [m.url, m.upgrade]), [['/', false], ['/next', false]]);
});

test('F7: an absolute-form authority with a byte node refuses is HPE_INVALID_URL (as node), strict and lenient', () => {
  for (const lenient of [false, true]) {
    for (const ch of ['\\', '"', '<', '>', '{', '}', '|', '^', '`', '#']) {
      const v = agrees('request', `GET http://a${ch}b/ HTTP/1.1\r\nHost: a\r\n\r\n`, lenient);
      assert.deepEqual([v.trama.error, v.trama.reason], ['HPE_INVALID_URL', 'Unexpected char in url server'], ch);
    }
    // obs-text: not a target byte at all (reason "Invalid characters in url"), same code as node
    assert.equal(agrees('request', 'GET http://a\xb6b/ HTTP/1.1\r\nHost: a\r\n\r\n', lenient).trama.error, 'HPE_INVALID_URL');
    const at = agrees('request', 'GET http://a@@b/ HTTP/1.1\r\nHost: a\r\n\r\n', lenient);
    assert.deepEqual([at.trama.error, at.trama.reason], ['HPE_INVALID_URL', 'Double @ in url']);
    assert.equal(agrees('request', 'GET http://a@b@c/ HTTP/1.1\r\nHost: a\r\n\r\n', lenient).trama.error, null);
    const s = agrees('request', 'GET h0://x/ HTTP/1.1\r\nHost: a\r\n\r\n', lenient);
    assert.deepEqual([s.trama.error, s.trama.reason], ['HPE_INVALID_URL', 'Unexpected char in url schema']);
    // what node takes stays taken
    const ok = agrees('request', "GET HTTP://u:p@[::1]:80/a\\b?c\\d#e HTTP/1.1\r\nHost: a\r\n\r\n", lenient);
    assert.equal(ok.trama.error, null);
  }
});

test('F1d: a response Transfer-Encoding trailer whose final coding is not chunked ends the connection after the message (as node)', () => {
  const v = agrees('response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTransfer-Encoding: gzip\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  assert.equal(v.trama.messages.length, 1);
  assert.equal(v.trama.error, 'HPE_CLOSED_CONNECTION');
  const chunked = agrees('response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTransfer-Encoding: gzip, chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  assert.equal(chunked.trama.messages.length, 2);
});

test('L1: lenient mode refuses HTAB before a field colon, so `Transfer-Encoding\\t: chunked` frames nothing (as insecure node)', () => {
  for (const f of ['Transfer-Encoding\t: chunked', 'Content-Length\t: 1']) {
    const v = agrees('request', `POST / HTTP/1.1\r\nHost: a\r\n${f}\r\n\r\n1\r\nZ\r\n0\r\n\r\n`, true);
    assert.equal(v.trama.error, 'HPE_INVALID_HEADER_TOKEN', f);
  }
});

test('L2: lenient mode refuses a bare CR after a field value, so it hides no Content-Length (as insecure node)', () => {
  const v = agrees('request', 'POST / HTTP/1.1\r\nHost: a\r\nX: a\rContent-Length: 1\r\n\r\nZ', true);
  assert.equal(v.trama.error, 'HPE_LF_EXPECTED');
  agrees('request', 'POST / HTTP/1.1\r\nHost: a\r\nX:\rContent-Length: 1\r\n\r\nZ', true);
});

test('L3: lenient mode checks a Content-Length trailer like a head one (as insecure node)', () => {
  const body = 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n';
  assert.equal(agrees('request', `${body}Content-Length: 4\r\nContent-Length: 8\r\n\r\n`, true).trama.error, 'HPE_UNEXPECTED_CONTENT_LENGTH');
  assert.equal(agrees('request', `${body}Content-Length:\r\n\r\n`, true).trama.error, 'HPE_INVALID_CONTENT_LENGTH');
  assert.equal(agrees('request', `${body}Content-Length: 99999999999999999999\r\n\r\n`, true).trama.error, 'HPE_INVALID_CONTENT_LENGTH');
  assert.deepEqual(agrees('request', `${body}Content-Length: 5\r\n\r\n`, true).trama.messages[0]!.trailers, ['Content-Length', '5']);
});

test('L4: lenient mode takes no obs-text, HTAB or FF in a request target (as insecure node)', () => {
  for (const t of ['/\xb6', '/a\tb', '/?\x0c', '/?\xff']) {
    const v = agrees('request', `GET ${t} HTTP/1.1\r\nHost: a\r\n\r\n`, true);
    assert.equal(v.trama.error, 'HPE_INVALID_URL', JSON.stringify(t));
  }
});

test('L5: lenient mode takes SP before a field colon only after the names insecure node takes it for, keeping it in the name', () => {
  assert.equal(agrees('request', 'GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n', true).trama.error, 'HPE_INVALID_HEADER_TOKEN');
  const v = agrees('request', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n', true);
  assert.deepEqual(v.trama.messages[0]!.rawHeaders, ['Host', 'a', 'Transfer-Encoding ', 'chunked']);
  assert.equal(v.trama.messages[0]!.body, 'Z');
});

test('L6: lenient mode refuses HTAB before the first field line (as insecure node)', () => {
  assert.equal(agrees('request', 'POST / HTTP/1.1\r\n\tContent-Length: 1\r\nHost: a\r\n\r\nZ', true).trama.error, 'HPE_INVALID_HEADER_TOKEN');
  assert.equal(agrees('request', 'POST / HTTP/1.1\r\n Content-Length: 1\r\nHost: a\r\n\r\nZ', true).trama.messages[0]!.body, 'Z');
});

test('L7: lenient mode reads no transfer coding after a control byte or a fold, so `\\v,chunked` does not frame a chunked body (as insecure node)', () => {
  // node reads the body to the end of the connection: no second request is hidden in it
  // (LD1: trama also says the connection ends there, node leaves its keep-alive flag on)
  const smuggle = agrees('request', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0b,chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n', true, 'LD1');
  assert.equal(smuggle.trama.messages.length, 1);
  assert.equal(smuggle.trama.messages[0]!.body, '0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n');
  for (const te of ['\x0b,chunked', 'a\x0c, chunked', '\x7f,chunked', 'a\x01b, chunked', 'chunked\x0b', 'gzip\r\n chunked', 'chunked\r\n \t', '\x0b\r\n chunked', '\r\n gzip\r\n chunked', '\r\n chunked\t', '\r chunked\t']) {
    for (const role of ['request', 'response'] as const) {
      const head = role === 'request' ? 'POST / HTTP/1.1\r\nHost: a\r\n' : 'HTTP/1.1 200 OK\r\n';
      const v = agrees(role, `${head}Transfer-Encoding: ${te}\r\n\r\n0\r\n\r\n`, true, 'LD1');
      assert.equal(v.trama.messages[0]!.body, '0\r\n\r\n', JSON.stringify(te));
    }
  }
  // still chunked, as for node: obs-text, an empty first line folded, a later field
  for (const te of ['\xff,chunked', '\r\n chunked', '\x0b\r\nTransfer-Encoding: chunked']) {
    assert.equal(agrees('request', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ${te}\r\n\r\n1\r\nZ\r\n0\r\n\r\n`, true).trama.messages[0]!.body, 'Z', JSON.stringify(te));
  }
});

test('L8: lenient mode refuses a bare CR after a folded value, so it hides no Content-Length (as insecure node)', () => {
  const v = agrees('request', 'POST / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\rContent-Length: 1\r\n\r\nZ', true);
  assert.equal(v.trama.error, 'HPE_LF_EXPECTED');
  assert.equal(agrees('request', 'POST / HTTP/1.1\r\nHost: a\r\nX: a\r\n \rY: b\r\n\r\n', true).trama.error, 'HPE_LF_EXPECTED');
  // an empty value folded onto an empty line may still end at a bare CR (as node)
  assert.deepEqual(agrees('request', 'POST / HTTP/1.1\r\nHost: a\r\nX:\r\n \rY: b\r\n\r\n', true).trama.messages[0]!.rawHeaders, ['Host', 'a', 'X', '', 'Y', 'b']);
});

test('L9: lenient mode ends a chunk-size line at LF LF as node does, so both cut the body alike', () => {
  const v = agrees('request', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\n\nabc\r\n0\n\nX: y\n\n', true);
  assert.deepEqual([v.trama.messages[0]!.body, v.trama.messages[0]!.trailers], ['abc', ['X', 'y']]);
  // with an extension, or CR LF, the second LF is chunk data (as node)
  assert.equal(agrees('request', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a\n\nab\r\n0\r\n\r\n', true).trama.messages[0]!.body, '\nab');
  assert.equal(agrees('response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n\nab\r\n0\r\n\r\n', true).trama.messages[0]!.body, '\nab');
});

test('L10: lenient mode ends a request line at LF LF as node does (the fields follow)', () => {
  const v = agrees('request', 'POST / HTTP/1.1\n\nContent-Length: 5\n\nGET /\n\n', true);
  assert.equal(v.trama.messages.length, 1);
  assert.equal(v.trama.messages[0]!.body, 'GET /');
});

test('L11: lenient mode refuses SP before the first trailer line (as insecure node)', () => {
  const v = agrees('request', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n a: b\r\n\r\n', true);
  assert.equal(v.trama.error, 'HPE_INVALID_HEADER_TOKEN');
});

test('L13: lenient mode refuses a bare CR after an HTTP/0.9 request line (as insecure node)', () => {
  const v = agrees('request', 'GET /\rX: y\nTransfer-Encoding: chunked\n\n0\n\n', true);
  assert.deepEqual([v.trama.error, v.trama.reason], ['HPE_INVALID_URL', 'Expected CRLF']);
});

test('L14: lenient mode refuses a folded Content-Length, even folded onto an empty line, with node\'s code', () => {
  for (const fold of ['\r\n \r\n', '\r\n\t\r\n', '\r\n 6\r\n']) {
    const v = agrees('response', `HTTP/1.1 200 OK\r\nContent-Length: 5${fold}\r\nabcde`, true);
    assert.equal(v.trama.error, 'HPE_UNEXPECTED_CONTENT_LENGTH', JSON.stringify(fold));
  }
});

test('L15: lenient mode skips one SP before the first field line, not two (as insecure node)', () => {
  assert.equal(agrees('request', 'POST / HTTP/1.1\r\n  Content-Length: 1\r\nHost: a\r\n\r\nZ', true).trama.error, 'HPE_INVALID_HEADER_TOKEN');
  assert.equal(agrees('request', 'GET / HTTP/1.1\r\n  \r\n', true).trama.error, 'HPE_INVALID_HEADER_TOKEN');
});

test('L12: lenient mode ends a status line at CR CR as node does, so a field after it is a field', () => {
  const v = agrees('response', 'HTTP/1.1 200 OK\r\rContent-Length: 1\r\n\r\nxHTTP/1.1 204 No Content\r\n\r\n', true);
  assert.deepEqual(v.trama.messages.map((m) => [m.statusCode, m.body]), [[200, 'x'], [204, '']]);
});

test('lenient mode, aligned with insecure node: a connection option after a control byte, SP-only line ending the head, upgrade with a non-chunked Transfer-Encoding', () => {
  // "\v,close": node reads no option after the control byte, keeps the connection
  assert.equal(agrees('request', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: \x0b,close\r\n\r\n', true).trama.messages[0]!.keepAlive, true);
  assert.equal(agrees('request', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close,\x0b\r\n\r\n', true).trama.messages[0]!.keepAlive, false);
  // a line of SPs right after the start line ends the head
  assert.equal(agrees('request', 'GET / HTTP/1.1\r\n \r\nGET /b HTTP/1.1\r\n\r\n', true).trama.messages.length, 2);
  assert.equal(agrees('request', 'GET / HTTP/1.1\r\n \rGET /b HTTP/1.1\r\n\r\n', true).trama.messages.length, 2);
  assert.equal(agrees('response', 'HTTP/1.1 200 OK\r\n \rabc', true).trama.messages[0]!.body, 'abc');
  // Upgrade + a non-chunked coding and no body length: the switch is right after the head
  const up = agrees('request', 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: x\r\nConnection: upgrade\r\nTransfer-Encoding: gzip\r\n\r\nraw', true);
  assert.equal(up.trama.upgradeAt, 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: x\r\nConnection: upgrade\r\nTransfer-Encoding: gzip\r\n\r\n'.length);
});
