/**
 * What the HTTP/2 server and client drivers share: how a batch of engine output goes to the
 * socket, and the error a session that died of an h2 error reports.
 */
import type { Duplex } from 'node:stream';
import { errorCodeName } from '../wire/h2/constants.js';

/** Bytes merged into one buffer before writing (below it one copy beats a writev of many frames). */
export const MERGE_WRITE_BYTES = 64 * 1024;

/**
 * Writes one batch of `takeOutputChunks()` in as few socket writes as pays: one buffer as is,
 * small batches merged, large ones corked (one writev). `tap` sees the bytes first (frame logs).
 *
 * @example
 * writeOutput(socket, conn.takeOutputChunks(), null);
 */
export function writeOutput(sock: Duplex, chunks: Buffer[], tap: ((chunk: Buffer) => void) | null): void {
  const n = chunks.length;
  if (n === 0) return;
  if (tap !== null) for (let i = 0; i < n; i++) tap(chunks[i]!);
  if (n === 1) {
    sock.write(chunks[0]!);
    return;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += chunks[i]!.length;
  if (total <= MERGE_WRITE_BYTES) sock.write(Buffer.concat(chunks, total));
  else {
    sock.cork();
    for (let i = 0; i < n; i++) sock.write(chunks[i]!);
    sock.uncork();
  }
}

/**
 * The error of a session that died of an HTTP/2 error (RFC 9113 §5.4.1), with the RFC's code
 * name: `ERR_HTTP2_SESSION_ERROR` when the peer's GOAWAY carried it, `ERR_HTTP2_ERROR` when ours did.
 *
 * @example
 * session.emit('error', h2SessionError(ErrorCode.PROTOCOL_ERROR, true, 'bad frame'));
 */
export function h2SessionError(code: number, remote: boolean, message: string): Error & { code: string; errorCode: number } {
  const name = errorCodeName(code);
  const err = new Error(remote ? `Session closed by the peer with error code ${name}: ${message}` : `Session closed with error code ${name}: ${message}`) as Error & { code: string; errorCode: number };
  err.code = remote ? 'ERR_HTTP2_SESSION_ERROR' : 'ERR_HTTP2_ERROR';
  err.errorCode = code;
  return err;
}
