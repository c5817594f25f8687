// The wire pieces src/ws/ uses, in one import.
export * from '../wire/ws/index.js';
export { STATUS_CODES } from '../wire/shared/index.js';
