/**
 * `trama/h2`: the HTTP/2 connection engine with no I/O, for proxies, test tools and other
 * runtimes. Feed it bytes, read events, write what `takeOutput()` returns.
 *
 * @example
 * import { H2Connection } from 'trama/h2';
 * const server = new H2Connection({ role: 'server' });
 * socket.on('data', (chunk) => {
 *   for (const e of server.receive(chunk)) {
 *     if (e.type === 'headers-received') {
 *       server.sendHeaders(e.streamId, [[':status', '200'], ['content-type', 'text/plain']]);
 *       server.sendData(e.streamId, 'hello\n', { endStream: true });
 *     }
 *   }
 *   socket.write(server.takeOutput());
 * });
 * socket.write(server.takeOutput()); // our SETTINGS
 */
export * from './wire/h2/index.js';
export type { PrioritySpec, H2Scheduler } from './wire/h2/priority/index.js';
