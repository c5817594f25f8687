/**
 * The package version, for what trama sends about itself (`User-Agent: trama/VERSION`).
 * src/ is compiled to ESM and CommonJS, so it cannot read package.json through import.meta;
 * test/cli/units.test.ts checks this constant against package.json.
 */
export const VERSION = '0.1.0';

/** The User-Agent trama's own clients send by default (EventSource; `trama get` says the same). */
export const USER_AGENT = `trama/${VERSION}`;
