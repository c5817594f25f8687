/**
 * `trama/register`: one switch that makes a whole program use trama as its `http` module.
 *
 *   node --import trama/register app.js     (ES module or CommonJS app)
 *   node -r trama/register app.js           (same, from the CommonJS preload)
 *   import 'trama/register' / require('trama/register') first thing (see README for what an
 *     ES module's own static imports see)
 *
 * Afterwards `require('http')`, `require('node:http')`, `import … from 'node:http'` (default and
 * named), `import('http')` and `process.getBuiltinModule('http')` return one and the same object
 * (register-modules.ts). A program switches as a whole, not class by class: frameworks build
 * their `req`/`res` on `http.IncomingMessage.prototype` / `http.ServerResponse.prototype`, so
 * node's methods would otherwise run against trama's objects (DESIGN.md, compatibility contract).
 *
 * Built once, as CommonJS; the ES module entry (dist/esm/register.js, written by the build) only
 * loads this file: the module objects must exist once per process, and an ES module build of
 * them would make a second set of classes.
 */
import * as nodeModule from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { redirectedModule, redirectedModules, syncEsmViews } from './register-modules.js';
import type { RegisterHooksData } from './register-hooks.js';

/**
 * `require('node:module')` itself (the `Module` class), with the CommonJS loader's internal we
 * hook: `Module._load(request, parent, isMain)`, which every `require()` goes through.
 */
interface ModuleInternals {
  _load(request: string, parent: { filename?: string | null } | null | undefined, isMain: boolean): unknown;
  syncBuiltinESMExports(): void;
}
// The namespace object TypeScript builds for `import * as` is read-only; patch the real one.
const Module = nodeModule.Module as unknown as ModuleInternals;

const ownDir = __dirname; // dist/cjs
const distDir = dirname(ownDir);

function fromTrama(filename: string | null | undefined): boolean {
  return typeof filename === 'string' && filename.startsWith(distDir);
}

function install(): void {
  // node's export names, read before anything is redirected: an ESM view exports every one of
  // them (a name trama lacks is undefined rather than a link error in the importing program).
  const builtins: Record<string, string[]> = {};
  for (const [name, mod] of redirectedModules) {
    const nodeNames = Object.keys(nodeModule.createRequire(__filename)(`node:${name}`) as object);
    builtins[name] = [...new Set([...nodeNames, ...Object.keys(mod)])];
  }

  // CommonJS: every require() goes through Module._load.
  const load = Module._load;
  Module._load = function (this: unknown, request: string, parent, isMain) {
    const mod = typeof request === 'string' ? redirectedModule(request) : undefined;
    if (mod !== undefined && !fromTrama(parent?.filename)) return mod;
    return load.call(this, request, parent, isMain);
  };

  // process.getBuiltinModule (node ≥ 20.16).
  const proc = process as unknown as { getBuiltinModule?: (id: string) => unknown };
  const getBuiltinModule = proc.getBuiltinModule;
  if (typeof getBuiltinModule === 'function') {
    proc.getBuiltinModule = function (this: unknown, id: string) {
      return (typeof id === 'string' ? redirectedModule(id) : undefined) ?? getBuiltinModule.call(this, id);
    };
  }

  // module.syncBuiltinESMExports() refreshes our ESM views too.
  const sync = Module.syncBuiltinESMExports;
  Module.syncBuiltinESMExports = function () {
    sync.call(Module);
    syncEsmViews();
  };
  // node:module's own ESM view may exist already (our ES module entry imports it): refresh it so
  // `import { syncBuiltinESMExports } from 'node:module'` is the wrapped one.
  sync.call(Module);

  // ES modules: resolve/load hooks on node's hooks thread (register-hooks.ts).
  const cjsIndexPath = join(ownDir, 'index.js');
  const cjsIndex = nodeModule.createRequire(__filename)(cjsIndexPath) as object;
  const data: RegisterHooksData = {
    builtins,
    modulesPath: join(ownDir, 'register-modules.js'),
    esmIndexUrl: pathToFileURL(join(distDir, 'esm', 'index.js')).href,
    cjsIndexPath,
    cjsIndexNames: Object.keys(cjsIndex).filter((n) => n !== '__esModule'),
    ownUrlPrefix: pathToFileURL(distDir).href + '/',
  };
  nodeModule.register(pathToFileURL(join(ownDir, 'register-hooks.js')), { data });
}

// Once per process, even when both `-r` and `--import` name it (the CommonJS cache already
// guarantees this for one file; the flag covers a second copy of the package).
const INSTALLED = Symbol.for('trama.register.installed');
const g = globalThis as { [INSTALLED]?: boolean };
if (g[INSTALLED] !== true) {
  g[INSTALLED] = true;
  install();
}
