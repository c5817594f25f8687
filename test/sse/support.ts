// Shared helpers for the SSE tests: the servers to run every test over (node:http, the oracle,
// and trama's own), and a minimal raw event-stream reader built on node:http.get and
// trama's parser, so the server helper is tested without the EventSource under test.
import * as http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createEventStreamParser } from '../../src/wire/sse/index.js';
import { createServer as tramaCreateServer } from '../../src/http/server.js';
import type { ServerSentEvent } from '../../src/wire/sse/index.js';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
export interface ServerFlavour {
  name: string;
  createServer(handler: Handler): http.Server;
}

const nodeFlavour: ServerFlavour = { name: 'node:http', createServer: (h) => http.createServer(h) };

/** Every SSE server test runs over node:http (the oracle) and trama's own server. */
export const SERVER_FLAVOURS: readonly ServerFlavour[] = [
  nodeFlavour,
  // trama's req/res are node-compatible; the tests use them through node's types.
  { name: 'trama', createServer: (h) => tramaCreateServer(h as never) as unknown as http.Server },
];

export interface Running {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

const live = new Set<Running>();

/**
 * Close every server still listening (for a file-level `after`): a test that failed or timed out
 * half-way must not keep the test process alive.
 */
export async function closeAllServers(): Promise<void> {
  await Promise.all([...live].map((r) => r.close()));
}

export async function listen(server: http.Server, port = 0): Promise<Running> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address() as AddressInfo;
  const running: Running = {
    url: `http://127.0.0.1:${addr.port}/`,
    port: addr.port,
    server,
    async close() {
      if (!live.delete(running)) return;
      const closed = once(server, 'close');
      server.close();
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
    },
  };
  live.add(running);
  return running;
}

/** A raw stream reader: resolves events one by one, in order. */
export class RawStream {
  readonly events: ServerSentEvent[] = [];
  readonly comments: string[] = [];
  res!: http.IncomingMessage;
  req!: http.ClientRequest;
  #waiters: (() => void)[] = [];
  ended = false;

  static async open(url: string, headers: Record<string, string> = {}): Promise<RawStream> {
    const s = new RawStream();
    const parser = createEventStreamParser({
      onEvent: (e) => {
        s.events.push(e);
        s.#wake();
      },
      onComment: (c) => {
        s.comments.push(c);
        s.#wake();
      },
    });
    s.req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } });
    const [res] = (await once(s.req, 'response')) as [http.IncomingMessage];
    s.res = res;
    res.on('data', (c: Buffer) => parser.feed(c));
    res.on('close', () => {
      s.ended = true;
      s.#wake();
    });
    return s;
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Wait until `predicate` holds (checked after every event, comment, or end). */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) {
      if (this.ended) throw new Error(`stream ended before the condition held (${this.events.length} events)`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  close(): void {
    this.req.destroy();
  }
}

export interface ClientFlavour {
  name: string;
  /** undefined: EventSource's own default. */
  request: import('../../src/sse/event-source.js').EventSourceInit['request'];
}

/** EventSource's default client (trama's own), and node:http's request plugged in as a user would. */
export const CLIENT_FLAVOURS: readonly ClientFlavour[] = [
  { name: 'default (trama)', request: undefined },
  { name: 'node:http', request: http.request },
];

/** Resolve when `target` fires `type` (once). */
export function nextEvent<T extends Event = Event>(target: EventTarget, type: string): Promise<T> {
  return new Promise((resolve) => target.addEventListener(type, (e) => resolve(e as T), { once: true }));
}
