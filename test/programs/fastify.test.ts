// Fastify under `trama/register` (its own require('http') server) and with trama passed through
// serverFactory, compared with the same program on node:http: routes, JSON bodies with a schema,
// streamed replies, thrown errors, onRequestAbort when the client goes away, inject()
// (light-my-request builds its ServerResponse with .call(this)), light-my-request on a bare
// handler, close().
import { compareProgram } from './run-program.js';

const SCENARIOS = ['route', 'notFound', 'json', 'schemaError', 'stream', 'thrown', 'inject', 'injectPost', 'injectStream', 'lightMyRequest', 'close', 'clientAbort'];

compareProgram({ title: 'Fastify', fixture: 'fastify-app.cjs', modes: ['register'], scenarios: SCENARIOS });
compareProgram({ title: 'Fastify serverFactory', fixture: 'fastify-app.cjs', args: ['factory'], modes: ['direct'], scenarios: SCENARIOS });
