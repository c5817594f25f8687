/**
 * `trama get -w FORMAT` (curl's `--write-out`): after the transfer, FORMAT is written to stdout
 * with `%{variable}`s replaced by what the transfer measured.
 *
 * Format rules, as curl 7.88 applies them: `%{name}` is a variable, `%%` a percent sign, `\n`,
 * `\r`, `\t` a newline, carriage return, tab (any other backslash stays as typed); `%{stdout}`
 * and `%{stderr}` switch where the rest goes; `@file` reads the format from a file (`@-` stdin).
 * An unknown variable prints nothing in its place and one warning line on stderr (even with
 * `-s`, as curl). It is written whether the transfer succeeded or not (then `http_code` is 000).
 *
 * Times are seconds since the command started (curl's "from the start"), with six decimals;
 * with `-L` they span every request, `time_redirect` is the part spent before the last one.
 */

/** What one run measured; times in ms since the start, `undefined` when the step did not happen. */
export interface TransferStats {
  httpCode: number;
  httpVersion: string;
  method: string;
  urlEffective: string;
  /** The Location of the last response when it was not followed. */
  redirectUrl: string;
  contentType: string;
  numRedirects: number;
  numConnects: number;
  /** Body bytes received for the last response, as they came off the wire (before decoding). */
  sizeDownload: number;
  /** Bytes of every response head received. */
  sizeHeader: number;
  /** Bytes of every request head and body sent. */
  sizeRequest: number;
  sizeUpload: number;
  remoteIp: string;
  remotePort: number | undefined;
  localIp: string;
  localPort: number | undefined;
  timeNamelookup: number | undefined;
  timeConnect: number | undefined;
  timeAppconnect: number | undefined;
  timePretransfer: number | undefined;
  timeStarttransfer: number | undefined;
  timeRedirect: number | undefined;
  timeTotal: number;
  exitCode: number;
  errorMessage: string;
  filenameEffective: string;
}

/**
 * Empty stats (nothing happened yet).
 *
 * @example
 * const stats = emptyStats('GET', 'http://127.0.0.1/');
 */
export function emptyStats(method: string, url: string): TransferStats {
  return {
    httpCode: 0,
    httpVersion: '0',
    method,
    urlEffective: url,
    redirectUrl: '',
    contentType: '',
    numRedirects: 0,
    numConnects: 0,
    sizeDownload: 0,
    sizeHeader: 0,
    sizeRequest: 0,
    sizeUpload: 0,
    remoteIp: '',
    remotePort: undefined,
    localIp: '',
    localPort: undefined,
    timeNamelookup: undefined,
    timeConnect: undefined,
    timeAppconnect: undefined,
    timePretransfer: undefined,
    timeStarttransfer: undefined,
    timeRedirect: undefined,
    timeTotal: 0,
    exitCode: 0,
    errorMessage: '',
    filenameEffective: '',
  };
}

const seconds = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(6);

/** Each variable and how it is printed. */
const VARIABLES: Readonly<Record<string, (s: TransferStats) => string>> = {
  http_code: (s) => String(s.httpCode).padStart(3, '0'),
  response_code: (s) => String(s.httpCode).padStart(3, '0'),
  http_version: (s) => s.httpVersion,
  method: (s) => s.method,
  url: (s) => s.urlEffective,
  url_effective: (s) => s.urlEffective,
  redirect_url: (s) => s.redirectUrl,
  content_type: (s) => s.contentType,
  num_redirects: (s) => String(s.numRedirects),
  num_connects: (s) => String(s.numConnects),
  size_download: (s) => String(s.sizeDownload),
  size_header: (s) => String(s.sizeHeader),
  size_request: (s) => String(s.sizeRequest),
  size_upload: (s) => String(s.sizeUpload),
  speed_download: (s) => String(s.timeTotal > 0 ? Math.round(s.sizeDownload / (s.timeTotal / 1000)) : 0),
  speed_upload: (s) => String(s.timeTotal > 0 ? Math.round(s.sizeUpload / (s.timeTotal / 1000)) : 0),
  remote_ip: (s) => s.remoteIp,
  remote_port: (s) => (s.remotePort === undefined ? '0' : String(s.remotePort)),
  local_ip: (s) => s.localIp,
  local_port: (s) => (s.localPort === undefined ? '0' : String(s.localPort)),
  scheme: (s) => (/^https:/i.test(s.urlEffective) ? 'HTTPS' : 'HTTP'),
  time_namelookup: (s) => seconds(s.timeNamelookup),
  time_connect: (s) => seconds(s.timeConnect),
  time_appconnect: (s) => seconds(s.timeAppconnect),
  time_pretransfer: (s) => seconds(s.timePretransfer),
  time_starttransfer: (s) => seconds(s.timeStarttransfer),
  time_redirect: (s) => seconds(s.timeRedirect),
  time_total: (s) => seconds(s.timeTotal),
  exitcode: (s) => String(s.exitCode),
  errormsg: (s) => s.errorMessage,
  filename_effective: (s) => s.filenameEffective,
};

/** The variable names `-w` knows, for `--help` and tests. */
export const WRITE_OUT_VARIABLES: readonly string[] = Object.keys(VARIABLES);

/** Where formatted text goes: curl's `%{stdout}`/`%{stderr}` switch between the two. */
export interface WriteOutTargets {
  stdout(text: string): void;
  stderr(text: string): void;
  /** One warning line for an unknown variable. */
  warn(message: string): void;
}

/**
 * Expand `format` with `stats` and write it out.
 *
 * @example
 * writeOut('%{http_code} %{time_total}\n', stats, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), warn: console.error });
 */
export function writeOut(format: string, stats: TransferStats, to: WriteOutTargets): void {
  let target: 'stdout' | 'stderr' = 'stdout';
  let text = '';
  const flush = (): void => {
    if (text !== '') to[target](text);
    text = '';
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '%' && format[i + 1] === '%') {
      text += '%';
      i++;
    } else if (c === '%' && format[i + 1] === '{') {
      const end = format.indexOf('}', i + 2);
      if (end === -1) {
        text += format.slice(i);
        break;
      }
      const name = format.slice(i + 2, end);
      i = end;
      if (name === 'stdout' || name === 'stderr') {
        flush();
        target = name;
      } else {
        const fn = VARIABLES[name];
        if (fn === undefined) to.warn(`unknown --write-out variable: '${name}'`);
        else text += fn(stats);
      }
    } else if (c === '\\' && (format[i + 1] === 'n' || format[i + 1] === 'r' || format[i + 1] === 't')) {
      const e = format[++i];
      text += e === 'n' ? '\n' : e === 'r' ? '\r' : '\t';
    } else {
      text += c;
    }
  }
  flush();
}
