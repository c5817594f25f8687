// A hand-played HTTP/2 client over a real socket: frames built with FramePeer (h2-frames.ts), the
// server's frames read back in wire order as they arrive. For tests that read the order of DATA
// frames (priority) or misbehave on purpose (hostile clients).
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { FrameReader, type Frame } from '../../src/wire/h2/frames.js';
import { FramePeer, describe, type FrameSource, type Fields } from './h2-frames.js';

export type ReadFrame = Frame & { fields?: Fields };

export class SocketPeer extends FramePeer {
  readonly socket: net.Socket;
  readonly frames: ReadFrame[] = [];
  #reader = new FrameReader(1 << 24);
  #pending: (Frame & { parts: Buffer[] }) | null = null;
  #waiters: Array<() => void> = [];
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(socket: net.Socket) {
    super();
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {});
    this.closedPromise = new Promise<void>((resolve) => socket.once('close', () => {
      this.closed = true;
      resolve();
      this.#wake();
    }));
  }

  /** Connect to 127.0.0.1:port (TLS with ALPN h2 when `secure` has a CA). */
  static async connect(port: number, secure?: { ca: Buffer }): Promise<SocketPeer> {
    const socket = secure
      ? tls.connect({ port, host: '127.0.0.1', ca: secure.ca, servername: 'localhost', ALPNProtocols: ['h2'] })
      : net.connect(port, '127.0.0.1');
    await once(socket, secure ? 'secureConnect' : 'connect');
    socket.setNoDelay(true);
    return new SocketPeer(socket);
  }

  #onData(chunk: Buffer): void {
    this.#reader.push(chunk);
    for (let r = this.#reader.next(); r; r = this.#reader.next()) {
      if (r.kind !== 'frame') throw new Error(`server wrote a bad frame: ${r.fault.message}`);
      const f = r.frame;
      if (f.type === 'HEADERS' || f.type === 'PUSH_PROMISE') {
        if (f.endHeaders) this.frames.push({ ...f, fields: this.decoder.decode(f.block) });
        else this.#pending = { ...f, parts: [f.block] };
      } else if (f.type === 'CONTINUATION' && this.#pending) {
        this.#pending.parts.push(f.block);
        if (f.endHeaders) {
          const { parts, ...rest } = this.#pending;
          this.frames.push({ ...rest, fields: this.decoder.decode(Buffer.concat(parts)) } as ReadFrame);
          this.#pending = null;
        }
      } else this.frames.push(f);
    }
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  send(...frames: FrameSource[]): void {
    if (!this.socket.destroyed) this.socket.write(this.bytes(...frames));
  }

  /** Resolves with the first frame (from index `from`) matching `pred`; rejects if the socket closes first. */
  async until(pred: (f: ReadFrame) => boolean, from = 0): Promise<ReadFrame> {
    for (;;) {
      for (let i = from; i < this.frames.length; i++) if (pred(this.frames[i]!)) return this.frames[i]!;
      if (this.closed) throw new Error(`connection closed; frames: ${this.frames.map(describe).join(' ')}`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /** Wait until the server closed the connection. */
  async untilClosed(): Promise<void> {
    await this.closedPromise;
  }

  /** Frames as short strings (`DATA(1,16384B)`, `GOAWAY(3,ENHANCE_YOUR_CALM)`). */
  summary(from = 0): string[] {
    return this.frames.slice(from).map(describe);
  }

  close(): void {
    this.socket.destroy();
  }
}
