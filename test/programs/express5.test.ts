// Express 5 under `node --import trama/register`, compared with the same program on node:http
// (the scenarios of express4.test.ts).
import { compareProgram } from './run-program.js';
import { SCENARIOS } from './express-scenarios.js';

compareProgram({ title: 'Express 5', fixture: 'express-app.cjs', args: ['express'], modes: ['import'], scenarios: SCENARIOS });
