export { METHODS } from './methods.js';
export { STATUS_CODES } from './status-codes.js';
export { nodeError, TramaError } from './errors.js';
export type { NodeStyleError } from './errors.js';
export {
  TOKEN,
  FIELD_VALUE,
  isToken,
  hasInvalidFieldValueChar,
  validateHeaderName,
  validateHeaderValue,
  CONNECTION_SPECIFIC_FIELDS,
} from './fields.js';
export { describeReceived, invalidArgType, invalidArgValue } from './arg-errors.js';
