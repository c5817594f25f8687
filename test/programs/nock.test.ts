// nock intercepting a program's requests under `trama/register` (-r, --import), compared with the
// same program on node:http: mocked replies (nock builds them with the http module's
// IncomingMessage and ServerResponse, so trama's answer a hand-made request as node's do),
// a body-matched POST, an error reply, net connect disabled, pass-through to a real server,
// and a patch of require('http').request seen by an ES module importer and getBuiltinModule.
import { compareProgram } from './run-program.js';

compareProgram({
  title: 'nock',
  fixture: 'nock-app.cjs',
  modes: ['register', 'import'],
  scenarios: ['reply', 'get', 'postBody', 'replyWithError', 'netConnectDisabled', 'passThrough', 'patchSeenByImport'],
});
