/**
 * A Duplex over one stream of trama's HTTP/2 client session (src/io/h2-client.ts): what a client
 * WebSocket runs over after an extended CONNECT (RFC 8441 §4–5).
 *
 * - writes → DATA (a write's callback fires when its bytes left for the socket, so the Duplex's
 *   own buffer is the backpressure `bufferedAmount` reports);
 * - DATA received → pushed to the readable side and credited back to the server (`consumed`)
 *   only once the reader took it: a paused WebSocket holds at most a stream window;
 * - `end()` → END_STREAM, the server's END_STREAM → `'end'` (each side half-closes, as TCP FIN);
 * - `destroy()` → RST_STREAM(CANCEL); a reset from the server or a dead session destroys the
 *   Duplex with an error (the WebSocket's 1006).
 */
import { Duplex } from 'node:stream';
import type { H2ClientStream } from '../io/h2-client.js';
import { ErrorCode } from '../wire/h2/constants.js';

type Callback = (err?: Error | null) => void;

/** The Duplex a client WebSocket runs over on an HTTP/2 session. */
export class H2StreamDuplex extends Duplex {
  readonly stream: H2ClientStream;
  /** Bytes pushed while the readable side was full: credited on the next `_read`. */
  #owed = 0;

  constructor(stream: H2ClientStream) {
    super({ allowHalfOpen: true });
    this.stream = stream;
    stream.on('data', (chunk: Buffer) => {
      if (this.push(chunk)) stream.consumed(chunk.length);
      else this.#owed += chunk.length;
    });
    stream.on('end', () => this.push(null));
    stream.on('close', (code: number) => {
      if (this.destroyed) return;
      if (stream.error !== null) this.destroy(stream.error);
      else if (code !== ErrorCode.NO_ERROR || !stream.endReceived) {
        const err = Object.assign(new Error(`Stream closed with error code ${code}`), { code: 'ERR_HTTP2_STREAM_ERROR', errorCode: code });
        this.destroy(err);
      }
    });
  }

  get encrypted(): boolean {
    return (this.stream.session.socket as { encrypted?: boolean }).encrypted === true;
  }

  override _read(): void {
    const n = this.#owed;
    if (n > 0) {
      this.#owed = 0;
      this.stream.consumed(n);
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: Callback): void {
    this.stream.write(chunk, cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: Callback): void {
    const n = chunks.length;
    for (let i = 0; i < n - 1; i++) this.stream.write(chunks[i]!.chunk);
    this.stream.write(chunks[n - 1]!.chunk, cb);
  }

  override _final(cb: Callback): void {
    this.stream.end(null, (err) => cb(err ?? null));
  }

  override _destroy(err: Error | null, cb: Callback): void {
    if (!this.stream.closed) this.stream.close(ErrorCode.CANCEL);
    cb(err);
  }
}
