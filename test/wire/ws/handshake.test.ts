// The opening handshake rules (RFC 6455 §4) and extension negotiation (RFC 6455 §9.1, RFC 7692
// §7.1), as values in and values out; and the incremental UTF-8 validator against node's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import {
  acceptKey,
  validateClientHandshake,
  isRefusal,
  validateServerResponse,
  parseExtensions,
  negotiateDeflateServer,
  acceptDeflateResponse,
  deflateOffer,
  serverResponseHead,
  Utf8Validator,
} from '../../../src/wire/ws/index.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const good = { host: 'x', upgrade: 'websocket', connection: 'keep-alive, Upgrade', 'sec-websocket-key': KEY, 'sec-websocket-version': '13' };

test('RFC 6455 §1.3: the sample key gives the sample accept value', () => {
  assert.equal(acceptKey(KEY), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  assert.match(serverResponseHead(KEY, 'chat', null), /^HTTP\/1\.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n$/);
});

test('§4.2.1: a valid request is accepted; tokens are case-insensitive and listed among others', () => {
  const h = validateClientHandshake('GET', { ...good, upgrade: 'WebSocket', 'sec-websocket-protocol': 'chat, superchat', origin: 'http://a' });
  assert.ok(!isRefusal(h));
  assert.deepEqual(h.protocols, ['chat', 'superchat']);
  assert.equal(h.origin, 'http://a');
});

test('§4.2.1/§4.4: each broken rule is refused with its status', () => {
  const cases: [string, string, Record<string, string>, number][] = [
    ['POST', 'method', good, 405],
    ['GET', 'no upgrade', { ...good, upgrade: 'h2c' }, 400],
    ['GET', 'no connection upgrade', { ...good, connection: 'keep-alive' }, 400],
    ['GET', 'short key', { ...good, 'sec-websocket-key': 'abc' }, 400],
    ['GET', 'key of 17 bytes', { ...good, 'sec-websocket-key': Buffer.alloc(17).toString('base64') }, 400],
    ['GET', 'two keys (joined)', { ...good, 'sec-websocket-key': `${KEY}, ${KEY}` }, 400],
    ['GET', 'version 8', { ...good, 'sec-websocket-version': '8' }, 426],
    ['GET', 'bad protocol token', { ...good, 'sec-websocket-protocol': 'a b' }, 400],
    ['GET', 'duplicate protocol', { ...good, 'sec-websocket-protocol': 'a, a' }, 400],
    ['GET', 'bad extensions', { ...good, 'sec-websocket-extensions': 'permessage-deflate; =' }, 400],
  ];
  for (const [method, name, headers, status] of cases) {
    const r = validateClientHandshake(method, headers);
    assert.ok(isRefusal(r), name);
    assert.equal(r.status, status, name);
  }
  const v = validateClientHandshake('GET', { ...good, 'sec-websocket-version': '8' });
  assert.ok(isRefusal(v) && v.headers?.['Sec-WebSocket-Version'] === '13');
});

test('RFC 8441 extended CONNECT: no key, no Upgrade/Connection, version still checked', () => {
  assert.ok(!isRefusal(validateClientHandshake('CONNECT', { 'sec-websocket-version': '13' }, { connect: true })));
  assert.ok(isRefusal(validateClientHandshake('CONNECT', {}, { connect: true })));
});

test('§4.1: the client checks status, Upgrade, Connection, accept, and the protocol it got', () => {
  const h = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': acceptKey(KEY) };
  assert.deepEqual(validateServerResponse(101, h, KEY, []), { protocol: '', extensions: [] });
  assert.equal(validateServerResponse(200, h, KEY, []), 'Unexpected server response: 200');
  assert.equal(validateServerResponse(101, { ...h, 'sec-websocket-accept': 'x' }, KEY, []), 'Invalid Sec-WebSocket-Accept header');
  assert.equal(validateServerResponse(101, { ...h, upgrade: 'h2c' }, KEY, []), 'Invalid Upgrade header');
  assert.equal(validateServerResponse(101, { ...h, 'sec-websocket-protocol': 'x' }, KEY, ['a']), 'Server sent an invalid subprotocol');
  assert.deepEqual(validateServerResponse(101, { ...h, 'sec-websocket-protocol': 'a' }, KEY, ['a']), { protocol: 'a', extensions: [] });
});

test('§9.1: extension headers parse with tokens and quoted values; malformed ones are null', () => {
  const e = parseExtensions('permessage-deflate; client_max_window_bits; server_max_window_bits="10", x-foo')!;
  assert.deepEqual(e.map((x) => [x.name, [...x.params]]), [
    ['permessage-deflate', [['client_max_window_bits', true], ['server_max_window_bits', '10']]],
    ['x-foo', []],
  ]);
  for (const bad of ['', ';', 'a;', 'a; b=', 'a; b="c d"', 'a b', 'a,,b', 'a; b; b']) assert.equal(parseExtensions(bad), null, bad);
});

test('RFC 7692 §7.1: the server takes the first offer it can honour', () => {
  const offer = (s: string) => parseExtensions(s)!;
  assert.equal(negotiateDeflateServer(offer('permessage-deflate; client_max_window_bits'), {})?.response, 'permessage-deflate');
  assert.equal(negotiateDeflateServer(offer('permessage-deflate; server_no_context_takeover'), {})?.response, 'permessage-deflate; server_no_context_takeover');
  assert.equal(negotiateDeflateServer(offer('permessage-deflate; server_max_window_bits=10; client_max_window_bits'), { clientMaxWindowBits: 12 })?.response, 'permessage-deflate; server_max_window_bits=10; client_max_window_bits=12');
  // server_max_window_bits=8 cannot be honoured with zlib (raw deflate raises 8 to 9): declined, the next offer is taken.
  assert.equal(negotiateDeflateServer(offer('permessage-deflate; server_max_window_bits=8, permessage-deflate'), {})?.response, 'permessage-deflate');
  assert.equal(negotiateDeflateServer(offer('permessage-deflate; unknown=1'), {}), null);
  assert.equal(negotiateDeflateServer(offer('permessage-deflate; client_max_window_bits=16'), {}), null);
  assert.equal(negotiateDeflateServer(offer('x-other'), {}), null);
  // The server may only limit the client's window if the client said it can be limited.
  assert.equal(negotiateDeflateServer(offer('permessage-deflate'), { clientMaxWindowBits: 10 }), null);
});

test('RFC 7692 §7.1: the client checks the answer against its offer', () => {
  assert.equal(deflateOffer({}), 'permessage-deflate; client_max_window_bits');
  const ans = (s: string) => parseExtensions(s)![0]!;
  assert.deepEqual(acceptDeflateResponse(ans('permessage-deflate; server_max_window_bits=12'), {}), { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 12, clientMaxWindowBits: 15 });
  assert.equal(typeof acceptDeflateResponse(ans('permessage-deflate; foo'), {}), 'string');
  assert.equal(typeof acceptDeflateResponse(ans('permessage-deflate; server_max_window_bits=13'), { serverMaxWindowBits: 12 }), 'string');
  assert.equal(typeof acceptDeflateResponse(ans('permessage-deflate'), { serverNoContextTakeover: true }), 'string');
});

test('property: the incremental UTF-8 validator agrees with node\'s isUtf8 at any chunking, and fails at the first bad chunk', () => {
  const interesting = fc.constantFrom(0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff);
  fc.assert(
    fc.property(fc.array(fc.oneof(interesting, fc.integer({ min: 0, max: 255 })), { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 5 }), (bytes, cuts) => {
      const buf = Buffer.from(bytes);
      const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
      const v = new Utf8Validator();
      let ok = true;
      let prev = 0;
      for (const p of [...points, buf.length]) {
        if (ok && !v.feed(buf, prev, p)) {
          ok = false;
          // Fail fast: no valid UTF-8 string starts with the bytes seen so far.
          assert.ok(!isUtf8(buf.subarray(0, p)));
        }
        prev = p;
      }
      if (ok) ok = v.end();
      assert.equal(ok, isUtf8(buf));
    }),
    { numRuns: 3000 },
  );
});
