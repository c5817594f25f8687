// Every stream state × frame type, checked against RFC 9113 §5.1 (and §6.1, §6.6, §6.9 where
// they decide), first as a table and then by driving real engines into each state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H2Connection } from '../../../src/wire/h2/connection.js';
import { RECEIVE_VERDICTS, TRANSITIONS, transition, type StreamFrameType, type Verdict, type VerdictState } from '../../../src/wire/h2/stream-state.js';
import { FramePeer, summarize, type FrameSource } from '../../support/h2-frames.js';
import { get } from '../../support/h2-pair.js';

const P = 'connection:PROTOCOL_ERROR';
const SC = 'stream:STREAM_CLOSED';
const CSC = 'connection:STREAM_CLOSED';
const TYPES: StreamFrameType[] = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'WINDOW_UPDATE', 'PUSH_PROMISE'];

// The RFC's verdicts, written out independently of src/ (one row per state, columns as TYPES).
const RFC: Record<VerdictState, Verdict[]> = {
  //                      DATA    HEADERS PRIORITY RST_STREAM WINDOW_UPDATE PUSH_PROMISE(parent)
  idle:                   [P,     'ok',   'ok',    P,         P,            P],
  'reserved-local':       [P,     P,      'ok',    'ok',      'ok',         P],
  'reserved-remote':      [P,     'ok',   'ok',    'ok',      P,            P],
  open:                   ['ok',  'ok',   'ok',    'ok',      'ok',         'ok'],
  'half-closed-local':    ['ok',  'ok',   'ok',    'ok',      'ok',         'ok'],
  'half-closed-remote':   [SC,    SC,     'ok',    'ok',      'ok',         P],
  'closed-by-sent-reset': ['ignore', 'ignore', 'ok', 'ignore', 'ignore',    'ignore'],
  // WINDOW_UPDATE on a closed stream: RFC 9113 §6.9 "A receiver MUST NOT treat this as an error".
  'closed-by-recv-reset': [SC,    SC,     'ok',    'ignore',  'ignore',     P],
  'closed-by-end-stream': [CSC,   CSC,    'ok',    'ignore',  'ignore',     P],
};

test('the verdict table in src matches the RFC table', () => {
  for (const [state, row] of Object.entries(RFC) as Array<[VerdictState, Verdict[]]>) {
    TYPES.forEach((t, i) => assert.equal(RECEIVE_VERDICTS[state][t], row[i], `${state} × ${t}`));
  }
});

test('the transition table follows the RFC 9113 §5.1 diagram edge by edge', () => {
  const edges: Array<[string, string, string]> = [
    ['idle', 'send-headers', 'open'], ['idle', 'recv-headers', 'open'],
    ['idle', 'send-push-promise', 'reserved-local'], ['idle', 'recv-push-promise', 'reserved-remote'],
    ['reserved-local', 'send-headers', 'half-closed-remote'], ['reserved-local', 'send-reset', 'closed'], ['reserved-local', 'recv-reset', 'closed'],
    ['reserved-remote', 'recv-headers', 'half-closed-local'], ['reserved-remote', 'send-reset', 'closed'], ['reserved-remote', 'recv-reset', 'closed'],
    ['open', 'send-end-stream', 'half-closed-local'], ['open', 'recv-end-stream', 'half-closed-remote'],
    ['open', 'send-reset', 'closed'], ['open', 'recv-reset', 'closed'],
    ['half-closed-local', 'recv-end-stream', 'closed'], ['half-closed-local', 'send-reset', 'closed'], ['half-closed-local', 'recv-reset', 'closed'],
    ['half-closed-remote', 'send-end-stream', 'closed'], ['half-closed-remote', 'send-reset', 'closed'], ['half-closed-remote', 'recv-reset', 'closed'],
  ];
  for (const [from, input, to] of edges) assert.equal(transition(from as never, input as never), to, `${from} --${input}-->`);
  // Inputs the diagram does not draw are refused (a fault, never a silent no-op).
  const refused: Array<[string, string]> = [
    ['idle', 'send-end-stream'], ['idle', 'recv-reset'], ['reserved-local', 'recv-headers'], ['reserved-remote', 'send-headers'],
    ['half-closed-local', 'send-end-stream'], ['half-closed-remote', 'recv-end-stream'], ['half-closed-remote', 'recv-headers'],
    ['closed', 'send-headers'], ['closed', 'recv-reset'],
  ];
  for (const [from, input] of refused) assert.equal(transition(from as never, input as never), null, `${from} --${input}--> must be refused`);
  assert.deepEqual(TRANSITIONS.closed, {});
});

interface Setup { conn: H2Connection; peer: FramePeer; id: number; role: 'server' | 'client' }

/** A server engine with stream `id` driven into `state` by a hand-played client. */
function serverIn(state: VerdictState): Setup {
  const conn = new H2Connection({ role: 'server' });
  const peer = new FramePeer();
  conn.receive(peer.bytes(peer.preface(), peer.settings(), peer.settingsAck()));
  let id = 1;
  switch (state) {
    case 'idle': id = 3; conn.receive(peer.bytes(peer.headers(1).get('/').endStream())); break;
    case 'open': conn.receive(peer.bytes(peer.headers(1).post('/'))); break;
    case 'half-closed-remote': conn.receive(peer.bytes(peer.headers(1).get('/').endStream())); break;
    case 'half-closed-local':
      conn.receive(peer.bytes(peer.headers(1).post('/')));
      conn.sendHeaders(1, [[':status', '200']], { endStream: true });
      break;
    case 'reserved-local':
      conn.receive(peer.bytes(peer.headers(1).get('/').endStream()));
      id = conn.pushPromise(1, get('/pushed'));
      break;
    case 'closed-by-end-stream':
      conn.receive(peer.bytes(peer.headers(1).get('/').endStream()));
      conn.sendHeaders(1, [[':status', '200']], { endStream: true });
      break;
    case 'closed-by-sent-reset':
      conn.receive(peer.bytes(peer.headers(1).post('/')));
      conn.resetStream(1);
      break;
    case 'closed-by-recv-reset':
      conn.receive(peer.bytes(peer.headers(1).post('/'), peer.rst(1).cancel()));
      break;
    default:
      throw new Error(`no server setup for ${state}`);
  }
  conn.takeOutput();
  return { conn, peer, id, role: 'server' };
}

/** A client engine with stream `id` driven into `state` by a hand-played server. */
function clientIn(state: VerdictState): Setup {
  const conn = new H2Connection({ role: 'client' });
  const peer = new FramePeer();
  conn.receive(peer.bytes(peer.settings(), peer.settingsAck()));
  let id = 1;
  switch (state) {
    case 'idle': id = 3; conn.sendHeaders(1, get('/'), { endStream: true }); break;
    case 'open': conn.sendHeaders(1, get('/')); break;
    case 'half-closed-local': conn.sendHeaders(1, get('/'), { endStream: true }); break;
    case 'half-closed-remote':
      conn.sendHeaders(1, get('/'));
      conn.receive(peer.bytes(peer.headers(1).response(200).endStream()));
      break;
    case 'reserved-remote':
      conn.sendHeaders(1, get('/'));
      conn.receive(peer.bytes(peer.pushPromise(1, 2).get('/pushed')));
      id = 2;
      break;
    case 'closed-by-end-stream':
      conn.sendHeaders(1, get('/'), { endStream: true });
      conn.receive(peer.bytes(peer.headers(1).response(200).endStream()));
      break;
    case 'closed-by-sent-reset':
      conn.sendHeaders(1, get('/'));
      conn.resetStream(1);
      break;
    case 'closed-by-recv-reset':
      conn.sendHeaders(1, get('/'));
      conn.receive(peer.bytes(peer.rst(1).cancel()));
      break;
    default:
      throw new Error(`no client setup for ${state}`);
  }
  conn.takeOutput();
  return { conn, peer, id, role: 'client' };
}

/** A frame of `type` on stream `id` that is valid in every respect except possibly its state. */
function frameFor(s: Setup, type: StreamFrameType, state: VerdictState): FrameSource {
  const { peer, id } = s;
  switch (type) {
    case 'DATA': return peer.data(id, 'x');
    case 'HEADERS':
      // A server receives a request (idle) or trailers; a client receives a response.
      if (s.role === 'server') return state === 'idle' ? peer.headers(id).get('/').endStream() : peer.headers(id).fields([['x-trailer', '1']]).endStream();
      return peer.headers(id).response(200);
    case 'PRIORITY': return peer.priority(id).dependsOn(0).weight(20);
    case 'RST_STREAM': return peer.rst(id).cancel();
    case 'WINDOW_UPDATE': return peer.windowUpdate(id, 1);
    case 'PUSH_PROMISE': return peer.pushPromise(id, 10).get('/promised');
  }
}

function expectedOutput(verdict: Verdict, type: StreamFrameType, id: number): (out: string[]) => boolean {
  if (verdict === 'ok' || verdict === 'ignore') {
    if (type === 'PUSH_PROMISE' && verdict === 'ignore') return (out) => out.length === 1 && out[0] === 'RST_STREAM(10,CANCEL)';
    return (out) => !out.some((f) => f.startsWith('GOAWAY') || f.startsWith('RST_STREAM'));
  }
  if (verdict === SC) return (out) => out.length === 1 && out[0] === `RST_STREAM(${id},STREAM_CLOSED)`;
  const code = verdict.slice('connection:'.length);
  return (out) => out.length === 1 && out[0]!.startsWith('GOAWAY(') && out[0]!.endsWith(`,${code})`);
}

for (const state of Object.keys(RFC) as VerdictState[]) {
  for (const type of TYPES) {
    // PUSH_PROMISE is only ever received by clients (a server answers any with PROTOCOL_ERROR,
    // tested in push-priority.test.ts); reserved (local) exists only on the pushing side, the server.
    const useClient = type === 'PUSH_PROMISE' || state === 'reserved-remote';
    if (useClient && state === 'reserved-local') continue;
    const verdict = RFC[state][TYPES.indexOf(type)]!;
    test(`${state} × ${type} → ${verdict}`, () => {
      const setup = useClient ? clientIn(state) : serverIn(state);
      const events = setup.conn.receive(setup.peer.bytes(frameFor(setup, type, state)));
      const out = summarize(setup.peer, setup.conn.takeOutput()).filter((f) => !f.startsWith('WINDOW_UPDATE(0,'));
      assert.ok(expectedOutput(verdict, type, setup.id)(out), `engine wrote ${JSON.stringify(out)}; events ${events.map((e) => e.type).join(',')}`);
      if (verdict === 'ok' && type === 'PUSH_PROMISE') assert.ok(events.some((e) => e.type === 'push-promise-received'));
    });
  }
}

// RFC 9113 §6.9: an increment of 0 is a stream error PROTOCOL_ERROR — on a stream where the
// WINDOW_UPDATE counts. Elsewhere the state decides first: a connection error on idle and
// reserved (remote) streams, nothing at all on closed ones (§6.9: a WINDOW_UPDATE on a closed
// stream is not an error; §5.1: nothing but PRIORITY is sent on a closed stream).
for (const state of Object.keys(RFC) as VerdictState[]) {
  const verdict = RFC[state][TYPES.indexOf('WINDOW_UPDATE')]!;
  const expected = verdict === 'ok' ? 'RST_STREAM(PROTOCOL_ERROR)' : verdict === 'ignore' ? 'nothing' : verdict;
  test(`${state} × WINDOW_UPDATE with increment 0 → ${expected}`, () => {
    const setup = state === 'reserved-remote' ? clientIn(state) : serverIn(state);
    const window = setup.conn.streamSendWindow(setup.id);
    const events = setup.conn.receive(setup.peer.bytes(setup.peer.windowUpdate(setup.id, 0)));
    const out = summarize(setup.peer, setup.conn.takeOutput()).filter((f) => !f.startsWith('WINDOW_UPDATE(0,'));
    if (verdict === 'ok') {
      assert.deepEqual(out, [`RST_STREAM(${setup.id},PROTOCOL_ERROR)`]);
      assert.deepEqual(events.map((e) => e.type), ['stream-reset']);
    } else {
      assert.ok(expectedOutput(verdict, 'WINDOW_UPDATE', setup.id)(out), `engine wrote ${JSON.stringify(out)}`);
      if (verdict === 'ignore') assert.deepEqual(events, []);
    }
    if (verdict === 'ignore') assert.equal(setup.conn.streamSendWindow(setup.id), window);
  });
}

test('WINDOW_UPDATE with increment 0 on a closed stream the engine has forgotten is ignored too', () => {
  const conn = new H2Connection({ role: 'server', maxClosedStreams: 1 });
  const peer = new FramePeer();
  conn.receive(peer.bytes(peer.preface(), peer.settings(), peer.settingsAck()));
  for (const id of [1, 3, 5]) {
    conn.receive(peer.bytes(peer.headers(id).get('/').endStream()));
    conn.sendHeaders(id, [[':status', '204']], { endStream: true });
  }
  conn.takeOutput();
  const events = conn.receive(peer.bytes(peer.windowUpdate(1, 0), peer.windowUpdate(3, 0), peer.windowUpdate(5, 0)));
  assert.deepEqual(events, []);
  assert.deepEqual(summarize(peer, conn.takeOutput()), []);
  assert.equal(conn.isTerminated, false);
});
