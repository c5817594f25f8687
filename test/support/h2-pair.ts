// A client engine and a server engine wired to each other in memory: `pump()` moves bytes both
// ways until neither has anything to say, collecting the events each side saw.
import { H2Connection, type H2ConnectionOptions } from '../../src/wire/h2/connection.js';
import type { H2Event } from '../../src/wire/h2/events.js';

export interface PairOptions {
  client?: Omit<H2ConnectionOptions, 'role'>;
  server?: Omit<H2ConnectionOptions, 'role'>;
  /** Acknowledge every received DATA byte at once (an application that reads as fast as it can). */
  autoAck?: boolean;
  /** Split every transfer into pieces of this many bytes (chunk boundaries hide bugs). */
  chunkSize?: number;
}

export interface Pair {
  client: H2Connection;
  server: H2Connection;
  clientEvents: H2Event[];
  serverEvents: H2Event[];
  /** Called for each event as it arrives, so a test can answer (e.g. a server responding). */
  onServerEvent: (e: H2Event, pair: Pair) => void;
  onClientEvent: (e: H2Event, pair: Pair) => void;
  /** Exchanges bytes until both sides are quiet; returns the number of round trips. */
  pump(maxRounds?: number): number;
  /** Bytes moved client→server and server→client so far. */
  bytes: { c2s: number; s2c: number };
}

export function wirePair(opts: PairOptions = {}): Pair {
  const client = new H2Connection({ role: 'client', ...opts.client });
  const server = new H2Connection({ role: 'server', ...opts.server });
  const pair: Pair = {
    client,
    server,
    clientEvents: [],
    serverEvents: [],
    onServerEvent: () => {},
    onClientEvent: () => {},
    bytes: { c2s: 0, s2c: 0 },
    pump(maxRounds = 100_000) {
      let rounds = 0;
      for (; rounds < maxRounds; rounds++) {
        const c2s = client.takeOutput();
        const s2c = server.takeOutput();
        if (c2s.length === 0 && s2c.length === 0) break;
        pair.bytes.c2s += c2s.length;
        pair.bytes.s2c += s2c.length;
        deliver(server, c2s, pair.serverEvents, (e) => pair.onServerEvent(e, pair));
        deliver(client, s2c, pair.clientEvents, (e) => pair.onClientEvent(e, pair));
      }
      if (rounds === maxRounds) throw new Error('pump: the engines never went quiet');
      return rounds;
    },
  };
  function deliver(to: H2Connection, bytes: Buffer, log: H2Event[], on: (e: H2Event) => void): void {
    const step = opts.chunkSize ?? bytes.length;
    for (let i = 0; i < bytes.length; i += step) {
      for (const e of to.receive(bytes.subarray(i, i + step))) {
        log.push(e);
        if (opts.autoAck && e.type === 'data-received') to.acknowledgeReceivedData(e.streamId, e.data.length);
        on(e);
      }
    }
  }
  return pair;
}

/** The request header list tests use. */
export function get(path: string, extra: Array<[string, string]> = []): Array<[string, string]> {
  return [[':method', 'GET'], [':scheme', 'https'], [':authority', 'example.test'], [':path', path], ...extra];
}

export function post(path: string, extra: Array<[string, string]> = []): Array<[string, string]> {
  return [[':method', 'POST'], [':scheme', 'https'], [':authority', 'example.test'], [':path', path], ...extra];
}

/** Events of one type, narrowed. */
export function ofType<T extends H2Event['type']>(events: H2Event[], type: T): Array<Extract<H2Event, { type: T }>> {
  return events.filter((e): e is Extract<H2Event, { type: T }> => e.type === type);
}
