// Minimal reproductions of fuzz findings that have been FIXED, kept as regression tests: each is
// checked against node's llhttp (the oracle the finding came from) and on its own terms. Open
// findings are listed in docs/fuzzing.md, not here (a red test would break CI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from './h1-campaign.js';
import { runTrama, bytewise } from './support/h1-drivers.js';
import type { H1Role } from '../../src/wire/h1/types.js';

function agrees(role: H1Role, text: string): ReturnType<typeof classify> {
  const v = classify(role, Buffer.from(text, 'latin1'));
  assert.equal(v.kind, 'agree', `${v.category}\n trama ${JSON.stringify(v.trama)}\n llhttp ${JSON.stringify(v.llhttp)}`);
  // and the same whatever the chunking
  assert.deepEqual(runTrama(role, bytewise(Buffer.from(text, 'latin1')), { requireHost: false }), v.trama);
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
