// Property: two trama engines driven by random application actions never accuse each other of
// a protocol error, and every stream that is not reset delivers exactly the bytes sent, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode } from '../../../src/wire/h2/constants.js';
import { get, ofType, wirePair } from '../../support/h2-pair.js';

type Action =
  | { kind: 'request'; bodyLen: number; trailers: boolean; weight: number }
  | { kind: 'respond'; pick: number; bodyLen: number; trailers: boolean }
  | { kind: 'reset'; pick: number; byClient: boolean }
  | { kind: 'ack'; pick: number; n: number; byClient: boolean }
  | { kind: 'settings'; window: number; byClient: boolean }
  | { kind: 'ping'; byClient: boolean }
  | { kind: 'push'; pick: number }
  | { kind: 'pump' };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('request' as const), bodyLen: fc.integer({ min: 0, max: 70_000 }), trailers: fc.boolean(), weight: fc.integer({ min: 1, max: 256 }) }),
  fc.record({ kind: fc.constant('respond' as const), pick: fc.nat(), bodyLen: fc.integer({ min: 0, max: 90_000 }), trailers: fc.boolean() }),
  fc.record({ kind: fc.constant('reset' as const), pick: fc.nat(), byClient: fc.boolean() }),
  fc.record({ kind: fc.constant('ack' as const), pick: fc.nat(), n: fc.integer({ min: 0, max: 100_000 }), byClient: fc.boolean() }),
  // (An INITIAL_WINDOW_SIZE of 0 is a receiver that opens windows by hand: not this property.)
  fc.record({ kind: fc.constant('settings' as const), window: fc.integer({ min: 1000, max: 200_000 }), byClient: fc.boolean() }),
  fc.record({ kind: fc.constant('ping' as const), byClient: fc.boolean() }),
  fc.record({ kind: fc.constant('push' as const), pick: fc.nat() }),
  fc.constant({ kind: 'pump' as const }),
);

function body(id: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (id * 17 + i) & 0xff;
  return b;
}

test('property: random application actions never cause a protocol error between two trama engines', () => {
  fc.assert(
    fc.property(fc.array(action, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 5000 }), (actions, chunkSize) => {
      const pair = wirePair({ chunkSize, client: { settings: { initialWindowSize: 20_000 } } });
      const sentToServer = new Map<number, Buffer>();
      const sentToClient = new Map<number, Buffer>();
      const reset = new Set<number>();
      const pushParent = new Map<number, number>();
      // A push whose parent was reset may be refused by the client (RFC 9113 §5.1 "closed").
      const wasReset = (id: number) => reset.has(id) || reset.has(pushParent.get(id) ?? -1);
      const pick = <T>(xs: T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);
      for (const a of actions) {
        switch (a.kind) {
          case 'request': {
            if (!pair.client.canOpenStream) break;
            const id = pair.client.nextStreamId();
            const b = body(id, a.bodyLen);
            pair.client.sendHeaders(id, b.length ? [[':method', 'POST'], [':scheme', 'https'], [':authority', 'x'], [':path', '/'], ['content-length', String(b.length)]] : get('/'), { endStream: b.length === 0 && !a.trailers, priority: { weight: a.weight } });
            if (b.length) pair.client.sendData(id, b, { endStream: !a.trailers });
            if (a.trailers) pair.client.sendTrailers(id, [['x-done', '1']]);
            sentToServer.set(id, b);
            break;
          }
          case 'respond': {
            const open = [...sentToServer.keys()].filter((id) => !sentToClient.has(id) && ['open', 'half-closed-remote'].includes(pair.server.streamState(id)));
            const id = pick(open, a.pick);
            if (id === undefined) break;
            const b = body(id + 1, a.bodyLen);
            pair.server.sendHeaders(id, [[':status', '200']], { endStream: b.length === 0 && !a.trailers });
            if (b.length) pair.server.sendData(id, b, { endStream: !a.trailers });
            if (a.trailers) pair.server.sendTrailers(id, [['x-sum', String(b.length)]]);
            sentToClient.set(id, b);
            break;
          }
          case 'push': {
            const open = [...sentToServer.keys()].filter((id) => ['open', 'half-closed-remote'].includes(pair.server.streamState(id)));
            const parent = pick(open, a.pick);
            if (parent === undefined || !pair.server.remoteSettings.enablePush) break;
            const promised = pair.server.pushPromise(parent, get(`/pushed/${parent}`));
            pushParent.set(promised, parent);
            try {
              pair.server.sendHeaders(promised, [[':status', '200']]);
              const b = body(promised, 3000);
              pair.server.sendData(promised, b, { endStream: true });
              sentToClient.set(promised, b);
            } catch {
              pair.server.resetStream(promised, ErrorCode.REFUSED_STREAM); // peer stream limit reached
              reset.add(promised);
            }
            break;
          }
          case 'reset': {
            const ids = [...sentToServer.keys(), ...sentToClient.keys()];
            const id = pick(ids, a.pick);
            if (id === undefined) break;
            const conn = a.byClient ? pair.client : pair.server;
            if (conn.streamState(id) !== 'closed' && conn.streamState(id) !== 'idle') {
              conn.resetStream(id, ErrorCode.CANCEL);
              reset.add(id);
            }
            break;
          }
          case 'ack': {
            const ids = [...sentToServer.keys(), ...sentToClient.keys()];
            const id = pick(ids, a.pick);
            if (id !== undefined) (a.byClient ? pair.client : pair.server).acknowledgeReceivedData(id, a.n);
            break;
          }
          case 'settings':
            (a.byClient ? pair.client : pair.server).updateSettings({ initialWindowSize: a.window });
            break;
          case 'ping':
            (a.byClient ? pair.client : pair.server).ping();
            break;
          case 'pump':
            pair.pump();
            break;
        }
      }
      // Drain: the applications read everything (acknowledging), responses for every request.
      pair.onServerEvent = (e, p) => { if (e.type === 'data-received') p.server.acknowledgeReceivedData(e.streamId, e.data.length); };
      pair.onClientEvent = (e, p) => { if (e.type === 'data-received') p.client.acknowledgeReceivedData(e.streamId, e.data.length); };
      for (const [id] of sentToServer) {
        pair.server.acknowledgeReceivedData(id, 1 << 30);
        pair.client.acknowledgeReceivedData(id, 1 << 30);
      }
      for (const [id] of sentToClient) pair.client.acknowledgeReceivedData(id, 1 << 30);
      pair.pump();
      for (const events of [pair.clientEvents, pair.serverEvents]) {
        assert.deepEqual(ofType(events, 'connection-terminated'), []);
        assert.deepEqual(ofType(events, 'stream-reset').filter((e) => !e.remote), [], 'no engine reset a stream for a fault');
        for (const e of ofType(events, 'stream-reset')) assert.ok(wasReset(e.streamId), `unexpected reset of ${e.streamId}`);
      }
      const received = (events: typeof pair.clientEvents, id: number) => Buffer.concat(ofType(events, 'data-received').filter((e) => e.streamId === id).map((e) => e.data));
      for (const [id, b] of sentToServer) if (!wasReset(id)) assert.ok(received(pair.serverEvents, id).equals(b), `request body of ${id}`);
      for (const [id, b] of sentToClient) if (!wasReset(id)) assert.ok(received(pair.clientEvents, id).equals(b), `response body of ${id}`);
    }),
    { numRuns: 150 },
  );
});
