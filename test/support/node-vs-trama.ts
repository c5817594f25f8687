// Run one server scenario against node:http and trama, to compare what each puts on the wire
// and which events each emits. node:http is the oracle (DESIGN.md, compatibility contract).
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as trama from '../../src/index.js';

/** The server side of either implementation, typed as node's (same API). */
export interface ServerLib {
  name: 'node' | 'trama';
  createServer: typeof http.createServer;
  Server: typeof http.Server;
  ServerResponse: typeof http.ServerResponse;
  IncomingMessage: typeof http.IncomingMessage;
  OutgoingMessage: typeof http.OutgoingMessage;
}

export const NODE_HTTP: ServerLib = {
  name: 'node',
  createServer: http.createServer,
  Server: http.Server,
  ServerResponse: http.ServerResponse,
  IncomingMessage: http.IncomingMessage,
  OutgoingMessage: http.OutgoingMessage,
};

export const TRAMA_HTTP: ServerLib = {
  name: 'trama',
  createServer: trama.createServer as unknown as typeof http.createServer,
  Server: trama.Server as unknown as typeof http.Server,
  ServerResponse: trama.ServerResponse as unknown as typeof http.ServerResponse,
  IncomingMessage: trama.IncomingMessage as unknown as typeof http.IncomingMessage,
  OutgoingMessage: trama.OutgoingMessage as unknown as typeof http.OutgoingMessage,
};

export const LIBS: readonly ServerLib[] = [NODE_HTTP, TRAMA_HTTP];

/** Listen on 127.0.0.1:0; resolves with the port. */
export function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Close the server and every connection it still has. */
export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    (server as http.Server).closeAllConnections?.();
    server.close(() => resolve());
  });
}

export interface Exchange {
  /** Everything the server sent, latin1, with Date values replaced by `<date>`. */
  text: string;
  /** The server closed the connection (we saw 'end' or 'close'). */
  closed: boolean;
}

/**
 * Open a TCP connection, write `chunks` (strings are latin1; a function waits for the previous
 * bytes to be answered: it gets the text so far and says whether to send the next chunk), and
 * collect the answer until the server closes, or until `until(text)` is true.
 */
export function rawExchange(
  port: number,
  chunks: (string | Buffer)[],
  opts: { until?: (text: string) => boolean; endAfterWrite?: boolean } = {},
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve({ text: normalize(text), closed });
    };
    sock.on('connect', () => {
      for (const c of chunks) sock.write(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
      if (opts.endAfterWrite) sock.end();
    });
    sock.on('data', (d) => {
      text += d.toString('latin1');
      if (opts.until?.(text)) finish(false);
    });
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') finish(true);
      else if (!done) reject(e);
    });
  });
}

/** Replace Date header values (they differ between runs). */
export function normalize(text: string): string {
  return text.replace(/^(date: )[^\r\n]*/gim, '$1<date>');
}

/** Count complete responses whose status line matches `re` in a raw answer. */
export function statusCodes(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
}

/**
 * Run `scenario` against node:http and trama, each with a fresh server made by `make`, and
 * return both results for comparison.
 */
export async function both<T>(scenario: (lib: ServerLib) => Promise<T>): Promise<{ node: T; trama: T }> {
  const node = await scenario(NODE_HTTP);
  const tramaResult = await scenario(TRAMA_HTTP);
  return { node, trama: tramaResult };
}

/** Serve `handler` with `lib`, send raw `chunks`, and return the normalized answer. */
export async function serveRaw(
  lib: ServerLib,
  handler: http.RequestListener,
  chunks: (string | Buffer)[],
  opts: { until?: (text: string) => boolean; serverOptions?: http.ServerOptions; setup?: (s: http.Server) => void; endAfterWrite?: boolean } = {},
): Promise<Exchange> {
  const server = lib.createServer(opts.serverOptions ?? {}, handler);
  opts.setup?.(server);
  const port = await listen(server);
  try {
    return await rawExchange(port, chunks, opts);
  } finally {
    await closeServer(server);
  }
}

/** Wait for one event. */
export function once<T = unknown>(emitter: NodeJS.EventEmitter, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (v: T) => resolve(v)));
}
