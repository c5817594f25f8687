// Shared helpers for the WebSocket tests: a WebSocketServer on port 0, a raw TCP client that
// does the handshake by hand (to send what no well-behaved client would), and frame builders.
import * as net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from '../../src/ws/index.js';
import type { WebSocketServerOptions } from '../../src/ws/index.js';
import { encodeFrame, acceptKey, applyMask } from '../../src/wire/ws/index.js';

export async function startServer(opts: Omit<WebSocketServerOptions, 'port'> = {}): Promise<{ wss: WebSocketServer; url: string; port: number; close(): Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...opts });
  await once(wss, 'listening');
  const port = (wss.address() as AddressInfo).port;
  return {
    wss,
    port,
    url: `ws://127.0.0.1:${port}`,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

export const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** A raw client: connects, upgrades, and hands back the socket plus a frame reader. */
export async function rawClient(port: number, extraHeaders = ''): Promise<{ socket: net.Socket; frames: AsyncFrameReader; head: string }> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`);
  const reader = new AsyncFrameReader(socket);
  const head = await reader.head();
  return { socket, frames: reader, head };
}

/** A masked client frame. */
export function clientFrame(opcode: number, payload: Buffer | string, opts: { fin?: boolean; masked?: boolean; rsv1?: boolean } = {}): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat(encodeFrame(opcode, p, { fin: opts.fin ?? true, mask: opts.masked ?? true, rsv1: opts.rsv1 }));
}

export interface RawFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Reads the HTTP head, then whole frames (server frames are unmasked; masked ones are unmasked anyway). */
export class AsyncFrameReader {
  #buf = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  #ended = false;
  constructor(socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#wake();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#wake();
    });
  }
  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
  async #more(): Promise<void> {
    if (this.#ended) throw new Error('socket closed');
    await new Promise<void>((r) => this.#waiters.push(r));
  }
  async head(): Promise<string> {
    for (;;) {
      const i = this.#buf.indexOf('\r\n\r\n');
      if (i !== -1) {
        const h = this.#buf.subarray(0, i + 4).toString('latin1');
        this.#buf = this.#buf.subarray(i + 4);
        if (h.startsWith('HTTP/1.1 101') && !h.includes(`Sec-WebSocket-Accept: ${acceptKey(KEY)}`)) throw new Error('bad accept');
        return h;
      }
      await this.#more();
    }
  }
  /** The rest of the stream after the head (for non-101 answers). */
  async rest(): Promise<string> {
    while (!this.#ended) await new Promise<void>((r) => this.#waiters.push(r));
    return this.#buf.toString('latin1');
  }
  /** The next frame, or null when the socket closed first. */
  async frame(): Promise<RawFrame | null> {
    for (;;) {
      const b = this.#buf;
      if (b.length >= 2) {
        const masked = (b[1]! & 0x80) !== 0;
        let len = b[1]! & 0x7f;
        let off = 2;
        if (len === 126) {
          if (b.length < 4) len = -1;
          else {
            len = b.readUInt16BE(2);
            off = 4;
          }
        } else if (len === 127) {
          if (b.length < 10) len = -1;
          else {
            len = Number(b.readBigUInt64BE(2));
            off = 10;
          }
        }
        if (len >= 0 && b.length >= off + (masked ? 4 : 0) + len) {
          let payload = b.subarray(off + (masked ? 4 : 0), off + (masked ? 4 : 0) + len);
          if (masked) {
            const u = Buffer.alloc(len);
            applyMask(payload, 0, u, 0, len, b.subarray(off, off + 4));
            payload = u;
          }
          this.#buf = b.subarray(off + (masked ? 4 : 0) + len);
          return { fin: (b[0]! & 0x80) !== 0, opcode: b[0]! & 0x0f, payload: Buffer.from(payload) };
        }
      }
      if (this.#ended) return null;
      await this.#more();
    }
  }
  /** Read frames until a close frame; its code (or null if the socket closed without one). */
  async closeCode(): Promise<number | null> {
    for (;;) {
      const f = await this.frame();
      if (f === null) return null;
      if (f.opcode === 8) return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
    }
  }
}
