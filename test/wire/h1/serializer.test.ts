/**
 * Serializer: exact bytes, node's errors for bad input, and header injection / response
 * splitting made impossible (every CR, LF, NUL or CTL from the application is refused), proven
 * also by re-parsing what the serializer produced.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  serializeResponseHead,
  serializeRequestHead,
  responseHeadString,
  requestHeadString,
  chunkHeader,
  serializeTrailers,
  statusLine,
  requestLine,
  fieldLine,
  lastChunk,
  LAST_CHUNK,
} from '../../../src/wire/h1/serializer.js';
import { run, latin1 } from './support.js';

test('response and request heads, byte for byte', () => {
  assert.equal(
    serializeResponseHead(200, 'OK', ['Content-Type', 'text/plain', 'Content-Length', '2']).toString('latin1'),
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n',
  );
  assert.equal(responseHeadString(404, '', [], 0), 'HTTP/1.0 404 \r\n\r\n');
  assert.equal(
    serializeRequestHead('GET', '/x?y=1', ['Host', 'example.com']).toString('latin1'),
    'GET /x?y=1 HTTP/1.1\r\nHost: example.com\r\n\r\n',
  );
  assert.equal(requestHeadString('OPTIONS', '*', ['Host', 'a']), 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n');
  // latin1 values survive as bytes.
  assert.equal(serializeResponseHead(200, 'OK', ['X', 'caf\u00e9']).includes(Buffer.from([0x63, 0x61, 0x66, 0xe9])), true);
});

test('line primitives (for callers that validated): exact lines; a status line is rebuilt when its reason or version changes', () => {
  assert.equal(statusLine(200, 'OK'), 'HTTP/1.1 200 OK\r\n');
  assert.equal(statusLine(200, 'Fine'), 'HTTP/1.1 200 Fine\r\n');
  assert.equal(statusLine(200, 'Fine', 0), 'HTTP/1.0 200 Fine\r\n');
  assert.equal(statusLine(200, 'OK'), 'HTTP/1.1 200 OK\r\n');
  assert.equal(statusLine(599, ''), 'HTTP/1.1 599 \r\n');
  assert.equal(requestLine('GET', '/a?b'), 'GET /a?b HTTP/1.1\r\n');
  assert.equal(fieldLine('Content-Length', 12), 'Content-Length: 12\r\n');
  assert.equal(lastChunk(''), LAST_CHUNK);
  assert.equal(lastChunk(fieldLine('A', '1')), '0\r\nA: 1\r\n\r\n');
});

test('chunked framing and trailers', () => {
  assert.equal(chunkHeader(1), '1\r\n');
  assert.equal(chunkHeader(255), 'ff\r\n');
  assert.equal(chunkHeader(0x10000), '10000\r\n');
  assert.equal(LAST_CHUNK, '0\r\n\r\n');
  assert.equal(serializeTrailers([]), '0\r\n\r\n');
  assert.equal(serializeTrailers(['X-Digest', 'sha-256=abc', 'X-N', '1']), '0\r\nX-Digest: sha-256=abc\r\nX-N: 1\r\n\r\n');
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 60]) assert.throws(() => chunkHeader(bad), RangeError);
  // What the serializer writes, the parser reads back.
  const body = latin1(
    requestHeadString('POST', '/', ['Host', 'a', 'Transfer-Encoding', 'chunked']) +
      chunkHeader(5) + 'hello\r\n' + chunkHeader(6) + ' world\r\n' + serializeTrailers(['T', 'v']),
  );
  const r = run({ role: 'request' }, [body]);
  assert.equal(r.error, null);
  assert.equal(r.messages[0]!.body, 'hello world');
  assert.deepEqual(r.messages[0]!.trailers, ['T', 'v']);
});

test("node's errors: status code, token, value, path", () => {
  const err = (fn: () => unknown, code: string, cls: ErrorConstructor = TypeError) =>
    assert.throws(fn, (e: Error & { code?: string }) => e instanceof cls && e.code === code);
  err(() => serializeResponseHead(99, 'x', []), 'ERR_HTTP_INVALID_STATUS_CODE', RangeError);
  err(() => serializeResponseHead(1000, 'x', []), 'ERR_HTTP_INVALID_STATUS_CODE', RangeError);
  err(() => serializeResponseHead(200.5, 'x', []), 'ERR_HTTP_INVALID_STATUS_CODE', RangeError);
  assert.throws(() => serializeResponseHead(99, 'x', []), { message: 'Invalid status code: 99' });
  err(() => serializeResponseHead(200, 'OK', ['Bad Name', 'v']), 'ERR_INVALID_HTTP_TOKEN');
  assert.throws(() => serializeResponseHead(200, 'OK', ['Bad Name', 'v']), { message: 'Header name must be a valid HTTP token ["Bad Name"]' });
  err(() => serializeResponseHead(200, 'OK', ['X', 'a\r\nSet-Cookie: evil=1']), 'ERR_INVALID_CHAR');
  assert.throws(() => serializeResponseHead(200, 'OK', ['X', 'a\nb']), { message: 'Invalid character in header content ["X"]' });
  err(() => serializeResponseHead(200, 'OK\r\nX: y', []), 'ERR_INVALID_CHAR');
  err(() => serializeRequestHead('GE T', '/', []), 'ERR_INVALID_HTTP_TOKEN');
  err(() => serializeRequestHead('GET', '/a b', []), 'ERR_UNESCAPED_CHARACTERS');
  err(() => serializeRequestHead('GET', '/a\r\nHost: evil', []), 'ERR_UNESCAPED_CHARACTERS');
  err(() => serializeRequestHead('GET', '/\u0100', []), 'ERR_UNESCAPED_CHARACTERS');
  err(() => serializeRequestHead('GET', '', []), 'ERR_UNESCAPED_CHARACTERS');
  assert.throws(() => serializeRequestHead('GET', '/', ['odd']), TypeError);
  err(() => serializeTrailers(['X', 'a\rb']), 'ERR_INVALID_CHAR');
  err(() => serializeResponseHead(200, 'OK', ['X', undefined as unknown as string]), 'ERR_HTTP_INVALID_HEADER_VALUE');
});

test('property: no input gets a CR or LF onto the wire — whatever is accepted re-parses to exactly what was given', () => {
  const anyText = fc.string({ unit: fc.integer({ min: 0, max: 0x17f }).map((c) => String.fromCharCode(c)), maxLength: 12 });
  fc.assert(
    fc.property(
      fc.array(fc.tuple(anyText, anyText), { maxLength: 4 }),
      anyText,
      fc.integer({ min: 100, max: 599 }).filter((s) => s !== 101), // 101 hands the connection over
      (pairs, reason, status) => {
        const fields = pairs.flat();
        let head: Buffer;
        try {
          head = serializeResponseHead(status, reason, fields);
        } catch {
          return; // refused: nothing reaches the wire
        }
        // Accepted: exactly one head, exactly our fields, no smuggled line.
        const r = run({ role: 'response' }, [Buffer.concat([head, latin1('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')])], {
          skipBody: true,
        });
        assert.equal(r.error, null);
        assert.equal(r.messages.length, 2);
        assert.equal(r.messages[0]!.head.statusCode, status);
        assert.deepEqual(
          r.messages[0]!.head.rawHeaders,
          fields.map((f, i) => (i % 2 === 1 ? f.replace(/^[ \t]+|[ \t]+$/g, '') : f)),
        );
      },
    ),
    { numRuns: 500 },
  );
});
