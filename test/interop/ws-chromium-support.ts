// Shared by the Chromium WebSocket tests (HTTP/1.1 and HTTP/2): the echo the pages talk to, and
// the browser launch.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:net';
import type { WebSocket } from '../../src/ws/index.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Echo every message; 'close me' is answered by a close with 4002 and a reason the page checks. */
export function echoUntilCloseMe(ws: WebSocket): void {
  ws.on('message', (d: Buffer, bin: boolean) => {
    if (!bin && d.toString() === 'close me') ws.close(4002, 'bye browser');
    else ws.send(d, { binary: bin });
  });
}

/** Listen on 127.0.0.1, then launch Chromium; the port and the browser. */
export async function listenAndLaunch(server: Server): Promise<{ port: number; browser: import('playwright-core').Browser }> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu', '--no-first-run'],
  });
  return { port, browser };
}

/**
 * A page that opens `sockets` WebSockets to `/echo` (`ws:` or `wss:`) offering 'chat', sends a
 * short text, two 35 000-character texts (permessage-deflate with context takeover) and a binary,
 * checks each echo, then asks the server to close: `window.log[n]` is socket n's story.
 */
export function echoPage(scheme: 'ws' | 'wss', sockets: number): string {
  return `<!doctype html><meta charset="utf-8"><title>ws</title><script>
window.log = Array.from({ length: ${sockets} }, () => []);
const big = 'ação ✓ '.repeat(5000);
for (let n = 0; n < ${sockets}; n++) {
  const log = window.log[n];
  const ws = new WebSocket('${scheme}://' + location.host + '/echo?n=' + n, ['chat']);
  ws.binaryType = 'arraybuffer';
  const steps = ['hello ' + n, big, big + n, new Uint8Array([1, 2, 3, 250, n])];
  let i = 0;
  ws.onopen = () => { log.push('open ' + ws.protocol + ' ' + ws.extensions); ws.send(steps[0]); };
  ws.onmessage = (e) => {
    const d = e.data;
    log.push(typeof d === 'string' ? 'text ' + d.length + ' ' + (d === steps[i]) : 'binary ' + Array.from(new Uint8Array(d)).join(','));
    i++;
    if (i < steps.length) ws.send(steps[i]); else ws.send('close me');
  };
  ws.onclose = (e) => log.push('close ' + e.code + ' ' + e.reason + ' ' + e.wasClean);
  ws.onerror = () => log.push('error');
}
</script>`;
}

/** What `window.log[n]` of {@link echoPage} holds when all went well. */
export function expectedLog(n: number): string[] {
  return ['open chat permessage-deflate', 'text 7 true', 'text 35000 true', 'text 35001 true', `binary 1,2,3,250,${n}`, 'close 4002 bye browser true'];
}
