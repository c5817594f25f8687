/** The HTTP/1.1 wire engine: parser, serializer and their contract. */
export {
  H1Parser,
  H1ParseError,
  DEFAULT_MAX_HEADER_SIZE,
  DEFAULT_MAX_HEADER_COUNT,
  DEFAULT_MAX_CHUNK_EXTENSIONS_SIZE,
} from './parser.js';
export type { H1ParserExtraOptions } from './parser.js';
export {
  serializeResponseHead,
  serializeRequestHead,
  responseHeadString,
  requestHeadString,
  chunkHeader,
  serializeTrailers,
  statusLine,
  requestLine,
  fieldLine,
  lastChunk,
  LAST_CHUNK,
  CRLF,
} from './serializer.js';
export type {
  H1Role,
  H1ParserOptions,
  H1Head,
  H1BodyDirective,
  H1Handler,
  HpeCode,
  H1ParserLike,
  H1ParseErrorLike,
} from './types.js';
