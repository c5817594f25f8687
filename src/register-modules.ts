/**
 * The module objects `trama/register` hands out in place of node's built-in modules.
 *
 * Shape, as node's (programs and interceptors rely on it):
 * - plain writable, enumerable data properties, in node:http's key order: `http.request = …`,
 *   `http.get = …` (nock and other interceptors patch them) just replace the value;
 * - `globalAgent` is an accessor as in node: assigning it changes the pool `request()` uses
 *   by default.
 * One object per process: `require('http')`, `import … from 'node:http'`, `import()` and
 * `process.getBuiltinModule('http')` all get this very object, so a patch made through one is
 * seen through the others.
 */
import { METHODS, STATUS_CODES, validateHeaderName, validateHeaderValue } from './wire/shared/index.js';
import { request, get, ClientRequest } from './http/client-request.js';
import { Agent, globalAgent, setGlobalAgent } from './http/agent.js';
import { createServer, Server, IncomingMessage, OutgoingMessage, ServerResponse, maxHeaderSize, setMaxIdleHTTPParsers } from './http/index.js';
import * as https from './https.js';
import { setGlobalHttpsAgent, type HttpsAgent } from './http/agent.js';

/** A module object as `require()` returns it. */
export type ModuleObject = Record<string, unknown>;

function createHttpModule(): ModuleObject {
  const http: ModuleObject = {
    METHODS,
    STATUS_CODES,
    Agent,
    ClientRequest,
    IncomingMessage,
    OutgoingMessage,
    Server,
    ServerResponse,
    createServer,
    validateHeaderName,
    validateHeaderValue,
    get,
    request,
    setMaxIdleHTTPParsers,
    maxHeaderSize,
  };
  Object.defineProperty(http, 'globalAgent', {
    configurable: true,
    enumerable: true,
    get: () => globalAgent,
    set: (agent: Agent) => setGlobalAgent(agent),
  });
  return http;
}

/** The object handed out as `http` / `node:http`. */
export const httpModule: ModuleObject = createHttpModule();

/**
 * The object handed out as `https` / `node:https`: node:https's names and order, plain data
 * properties (node's `globalAgent` there is one too).
 */
export const httpsModule: ModuleObject = {
  Agent: https.Agent,
  globalAgent: undefined,
  Server: https.Server,
  createServer: https.createServer,
  get: https.get,
  request: https.request,
};
// Assigning `https.globalAgent` changes the pool https.request() uses, as on node (which reads the
// module's property per request): an accessor in node's key position.
Object.defineProperty(httpsModule, 'globalAgent', {
  configurable: true,
  enumerable: true,
  get: () => https.globalAgent,
  set: (agent: HttpsAgent) => setGlobalHttpsAgent(agent),
});

/**
 * Built-in module name → trama's replacement. Only modules trama implements server and client
 * side are redirected: `http2` keeps node's until trama has a node:http2-shaped module, then it
 * is one line here.
 */
export const redirectedModules: ReadonlyMap<string, ModuleObject> = new Map<string, ModuleObject>([
  ['http', httpModule],
  ['https', httpsModule],
  // ['http2', http2Module],
]);

/**
 * The replacement for a `require()`/`import` specifier (`http` or `node:http`), or undefined when
 * node's own module is meant.
 */
export function redirectedModule(specifier: string): ModuleObject | undefined {
  return redirectedModules.get(specifier.startsWith('node:') ? specifier.slice(5) : specifier);
}

// The ESM views (`import { request } from 'node:http'`) hold copies of the values, as node's
// built-in ESM views do; `module.syncBuiltinESMExports()` refreshes them (register.ts wraps it).
const esmViewUpdaters: Array<() => void> = [];

/** Called by each generated ESM view of a redirected module, with its refresh function. */
export function addEsmView(update: () => void): void {
  esmViewUpdaters.push(update);
}

/** Refresh every ESM view from its module object. */
export function syncEsmViews(): void {
  for (const update of esmViewUpdaters) update();
}
