// What test/http2/*parity*.test.ts share: run one script with node:http2 and with trama/http2 and
// return both logs; a listening helper; node's error as one comparable line; a GET whose body is read.
import nodeHttp2 from 'node:http2';
import { once } from 'node:events';
import type { AddressInfo, Server } from 'node:net';
import * as tramaHttp2 from '../../src/http2.js';

export type Http2 = typeof nodeHttp2;
export const IMPLS: Array<[string, Http2]> = [['node', nodeHttp2], ['trama', tramaHttp2 as unknown as Http2]];

/** Runs `script` with each implementation in turn (node's first); PARITY_DEBUG=1 prints both logs at exit. */
export async function both(script: (http2: Http2, log: string[]) => Promise<void>): Promise<{ node: string[]; trama: string[] }> {
  const out: Record<string, string[]> = {};
  for (const [name, mod] of IMPLS) {
    const log: string[] = [];
    if (process.env.PARITY_DEBUG) process.on('beforeExit', () => console.log(name, log));
    await script(mod, log);
    out[name] = log;
  }
  return out as { node: string[]; trama: string[] };
}

/** Listens on 127.0.0.1, port 0; resolves with the port. */
export async function listenPort(server: Server | nodeHttp2.Http2Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** `http://127.0.0.1:<port>` of a server now listening. */
export async function listenUrl(server: Server | nodeHttp2.Http2Server): Promise<string> {
  return `http://127.0.0.1:${await listenPort(server)}`;
}

/** What calling `f` throws, as one line (class, code, message), or 'no error'. */
export function errText(f: () => unknown): string {
  try {
    f();
    return 'no error';
  } catch (e) {
    const err = e as Error & { code?: string };
    return `${err.constructor.name} ${err.code} ${err.message}`;
  }
}

/** The body of a stream read to its end, as text. */
export async function readBody(stream: NodeJS.ReadableStream): Promise<string> {
  let body = '';
  stream.on('data', (c: Buffer | string) => (body += c));
  await once(stream, 'end');
  return body;
}

/**
 * Resolves when the first push reaching `session`'s 'stream' has been read to its end, logging
 * `<prefix> <path>`, its response status and its body.
 */
export function logFirstPush(session: nodeHttp2.ClientHttp2Session, log: string[], prefix: string): Promise<void> {
  return new Promise<void>((resolve) => {
    session.once('stream', (push, h, flags) => {
      log.push(`${prefix} ${h[':path']} ${h[':method']} flags=${flags}`);
      push.on('push', (rh) => log.push(`${prefix} response ${rh[':status']} ${rh['content-type']}`));
      void readBody(push).then((d) => {
        log.push(`${prefix} body ${d}`);
        resolve();
      });
    });
  });
}
