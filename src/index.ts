/**
 * trama — a complete HTTP stack for Node.js. The public entry: the node:http API and more.
 */
export { METHODS, STATUS_CODES, validateHeaderName, validateHeaderValue } from './wire/shared/index.js';
