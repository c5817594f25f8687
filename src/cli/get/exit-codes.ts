/**
 * curl's exit codes, for `trama get`, and the mapping from the errors node:net, node:tls,
 * node:dns and the HTTP client raise to one code and one clear line.
 *
 * Scripts written for curl test these numbers (`curl -f … || …`, `[ $? -eq 28 ]`), so the
 * same failure gets the same number. The message follows curl's wording where it has one.
 */

/** The codes `trama get` exits with (curl's numbering, `man curl`, "EXIT CODES"). */
export const ExitCode = {
  OK: 0,
  /** Any other failure (curl uses 1 for "unsupported protocol" and generic errors alike). */
  FAILED: 1,
  UNSUPPORTED_PROTOCOL: 1,
  USAGE: 2,
  URL_MALFORMED: 3,
  COULDNT_RESOLVE_HOST: 6,
  COULDNT_CONNECT: 7,
  WEIRD_SERVER_REPLY: 8,
  PARTIAL_FILE: 18,
  HTTP_RETURNED_ERROR: 22,
  WRITE_ERROR: 23,
  READ_ERROR: 26,
  OPERATION_TIMEDOUT: 28,
  SSL_CONNECT_ERROR: 35,
  TOO_MANY_REDIRECTS: 47,
  GOT_NOTHING: 52,
  SEND_ERROR: 55,
  RECV_ERROR: 56,
  PEER_FAILED_VERIFICATION: 60,
  BAD_CONTENT_ENCODING: 61,
  /** The `--cacert` file could not be read. */
  SSL_CACERT_BADFILE: 77,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A failure of `trama get` with its exit code; the message is the one line shown.
 *
 * @example
 * throw new GetError(ExitCode.TOO_MANY_REDIRECTS, 'Maximum (50) redirects followed');
 */
export class GetError extends Error {
  readonly exitCode: ExitCodeValue;
  constructor(exitCode: ExitCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** Where the request was when it failed: decides between "could not connect" and "reset". */
export interface FailureContext {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** The TCP connection was established (or a pooled one reused). */
  readonly connected: boolean;
  /** The TLS handshake completed. */
  readonly secured: boolean;
  /** At least one byte of the response arrived. */
  readonly responseStarted: boolean;
}

// OpenSSL's certificate verification results, as node's tls reports them in `err.code`.
const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Map an error raised while fetching to an exit code and a one-line message.
 *
 * @example
 * classifyError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), ctx);
 * // GetError(7, 'Failed to connect to 127.0.0.1 port 9: Connection refused')
 */
export function classifyError(err: unknown, ctx: FailureContext): GetError {
  if (err instanceof GetError) return err;
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = typeof e?.code === 'string' ? e.code : '';
  const msg = e instanceof Error ? e.message : String(err);
  const where = `${ctx.host} port ${ctx.port}`;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NODATA':
    case 'EAI_NONAME':
      return new GetError(ExitCode.COULDNT_RESOLVE_HOST, `Could not resolve host: ${ctx.host}`, { cause: err });
    case 'ECONNREFUSED':
      return new GetError(ExitCode.COULDNT_CONNECT, `Failed to connect to ${where}: Connection refused`, { cause: err });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'EHOSTDOWN':
      return new GetError(ExitCode.COULDNT_CONNECT, `Failed to connect to ${where}: ${describe(code)}`, { cause: err });
    case 'ETIMEDOUT':
      return new GetError(ExitCode.OPERATION_TIMEDOUT, `Failed to connect to ${where}: Connection timed out`, { cause: err });
    case 'EPIPE':
      return new GetError(ExitCode.SEND_ERROR, `Failed sending data to the peer (${where})`, { cause: err });
  }
  if (CERT_CODES.has(code)) {
    return new GetError(ExitCode.PEER_FAILED_VERIFICATION, `SSL certificate problem: ${msg} (use -k to skip verification)`, { cause: err });
  }
  if (ctx.tls && !ctx.secured) {
    return new GetError(ExitCode.SSL_CONNECT_ERROR, `SSL connect error with ${where}: ${msg}`, { cause: err });
  }
  if (code.startsWith('HPE_') || code === 'ERR_INVALID_HTTP_RESPONSE' || code.startsWith('ERR_TRAMA_PARSE')) {
    return new GetError(ExitCode.WEIRD_SERVER_REPLY, `Weird server reply from ${where}: ${msg}`, { cause: err });
  }
  if (ctx.connected && !ctx.responseStarted && (code === 'ECONNRESET' || msg === 'socket hang up')) {
    return new GetError(ExitCode.GOT_NOTHING, `Empty reply from server (${where})`, { cause: err });
  }
  if (code === 'ECONNRESET') {
    return new GetError(ExitCode.RECV_ERROR, `Recv failure from ${where}: Connection reset by peer`, { cause: err });
  }
  return new GetError(ExitCode.RECV_ERROR, `${msg}${code !== '' ? ` (${code})` : ''} with ${where}`, { cause: err });
}

function describe(code: string): string {
  switch (code) {
    case 'EHOSTUNREACH':
      return 'No route to host';
    case 'ENETUNREACH':
      return 'Network is unreachable';
    case 'EADDRNOTAVAIL':
      return 'Address not available';
    default:
      return 'Host is down';
  }
}
