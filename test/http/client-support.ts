// Helpers for the client tests: run one scenario against node:http and trama and compare.
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { request, get, ClientRequest } from '../../src/http/client-request.js';
import { OutgoingMessage } from '../../src/http/outgoing-message.js';
import { Agent } from '../../src/http/agent.js';

/** The two client implementations under comparison, typed loosely (same API). */
export type ClientLib = {
  name: string;
  request: typeof http.request;
  get: typeof http.get;
  Agent: typeof http.Agent;
  ClientRequest: typeof http.ClientRequest;
  OutgoingMessage: typeof http.OutgoingMessage;
};

export const NODE: ClientLib = {
  name: 'node',
  request: http.request,
  get: http.get,
  Agent: http.Agent,
  ClientRequest: http.ClientRequest,
  OutgoingMessage: http.OutgoingMessage,
};
export const TRAMA: ClientLib = {
  name: 'trama',
  request: request as unknown as typeof http.request,
  get: get as unknown as typeof http.get,
  Agent: Agent as unknown as typeof http.Agent,
  ClientRequest: ClientRequest as unknown as typeof http.ClientRequest,
  OutgoingMessage: OutgoingMessage as unknown as typeof http.OutgoingMessage,
};

/** Listen on 127.0.0.1, port 0; resolves with the port. */
export function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

export function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    (server as http.Server).closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** A raw TCP server: `onRequest(socket, head)` is called with each request head (up to CRLFCRLF). */
export function rawServer(onRequest: (socket: net.Socket, head: string, rest: Buffer) => void): net.Server {
  const server = net.createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('error', () => {});
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const i = buf.indexOf('\r\n\r\n');
      if (i < 0) return;
      const head = buf.subarray(0, i + 4).toString('latin1');
      const rest = buf.subarray(i + 4);
      buf = Buffer.alloc(0);
      onRequest(socket, head, rest);
    };
    socket.on('data', onData);
  });
  return server;
}

/** Record events on a request and its response into `log`; resolves when the request closed (and the response closed, if any). */
export function record(req: http.ClientRequest, log: string[], opts: { resListeners?: boolean; onResponse?: (res: http.IncomingMessage) => void } = {}): Promise<void> {
  return new Promise((resolve) => {
    let reqClosed = false;
    let res: http.IncomingMessage | null = null;
    let resClosed = false;
    const maybeDone = (): void => {
      if (reqClosed && (res === null || resClosed)) setImmediate(resolve);
    };
    for (const ev of ['socket', 'finish', 'abort', 'continue', 'timeout']) req.on(ev, () => log.push(`req ${ev}`));
    req.on('information', (info: { statusCode: number }) => log.push(`req information ${info.statusCode}`));
    req.on('error', (e: NodeJS.ErrnoException) => log.push(`req error ${e.code} ${e.message.replace(/:\d+/g, ':PORT')}`));
    req.on('close', () => {
      log.push('req close');
      reqClosed = true;
      maybeDone();
    });
    req.on('response', (r) => {
      res = r;
      log.push(`response ${r.statusCode}`);
      r.on('data', (d: Buffer) => log.push(`res data ${d.length}`));
      r.on('end', () => log.push('res end'));
      r.on('aborted', () => log.push('res aborted'));
      r.on('error', (e: NodeJS.ErrnoException) => log.push(`res error ${e.code} ${e.message}`));
      r.on('close', () => {
        log.push('res close');
        resClosed = true;
        maybeDone();
      });
      opts.onResponse?.(r);
    });
  });
}
