// WebSocket engine transcripts (RFC 6455 §5, §7; RFC 7692 §7.2.3). Each case is bytes in, then
// the events and the bytes the engine answers with, written as a log. Every case is run whole,
// at every split point (two chunks), and one byte at a time: chunk boundaries never change the
// log. Bad input closes with its RFC code; nothing after a fault or a close is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { WsEngine, encodeFrame, Opcode, PerMessageDeflate, applyMask } from '../../../src/wire/ws/index.js';
import type { WsEngineOptions, DeflateParams } from '../../../src/wire/ws/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MASK = hex('37fa213d');
/** A frame as a client sends it (masked with MASK) or a server (unmasked). */
function frame(opcode: number, payload: Buffer | string, opts: { fin?: boolean; rsv1?: boolean; masked?: boolean } = {}): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat(encodeFrame(opcode, p, { fin: opts.fin ?? true, mask: opts.masked ?? true, rsv1: opts.rsv1 ?? false, maskKey: MASK }));
}
const DEFAULT_DEFLATE: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

type Make = () => WsEngine;
const server = (o: Partial<WsEngineOptions> = {}): Make => () => new WsEngine({ role: 'server', ...o });
const client = (o: Partial<WsEngineOptions> = {}): Make => () => new WsEngine({ role: 'client', ...o });
const deflating = (role: 'server' | 'client', o: Partial<WsEngineOptions> = {}): Make => () =>
  new WsEngine({ role, deflate: new PerMessageDeflate(DEFAULT_DEFLATE, role), ...o });

function run(make: Make, chunks: Buffer[]): string[] {
  const e = make();
  const log: string[] = [];
  for (const c of chunks) {
    for (const ev of e.receive(c)) {
      switch (ev.type) {
        case 'message':
          log.push(`${ev.binary ? 'binary' : 'text'} ${ev.binary ? ev.data.toString('hex') : JSON.stringify(ev.data.toString('utf8'))}`);
          break;
        case 'ping':
        case 'pong':
          log.push(`${ev.type} ${ev.data.toString('hex')}`);
          break;
        case 'close':
          log.push(`close ${ev.code} ${JSON.stringify(ev.reason)}`);
          break;
        case 'fault':
          log.push(`fault ${ev.code} ${ev.errorCode}`);
          break;
      }
    }
  }
  // What the engine answered (a pong, a close echo, the fault's close), unmasked for the log.
  for (const out of e.takeOutput()) log.push(`out ${describeOut(out)}`);
  return log;
}

function describeOut(b: Buffer): string {
  const op = b[0]! & 0x0f;
  const masked = (b[1]! & 0x80) !== 0;
  const len = b[1]! & 0x7f;
  let p = b.subarray(masked ? 6 : 2, (masked ? 6 : 2) + len);
  if (masked) {
    const u = Buffer.alloc(p.length);
    applyMask(p, 0, u, 0, p.length, b.subarray(2, 6));
    p = u;
  }
  const name = op === Opcode.PONG ? 'pong' : op === Opcode.CLOSE ? 'close' : `op${op}`;
  if (op === Opcode.CLOSE && p.length >= 2) return `close ${p.readUInt16BE(0)}${masked ? ' masked' : ''}`;
  return `${name} ${p.toString('hex')}${masked ? ' masked' : ''}`;
}

/** Run `input` whole, at every split point, and byte by byte: always `expected`. */
function transcript(name: string, make: Make, input: Buffer, expected: string[]): void {
  test(name, () => {
    assert.deepEqual(run(make, [input]), expected, 'whole');
    // Every split point; for the two 64 KiB-class inputs, every point in the header and the first
    // and last payload bytes, and every 97th in between (the payload's middle is all alike).
    for (let i = 0; i <= input.length; i++) {
      if (input.length > 4096 && i > 32 && i < input.length - 32 && i % 97 !== 0) continue;
      assert.deepEqual(run(make, [input.subarray(0, i), input.subarray(i)]), expected, `split at ${i}`);
    }
    const bytes: Buffer[] = [];
    for (let i = 0; i < input.length; i++) bytes.push(input.subarray(i, i + 1));
    assert.deepEqual(run(make, bytes), expected, 'byte by byte');
    // As a socket driver runs it: payloads unmasked in the received buffers (here, copies).
    const inPlace = (): WsEngine => {
      const e = make();
      return new WsEngine({ role: e.role, deflate: e.deflate, maxMessageBytes: e.maxMessageBytes, maxFrameBytes: e.maxFrameBytes, maxFragments: e.maxFragments, unmaskInPlace: true });
    };
    for (const at of [0, 3, 7, input.length >> 1]) {
      const copy = Buffer.from(input);
      assert.deepEqual(run(inPlace, [copy.subarray(0, at), copy.subarray(at)]), expected, `in place, split at ${at}`);
    }
  });
}

// ---- RFC 6455 §5.7 examples ---------------------------------------------------------------
transcript('§5.7 a single-frame unmasked text message (client receives)', client(), hex('810548656c6c6f'), ['text "Hello"']);
transcript('§5.7 a single-frame masked text message (server receives)', server(), hex('818537fa213d7f9f4d5158'), ['text "Hello"']);
transcript('§5.7 a fragmented unmasked text message', client(), hex('010348656c 80026c6f'), ['text "Hello"']);
transcript('§5.7 an unmasked ping is answered with a masked pong of the same data', client(), hex('890548656c6c6f'), ['ping 48656c6c6f', 'out pong 48656c6c6f masked']);
transcript('§5.7 a masked pong', server(), hex('8a8537fa213d7f9f4d5158'), ['pong 48656c6c6f']);
transcript('§5.7 256 bytes of binary in one frame (16-bit length)', client(), Buffer.concat([hex('827e0100'), Buffer.alloc(256, 7)]), [`binary ${'07'.repeat(256)}`]);
transcript('§5.7 64 KiB of binary in one frame (64-bit length)', client(), Buffer.concat([hex('827f0000000000010000'), Buffer.alloc(65536, 1)]), [`binary ${'01'.repeat(65536)}`]);

// ---- fragmentation with control frames interleaved (§5.4) ----------------------------------
transcript(
  '§5.4 a ping between fragments is answered at once; the message completes after it',
  server(),
  Buffer.concat([frame(Opcode.TEXT, 'Hel', { fin: false }), frame(Opcode.PING, 'p'), frame(Opcode.CONTINUATION, 'l', { fin: false }), frame(Opcode.PONG, ''), frame(Opcode.CONTINUATION, 'o')]),
  ['ping 70', 'pong ', 'text "Hello"', 'out pong 70'],
);
transcript('empty text and binary messages', server(), Buffer.concat([frame(Opcode.TEXT, ''), frame(Opcode.BINARY, '')]), ['text ""', 'binary ']);
transcript(
  'a UTF-8 character split across fragments is valid',
  server(),
  Buffer.concat([frame(Opcode.TEXT, Buffer.from([0xe2, 0x82]), { fin: false }), frame(Opcode.CONTINUATION, Buffer.from([0xac]))]),
  ['text "€"'],
);

// ---- closing (§5.5.1, §7.4) --------------------------------------------------------------
const closePayload = (code: number, reason = ''): Buffer => Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)]);
transcript('a close frame is echoed with its code; nothing after it is read', server(), Buffer.concat([frame(Opcode.CLOSE, closePayload(1000, 'bye')), frame(Opcode.TEXT, 'late')]), ['close 1000 "bye"', 'out close 1000']);
transcript('an empty close frame reads as 1005 and is echoed empty', server(), frame(Opcode.CLOSE, ''), ['close 1005 ""', 'out close ']);
transcript('a registered code (1012) and an application code (4000) are accepted', server(), frame(Opcode.CLOSE, closePayload(4000)), ['close 4000 ""', 'out close 4000']);
for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) {
  transcript(`close code ${code} is invalid on the wire: 1002`, server(), frame(Opcode.CLOSE, closePayload(code)), ['fault 1002 WS_ERR_INVALID_CLOSE_CODE', 'out close 1002']);
}
transcript('a 1-byte close payload: 1002', server(), frame(Opcode.CLOSE, Buffer.from([3])), ['fault 1002 WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'out close 1002']);
transcript('a close reason that is not UTF-8: 1007', server(), frame(Opcode.CLOSE, Buffer.concat([closePayload(1000), Buffer.from([0xff])])), ['fault 1007 WS_ERR_INVALID_UTF8', 'out close 1007']);

// ---- bad input (issue item 4) -------------------------------------------------------------
transcript('an unmasked client frame: 1002', server(), frame(Opcode.TEXT, 'x', { masked: false }), ['fault 1002 WS_ERR_EXPECTED_MASK', 'out close 1002']);
transcript('a masked server frame: 1002', client(), frame(Opcode.TEXT, 'x'), ['fault 1002 WS_ERR_UNEXPECTED_MASK', 'out close 1002 masked']);
transcript('RSV2 set: 1002', server(), hex('a180'), ['fault 1002 WS_ERR_UNEXPECTED_RSV_2_3', 'out close 1002']);
transcript('RSV3 set: 1002', server(), hex('9180'), ['fault 1002 WS_ERR_UNEXPECTED_RSV_2_3', 'out close 1002']);
transcript('RSV1 without permessage-deflate: 1002', server(), hex('c180'), ['fault 1002 WS_ERR_UNEXPECTED_RSV_1', 'out close 1002']);
transcript('RSV1 on a control frame even with permessage-deflate: 1002', deflating('server'), hex('c980'), ['fault 1002 WS_ERR_UNEXPECTED_RSV_1', 'out close 1002']);
for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
  transcript(`opcode ${op} is reserved: 1002`, server(), Buffer.from([0x80 | op, 0x80]), ['fault 1002 WS_ERR_INVALID_OPCODE', 'out close 1002']);
}
transcript('a fragmented ping: 1002', server(), frame(Opcode.PING, 'x', { fin: false }), ['fault 1002 WS_ERR_EXPECTED_FIN', 'out close 1002']);
transcript('a ping over 125 bytes: 1002 (judged on the first two bytes)', server(), hex('89fe'), ['fault 1002 WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'out close 1002']);
transcript('a continuation with no message: 1002', server(), frame(Opcode.CONTINUATION, 'x'), ['fault 1002 WS_ERR_INVALID_OPCODE', 'out close 1002']);
transcript('a new message inside a fragmented one: 1002', server(), Buffer.concat([frame(Opcode.TEXT, 'a', { fin: false }), frame(Opcode.TEXT, 'b')]), ['fault 1002 WS_ERR_INVALID_OPCODE', 'out close 1002']);
transcript('a 64-bit length with its top bit set: 1002 as soon as that byte is in', server(), hex('82ff80'), ['fault 1002 WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 'out close 1002']);
transcript('invalid UTF-8 in a text message: 1007', server(), frame(Opcode.TEXT, Buffer.from([0x61, 0xc0, 0x80])), ['fault 1007 WS_ERR_INVALID_UTF8', 'out close 1007']);
transcript('a text message ending inside a UTF-8 sequence: 1007', server(), frame(Opcode.TEXT, Buffer.from([0x61, 0xe2, 0x82])), ['fault 1007 WS_ERR_INVALID_UTF8', 'out close 1007']);
transcript('an encoded surrogate (ED A0 80): 1007', server(), frame(Opcode.TEXT, Buffer.from([0xed, 0xa0, 0x80])), ['fault 1007 WS_ERR_INVALID_UTF8', 'out close 1007']);
transcript('a code point over U+10FFFF (F4 90 80 80): 1007', server(), frame(Opcode.TEXT, Buffer.from([0xf4, 0x90, 0x80, 0x80])), ['fault 1007 WS_ERR_INVALID_UTF8', 'out close 1007']);
transcript(
  'invalid UTF-8 across fragments: 1007 at the bad fragment',
  server(),
  Buffer.concat([frame(Opcode.TEXT, Buffer.from([0xe2, 0x82]), { fin: false }), frame(Opcode.CONTINUATION, Buffer.from([0x28]), { fin: false }), frame(Opcode.CONTINUATION, 'never read')]),
  ['fault 1007 WS_ERR_INVALID_UTF8', 'out close 1007'],
);
transcript('a frame over maxFrameBytes: 1009 from its header alone', server({ maxFrameBytes: 10 }), hex('82 8b 00000000'), ['fault 1009 WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'out close 1009']);
transcript(
  'a message over maxMessageBytes across fragments: 1009',
  server({ maxMessageBytes: 5 }),
  Buffer.concat([frame(Opcode.BINARY, 'abc', { fin: false }), frame(Opcode.CONTINUATION, 'def')]),
  ['fault 1009 WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'out close 1009'],
);
transcript(
  'more fragments than maxFragments: 1009',
  server({ maxFragments: 2 }),
  Buffer.concat([frame(Opcode.BINARY, '', { fin: false }), frame(Opcode.CONTINUATION, '', { fin: false }), frame(Opcode.CONTINUATION, '')]),
  ['fault 1009 WS_ERR_TOO_MANY_FRAGMENTS', 'out close 1009'],
);

test('invalid UTF-8 fails fast: the fault comes before the rest of the frame arrives', () => {
  const e = new WsEngine({ role: 'server' });
  const full = frame(Opcode.TEXT, Buffer.concat([Buffer.from('ok '), Buffer.from([0xff]), Buffer.alloc(1000, 0x61)]));
  const events = e.receive(full.subarray(0, 2 + 2 + 4 + 4)); // header, 16-bit length, mask, 4 payload bytes
  assert.deepEqual(events.map((ev) => ev.type === 'fault' && ev.code), [1007]);
});

// ---- permessage-deflate (RFC 7692 §7.2.3) ----------------------------------------------------
transcript('RFC 7692 §7.2.3.1: "Hello" compressed in one frame', deflating('client'), hex('c107f248cdc9c90700'), ['text "Hello"']);
transcript('RFC 7692 §7.2.3.1: the same, in two fragments', deflating('client'), hex('4103f248cd 8004c9c90700'), ['text "Hello"']);
transcript('RFC 7692 §7.2.3.2: a second "Hello" that refers back to the first (context takeover)', deflating('client'), hex('c107f248cdc9c90700 c105f200110000'), ['text "Hello"', 'text "Hello"']);
transcript('RFC 7692 §7.2.3.3: a DEFLATE block with no compression', deflating('client'), hex('c10b000500faff48656c6c6f00'), ['text "Hello"']);
{
  // RFC 7692 §7.2.3.4: a message may hold several DEFLATE blocks (here: "He" flushed, then "llo").
  const sync = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const two = Buffer.concat([zlib.deflateRawSync('He', sync), zlib.deflateRawSync('llo', sync).subarray(0, -4)]);
  transcript('RFC 7692 §7.2.3.4: more than one DEFLATE block', deflating('client'), Buffer.concat([Buffer.from([0xc1, two.length]), two]), ['text "Hello"']);
}
transcript('bad deflate data: 1007', deflating('server'), frame(Opcode.TEXT, hex('ffffffff'), { rsv1: true }), ['fault 1007 WS_ERR_INVALID_DEFLATE', 'out close 1007']);
transcript('RSV1 on a continuation frame: 1002', deflating('server'), Buffer.concat([frame(Opcode.TEXT, 'a', { fin: false }), frame(Opcode.CONTINUATION, 'b', { rsv1: true })]), ['fault 1002 WS_ERR_UNEXPECTED_RSV_1', 'out close 1002']);

test('a zip bomb stops at the message limit with 1009 (1 MiB of zeros from ~1 KiB on the wire)', () => {
  const bomb = zlib.deflateRawSync(Buffer.alloc(1024 * 1024), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const wire = frame(Opcode.BINARY, bomb.subarray(0, bomb.length - 4), { rsv1: true });
  assert.ok(wire.length < 2048);
  assert.deepEqual(run(deflating('server', { maxMessageBytes: 64 * 1024 }), [wire]), ['fault 1009 WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'out close 1009']);
});

test('permessage-deflate round trip with context takeover, both directions, many messages', () => {
  const a = new WsEngine({ role: 'client', deflate: new PerMessageDeflate(DEFAULT_DEFLATE, 'client', { threshold: 0 }) });
  const b = new WsEngine({ role: 'server', deflate: new PerMessageDeflate(DEFAULT_DEFLATE, 'server', { threshold: 0 }) });
  const sent: string[] = [];
  const got: string[] = [];
  for (let i = 0; i < 50; i++) {
    const text = `message ${i} `.repeat(1 + (i % 7) * 300);
    sent.push(text);
    a.sendMessage(Buffer.from(text), false);
    for (const chunk of a.takeOutput()) {
      assert.equal(chunk[0]! & 0x40, 0x40, 'RSV1 set');
      for (const ev of b.receive(chunk)) if (ev.type === 'message') got.push(ev.data.toString());
    }
  }
  assert.deepEqual(got, sent);
});

// ---- sending --------------------------------------------------------------------------------
test('a client masks every frame with a fresh key and never changes the caller\'s buffer', () => {
  const c = new WsEngine({ role: 'client' });
  const data = Buffer.from('Hello');
  c.sendMessage(data, false);
  c.sendMessage(data, false);
  const [f1, f2] = c.takeOutput();
  assert.equal(data.toString(), 'Hello');
  assert.equal(f1![1]! & 0x80, 0x80);
  const s = new WsEngine({ role: 'server' });
  const events = s.receive(Buffer.concat([f1!, f2!]));
  assert.deepEqual(events.map((e) => e.type === 'message' && e.data.toString()), ['Hello', 'Hello']);
});

test('lengths 125, 126, 65535, 65536 use the 7-, 16-, 16- and 64-bit forms and round-trip', () => {
  for (const [n, second] of [[125, 125], [126, 126], [65535, 126], [65536, 127]] as const) {
    const s = new WsEngine({ role: 'server' });
    s.sendMessage(Buffer.alloc(n, 9), true);
    const out = Buffer.concat(s.takeOutput());
    assert.equal(out[1], second, `length ${n}`);
    const c = new WsEngine({ role: 'client' });
    const ev = c.receive(out);
    assert.equal(ev[0]!.type === 'message' && ev[0]!.data.length, n);
  }
});

test('sending after close queues nothing; a ping over 125 bytes and a bad close code throw', () => {
  const s = new WsEngine({ role: 'server' });
  assert.throws(() => s.sendPing(Buffer.alloc(126)), RangeError);
  assert.throws(() => s.sendClose(1005), RangeError);
  assert.throws(() => s.sendClose(1000, 'x'.repeat(124)), RangeError);
  s.sendClose(1000, 'done');
  assert.equal(s.sendMessage(Buffer.from('late'), false), 0);
  assert.equal(s.takeOutput().length, 1);
});

test('property: any sequence of messages, fragmented and interleaved with pings, survives any chunking', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ text: fc.boolean(), data: fc.string({ unit: 'grapheme', maxLength: 300 }), pieces: fc.integer({ min: 1, max: 4 }), ping: fc.boolean() }), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (messages, cuts) => {
        const sender = new WsEngine({ role: 'client' });
        for (const m of messages) {
          const bytes = Buffer.from(m.data);
          const step = Math.ceil(bytes.length / m.pieces) || 1;
          if (bytes.length === 0) sender.sendMessage(bytes, !m.text);
          for (let off = 0; off < bytes.length; off += step) {
            sender.sendMessage(bytes.subarray(off, off + step), !m.text, { fin: off + step >= bytes.length });
            if (m.ping) sender.sendPing(Buffer.from('p'));
          }
        }
        const wire = Buffer.concat(sender.takeOutput());
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
        const receiver = new WsEngine({ role: 'server' });
        const got: string[] = [];
        let prev = 0;
        for (const p of [...points, wire.length]) {
          for (const ev of receiver.receive(wire.subarray(prev, p))) {
            if (ev.type === 'message') got.push(`${ev.binary}:${ev.data.toString()}`);
            if (ev.type === 'fault') got.push(`fault ${ev.reason}`);
          }
          prev = p;
        }
        assert.deepEqual(got, messages.map((m) => `${!m.text}:${m.data}`));
      },
    ),
    { numRuns: 300 },
  );
});

test('property: arbitrary bytes never make either role throw; after a fault nothing more is read', () => {
  const interesting = fc.constantFrom(0x00, 0x01, 0x02, 0x08, 0x09, 0x0a, 0x80, 0x81, 0x82, 0x88, 0x89, 0x8a, 0xc1, 0x7e, 0x7f, 0xfe, 0xff, 0x03, 0xe8);
  fc.assert(
    fc.property(fc.array(fc.oneof(interesting, fc.integer({ min: 0, max: 255 })), { maxLength: 200 }), fc.array(fc.nat(), { maxLength: 4 }), fc.boolean(), fc.boolean(), (bytes, cuts, isServer, withDeflate) => {
      const role = isServer ? 'server' : 'client';
      const e = new WsEngine({ role, maxMessageBytes: 100, deflate: withDeflate ? new PerMessageDeflate(DEFAULT_DEFLATE, role) : null });
      const buf = Buffer.from(bytes);
      const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
      let prev = 0;
      let ended = false;
      for (const p of [...points, buf.length]) {
        const events = e.receive(buf.subarray(prev, p));
        if (ended) assert.deepEqual(events, []);
        if (events.some((ev) => ev.type === 'fault' || ev.type === 'close')) ended = true;
        prev = p;
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: applyMask equals the RFC 6455 §5.3 byte rule for any length, offset, alignment and phase, in place or copying', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 3 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.boolean(), (len, srcOff, dstOff, phase, mask, inPlace) => {
      const src = Buffer.alloc(srcOff + len + 3);
      for (let i = 0; i < src.length; i++) src[i] = (i * 131 + 7) & 0xff;
      const expected = Buffer.alloc(len);
      for (let i = 0; i < len; i++) expected[i] = src[srcOff + i]! ^ mask[(phase + i) % 4]!;
      if (inPlace) {
        // A view at an odd byteOffset of its ArrayBuffer, as socket chunks are.
        const view = src.subarray(1);
        const before = Buffer.from(view);
        applyMask(view, srcOff, view, srcOff, len, mask, phase);
        for (let i = 0; i < len; i++) assert.equal(view[srcOff + i], before[srcOff + i]! ^ mask[(phase + i) % 4]!);
        assert.ok(view.subarray(0, srcOff).equals(before.subarray(0, srcOff)) && view.subarray(srcOff + len).equals(before.subarray(srcOff + len)), 'nothing outside the range changes');
      } else {
        const dst = Buffer.alloc(dstOff + len + 2, 0xee);
        applyMask(src, srcOff, dst, dstOff, len, mask, phase);
        assert.ok(dst.subarray(dstOff, dstOff + len).equals(expected));
        assert.ok(dst.subarray(0, dstOff).every((b) => b === 0xee) && dst.subarray(dstOff + len).every((b) => b === 0xee), 'nothing outside the range changes');
      }
    }),
    { numRuns: 400 },
  );
});
