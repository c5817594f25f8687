// OutgoingMessage / ServerResponse members, run against node:http and trama: same results, same
// error classes, codes and messages; construction the way frameworks do it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inherits } from 'node:util';
import type * as http from 'node:http';
import { LIBS, TRAMA_HTTP, NODE_HTTP, type ServerLib } from '../support/node-vs-trama.js';

function fakeReq(lib: ServerLib, method = 'GET', minor = 1): http.IncomingMessage {
  const req = new lib.IncomingMessage(null as unknown as import('node:net').Socket);
  req.method = method;
  req.httpVersionMajor = 1;
  req.httpVersionMinor = minor;
  req.httpVersion = `1.${minor}`;
  return req;
}

function outcome(f: () => unknown): string {
  try {
    const v = f();
    return `ok ${typeof v === 'object' && v !== null ? 'object' : JSON.stringify(v)}`;
  } catch (e) {
    const err = e as Error & { code?: string };
    return `${err.name} ${err.code} ${err.message}`;
  }
}

const misuse: [string, (r: http.ServerResponse) => unknown][] = [
  ['write(number)', (r) => r.write(1 as unknown as string)],
  ['write({})', (r) => r.write({} as unknown as string)],
  ['write(null)', (r) => r.write(null as unknown as string)],
  ['getHeader(1)', (r) => r.getHeader(1 as unknown as string)],
  ['hasHeader(1)', (r) => r.hasHeader(1 as unknown as string)],
  ['removeHeader(1)', (r) => r.removeHeader(1 as unknown as string)],
  ['setHeaders([])', (r) => r.setHeaders([] as unknown as Headers)],
  ['setHeaders(5)', (r) => r.setHeaders(5 as unknown as Headers)],
  ['setHeader bad name', (r) => r.setHeader('a b', '1')],
  ['setHeader undefined', (r) => r.setHeader('a', undefined as unknown as string)],
  ['setHeader CRLF', (r) => r.setHeader('location', 'a\r\nSet-Cookie: x')],
  ['appendHeader bad name', (r) => r.appendHeader('a\u00e9', '1')],
  ['addTrailers bad name', (r) => r.addTrailers({ 'a b': '1' })],
  ['addTrailers bad value', (r) => r.addTrailers({ a: '\r' })],
  ['writeHead(99)', (r) => r.writeHead(99)],
  ['writeHead("abc")', (r) => r.writeHead('abc' as unknown as number)],
  ['writeHead(1000.5)', (r) => r.writeHead(1000.5)],
  ['writeHead bad reason', (r) => r.writeHead(200, 'a\nb')],
  ['writeHead odd array', (r) => r.writeHead(200, ['a'] as unknown as http.OutgoingHttpHeaders)],
  ['writeHead bad header', (r) => r.writeHead(200, { 'a b': '1' })],
  ['writeHead bad value', (r) => r.writeHead(200, { a: '\n' })],
  ['writeEarlyHints bad link', (r) => r.writeEarlyHints({ link: 'nope' })],
  ['setHeader after writeHead', (r) => { r.writeHead(200); return r.setHeader('a', '1'); }],
  ['removeHeader after writeHead', (r) => { r.writeHead(200); r.removeHeader('a'); }],
  ['appendHeader after writeHead', (r) => { r.writeHead(200); return r.appendHeader('a', '1'); }],
  ['writeHead twice', (r) => { r.writeHead(200); return r.writeHead(200); }],
  ['trailer header without chunked', (r) => { r.setHeader('Trailer', 'x'); r.setHeader('Content-Length', '1'); r.writeHead(200); }],
];

for (const [name, f] of misuse) {
  test(`misuse parity: ${name}`, () => {
    const got = LIBS.map((lib) => outcome(() => f(new lib.ServerResponse(fakeReq(lib)))));
    assert.equal(got[1], got[0]);
  });
}

test('header bookkeeping matches node', () => {
  const run = (lib: ServerLib): unknown[] => {
    const r = new lib.ServerResponse(fakeReq(lib));
    r.setHeader('X-Foo', 'bar');
    r.setHeader('Set-Cookie', ['a=1']);
    r.appendHeader('set-cookie', 'b=2');
    r.appendHeader('X-New', ['1', '2']);
    r.setHeaders(new Map<string, string | string[]>([['content-type', 'text/plain'], ['set-cookie', ['c=3']]]));
    r.setHeaders(new Headers([['x-h', '1'], ['set-cookie', 'd=4'], ['set-cookie', 'e=5']]));
    const before = [r.getHeaderNames(), (r as unknown as { getRawHeaderNames(): string[] }).getRawHeaderNames(), { ...r.getHeaders() }, r.hasHeader('x-foo'), r.getHeader('X-FOO')];
    r.removeHeader('x-foo');
    return [...before, r.hasHeader('x-foo'), Object.getPrototypeOf(r.getHeaders()), r.headersSent, r.statusCode, r.statusMessage, r.sendDate];
  };
  assert.deepEqual(run(TRAMA_HTTP), run(NODE_HTTP));
});

test('writable state members before any socket match node', () => {
  const run = (lib: ServerLib): unknown[] => {
    const r = new lib.ServerResponse(fakeReq(lib));
    return [r.writableEnded, r.writableFinished, r.writableObjectMode, r.writableCorked, r.finished, r.headersSent, r.writableLength, r.writableHighWaterMark, r.socket, r.connection, r.chunkedEncoding, r.useChunkedEncodingByDefault, r.shouldKeepAlive];
  };
  assert.deepEqual(run(TRAMA_HTTP), run(NODE_HTTP));
});

test('HTTP/1.0 request: no chunked by default, not kept alive; HEAD: no body', () => {
  for (const lib of LIBS) {
    const r10 = new lib.ServerResponse(fakeReq(lib, 'GET', 0));
    assert.equal(r10.useChunkedEncodingByDefault, false, lib.name);
    assert.equal(r10.shouldKeepAlive, false, lib.name);
    const head = new lib.ServerResponse(fakeReq(lib, 'HEAD'));
    assert.equal((head as unknown as { _hasBody: boolean })._hasBody, false, lib.name);
  }
});

test('OutgoingMessage._implicitHeader throws ERR_METHOD_NOT_IMPLEMENTED; pipe is an error', () => {
  for (const lib of LIBS) {
    const o = new lib.OutgoingMessage();
    assert.throws(() => o.write('x'), { code: 'ERR_METHOD_NOT_IMPLEMENTED', message: 'The _implicitHeader() method is not implemented' });
    let err: (Error & { code?: string }) | undefined;
    o.on('error', (e) => (err = e));
    o.pipe(process.stdout);
    assert.equal(err?.code, 'ERR_STREAM_CANNOT_PIPE', lib.name);
  }
});

test('callable as plain functions and subclassable with util.inherits (light-my-request, nock)', () => {
  const { ServerResponse, OutgoingMessage, IncomingMessage } = TRAMA_HTTP;
  function Response(this: http.ServerResponse, req: http.IncomingMessage): void {
    ServerResponse.call(this, req);
  }
  inherits(Response, ServerResponse);
  const req = fakeReq(TRAMA_HTTP);
  const res = new (Response as unknown as new (r: http.IncomingMessage) => http.ServerResponse)(req);
  assert.ok(res instanceof ServerResponse);
  assert.ok(res instanceof OutgoingMessage);
  assert.equal(res.req, req);
  assert.equal(res.statusCode, 200);
  res.setHeader('a', 'b');
  assert.equal(res.getHeader('a'), 'b');

  const o = Object.create(OutgoingMessage.prototype) as http.OutgoingMessage;
  OutgoingMessage.call(o);
  o.setHeader('x', '1');
  assert.deepEqual(o.getHeaderNames(), ['x']);

  function Req(this: http.IncomingMessage): void {
    IncomingMessage.call(this, null as unknown as import('node:net').Socket);
  }
  inherits(Req, IncomingMessage);
  const q = new (Req as unknown as new () => http.IncomingMessage)();
  q.rawHeaders = ['A', '1'];
  assert.deepEqual(q.headers, { a: '1' });

  class Sub extends (TRAMA_HTTP.ServerResponse as unknown as typeof import('../../src/http/server-response.js').ServerResponseBase) {}
  const s = new (Sub as unknown as new (r: http.IncomingMessage) => http.ServerResponse)(req);
  assert.ok(s instanceof ServerResponse);
  assert.equal(s.statusCode, 200);
});

test('a listener added before the base constructor runs as a function is kept, as EventEmitter.init keeps it', () => {
  for (const lib of LIBS) {
    const seen: string[] = [];
    function Response(this: http.ServerResponse, req: http.IncomingMessage): void {
      this.on('custom', () => seen.push('res'));
      lib.ServerResponse.call(this, req);
    }
    inherits(Response, lib.ServerResponse);
    const res = new (Response as unknown as new (r: http.IncomingMessage) => http.ServerResponse)(fakeReq(lib));
    res.emit('custom');
    function Req(this: http.IncomingMessage): void {
      this.on('custom', () => seen.push('req'));
      lib.IncomingMessage.call(this, null as unknown as import('node:net').Socket);
    }
    inherits(Req, lib.IncomingMessage);
    const q = new (Req as unknown as new () => http.IncomingMessage)();
    q.emit('custom');
    assert.deepEqual(seen, ['res', 'req'], lib.name);
    assert.equal(res.listenerCount('custom'), 1, lib.name);
  }
});

test('_header holds the serialized head once written; _implicitHeader writes it', () => {
  const res = new TRAMA_HTTP.ServerResponse(fakeReq(TRAMA_HTTP)) as http.ServerResponse & { _header: string | null; _implicitHeader(): void };
  assert.equal(res._header, null);
  res.setHeader('X-A', '1');
  res._implicitHeader();
  assert.match(res._header!, /^HTTP\/1\.1 200 OK\r\nX-A: 1\r\nDate: .+\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n$/);
  assert.equal(res.headersSent, true);
});

test('strictContentLength: ERR_HTTP_CONTENT_LENGTH_MISMATCH with node message at end()', () => {
  for (const lib of LIBS) {
    const res = new lib.ServerResponse(fakeReq(lib));
    res.strictContentLength = true;
    res.setHeader('Content-Length', '3');
    res.write('ab');
    assert.throws(() => res.end(), {
      code: 'ERR_HTTP_CONTENT_LENGTH_MISMATCH',
      message: "Response body's content-length of 2 byte(s) does not match the content-length of 3 byte(s) set in header",
    }, lib.name);
  }
});

// Stricter than node 20 (which sends the extra bytes and throws only at end()): a write past the
// declared length throws before anything is sent, as newer node does.
test('strictContentLength: a write past Content-Length throws before sending', () => {
  const res = new TRAMA_HTTP.ServerResponse(fakeReq(TRAMA_HTTP));
  res.strictContentLength = true;
  res.setHeader('Content-Length', '3');
  assert.throws(() => res.write('abcd'), {
    code: 'ERR_HTTP_CONTENT_LENGTH_MISMATCH',
    message: "Response body's content-length of 4 byte(s) does not match the content-length of 3 byte(s) set in header",
  });
});

test('rejectNonStandardBodyWrites: writing to a HEAD response throws ERR_HTTP_BODY_NOT_ALLOWED', () => {
  const Res = TRAMA_HTTP.ServerResponse as unknown as new (req: http.IncomingMessage, o: object) => http.ServerResponse;
  const res = new Res(fakeReq(TRAMA_HTTP, 'HEAD'), { rejectNonStandardBodyWrites: true });
  assert.throws(() => res.write('x'), { code: 'ERR_HTTP_BODY_NOT_ALLOWED' });
});

test('write after end: ERR_STREAM_WRITE_AFTER_END through the callback and error event', async () => {
  for (const lib of LIBS) {
    const res = new lib.ServerResponse(fakeReq(lib));
    res.end();
    const errs: string[] = [];
    res.on('error', (e: Error & { code: string }) => errs.push(`event ${e.code} ${e.message}`));
    await new Promise<void>((resolve) => {
      const ret = res.write('x', (e) => {
        errs.push(`cb ${(e as Error & { code: string }).code}`);
        setImmediate(resolve);
      });
      assert.equal(ret, false);
    });
    assert.deepEqual(errs, ['cb ERR_STREAM_WRITE_AFTER_END', 'event ERR_STREAM_WRITE_AFTER_END write after end'], lib.name);
  }
});

test('more distinct header names than the lower-case name cache holds (and longer than it keeps): same as node', async () => {
  const { LOWER_NAME_CACHE_SIZE } = await import('../../src/http/outgoing-message.js');
  const names: string[] = [];
  for (let i = 0; i < LOWER_NAME_CACHE_SIZE + 50; i++) names.push(`X-Many-${i}`);
  names.push(`X-${'Long'.repeat(40)}`);
  const results = LIBS.map((lib) => {
    const res = new lib.ServerResponse(fakeReq(lib));
    for (const n of names) res.setHeader(n, n.length);
    const got = names.map((n) => [res.getHeader(n.toUpperCase()), res.hasHeader(n.toLowerCase())]);
    res.removeHeader(names[0]!.toUpperCase());
    return { got, names: res.getHeaderNames().length, first: res.hasHeader(names[0]!) };
  });
  assert.equal(results[0]!.names, names.length - 1);
  assert.deepEqual(results[1], results[0]);
});
