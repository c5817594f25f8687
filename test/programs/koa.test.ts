// Koa under `trama/register` (-r) and on trama.createServer(app.callback()) directly,
// compared with the same program on node:http: routing, a JSON body, streamed bodies, thrown
// HTTP errors, redirects, cookies, HEAD, and a client going away mid-stream (Koa destroys the
// body stream on the response's 'close').
import { compareProgram } from './run-program.js';

compareProgram({
  title: 'Koa',
  fixture: 'koa-app.cjs',
  modes: ['register', 'direct'],
  scenarios: ['route', 'notFound', 'json', 'stream', 'httpError', 'redirect', 'cookie', 'head', 'clientAbort'],
});
