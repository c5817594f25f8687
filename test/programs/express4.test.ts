// Express 4 under `node -r trama/register`, compared with the same program on node:http:
// routing, JSON / urlencoded bodies, streaming, sendFile (HEAD, conditional), redirects,
// cookies, errors, pipelined keep-alive, a client going away mid-response, supertest (and its
// cookie-keeping agent), graceful close with a keep-alive client.
import { compareProgram } from './run-program.js';
import { SCENARIOS } from './express-scenarios.js';

compareProgram({ title: 'Express 4', fixture: 'express-app.cjs', args: ['express4'], modes: ['register'], scenarios: SCENARIOS });
