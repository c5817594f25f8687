// An upgraded socket stays a fast-properties object on both ends (trama's HTTP/1.1 server and
// client put their own `push`/`destroy`/`end`/driver fields back by assignment, never `delete`):
// a dictionary-mode socket costs ~1.4 KB more per idle WebSocket and slows every later field read.
// V8's %HasFastProperties is only reachable with --allow-natives-syntax, hence the child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WS_INDEX = fileURLToPath(new URL('../../src/ws/index.js', import.meta.url));

const SCRIPT = `
const fast = new Function('o', 'return %HasFastProperties(o)');
const { WebSocket, WebSocketServer } = await import(${JSON.stringify(WS_INDEX)});
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
await new Promise((r) => wss.on('listening', r));
const conn = new Promise((r) => wss.on('connection', r));
const ws = new WebSocket('ws://127.0.0.1:' + wss.address().port + '/');
await new Promise((r) => (ws.onopen = r));
const sws = await conn;
ws.send('x');
await new Promise((r) => sws.on('message', r));
console.log(JSON.stringify({ client: fast(ws.stream), server: fast(sws.stream) }));
ws.close();
wss.close();
`;

test('upgraded sockets keep fast properties on the server and the client', () => {
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', SCRIPT], { encoding: 'utf8', timeout: 20_000 });
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), { client: true, server: true });
});
