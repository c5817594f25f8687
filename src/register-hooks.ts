/**
 * The ES module hooks `trama/register` installs with `module.register()`. They run on node's
 * hooks thread, away from the program's objects, so they never build a module themselves:
 * `node:http` (and `http`) resolve to a `trama:` URL whose generated source fetches the one
 * module object from the main thread's CommonJS cache (register-modules.js), the object
 * `require('http')` returns too. Likewise an `import` of trama's ESM build is answered with the
 * CommonJS build the http object was made from: one set of classes per process, so Express's
 * `http.ServerResponse.prototype` is the prototype of the responses `trama.createServer()` makes.
 */

/** What register.ts hands to `initialize` (structured-cloned to the hooks thread). */
export interface RegisterHooksData {
  /** Built-in name (`http`) → the export names of its ESM view. */
  builtins: Record<string, string[]>;
  /** Absolute path of the CommonJS register-modules.js (the module objects live there). */
  modulesPath: string;
  /** file: URL of trama's ESM entry, answered with the CommonJS entry instead. */
  esmIndexUrl: string;
  /** Absolute path of the CommonJS entry, and its export names. */
  cjsIndexPath: string;
  cjsIndexNames: string[];
  /** file: URL prefix of trama's own files: their imports are never redirected. */
  ownUrlPrefix: string;
}

interface ResolveContext {
  parentURL?: string | undefined;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<{ url: string; format?: string | null }>;
type NextLoad = (url: string, context?: unknown) => Promise<unknown>;

const SCHEME = 'trama:';
const BUILTIN_PREFIX = `${SCHEME}builtin/`;
const ENTRY_URL = `${SCHEME}entry/index`;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

let data: RegisterHooksData | undefined;

export function initialize(d: RegisterHooksData): void {
  data = d;
}

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<unknown> {
  if (data !== undefined && !(context.parentURL ?? '').startsWith(data.ownUrlPrefix)) {
    const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
    if (Object.hasOwn(data.builtins, name)) return { url: BUILTIN_PREFIX + name, shortCircuit: true };
    const resolved = await nextResolve(specifier, context);
    if (resolved.url === data.esmIndexUrl) return { url: ENTRY_URL, shortCircuit: true };
    return resolved;
  }
  return nextResolve(specifier, context);
}

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<unknown> {
  if (data !== undefined && url.startsWith(SCHEME)) {
    if (url.startsWith(BUILTIN_PREFIX)) {
      const name = url.slice(BUILTIN_PREFIX.length);
      const names = data.builtins[name];
      if (names !== undefined) {
        const source = view(`reg.redirectedModule(${JSON.stringify(name)})`, names, true);
        return { format: 'module', source, shortCircuit: true };
      }
    } else if (url === ENTRY_URL) {
      const source = view(`require(${JSON.stringify(data.cjsIndexPath)})`, data.cjsIndexNames, false);
      return { format: 'module', source, shortCircuit: true };
    }
  }
  return nextLoad(url, context);
}

/**
 * An ES module exposing `moduleExpr`'s properties as named exports (copies refreshed by
 * `syncBuiltinESMExports()`, as node's built-in views), and the object itself as default.
 */
function view(moduleExpr: string, names: string[], withDefault: boolean): string {
  const ids = names.filter((n) => n !== 'default' && IDENTIFIER.test(n));
  const modulesPath = JSON.stringify(data!.modulesPath);
  return [
    `import { createRequire } from 'node:module';`,
    `const require = createRequire(${modulesPath});`,
    `const reg = require(${modulesPath});`,
    `const m = ${moduleExpr};`,
    withDefault ? `export default m;` : '',
    ids.length ? `export let ${ids.map((n) => `${n} = m.${n}`).join(', ')};` : '',
    `reg.addEsmView(() => { ${ids.map((n) => `${n} = m.${n};`).join(' ')} });`,
  ].join('\n');
}
