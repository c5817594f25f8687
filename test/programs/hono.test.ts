// Hono with @hono/node-server (an ES module program) under `trama/register` (--import) and
// with createAdaptorServer({ createServer: trama.createServer }), compared with the same program
// on node:http: routes, JSON bodies, text with a status and headers, streaming, errors, HEAD,
// and a client going away (the request's AbortSignal fires).
import { compareProgram } from './run-program.js';

compareProgram({
  title: 'Hono',
  fixture: 'hono-app.mjs',
  modes: ['import', 'direct'],
  scenarios: ['route', 'notFound', 'json', 'text', 'stream', 'error', 'head', 'clientAbort'],
});
