/**
 * The `trama` command: `trama serve [dir]` and `trama get URL`.
 *
 * `bin/trama.js` imports {@link main} from the ESM build and exits with the code it resolves.
 * Every failure is one line on stderr, `trama: <what went wrong>`, and an exit code: 2 for a
 * command-line mistake (curl's "failed to parse command line"), curl's codes for `get`
 * (docs/cli.md lists them), 1 for anything else.
 */
import { oneLine, UsageError } from './args.js';
import { getCommand, GET_USAGE } from './get/get-command.js';
import { SERVE_USAGE, serveCommand, type CommandIo } from './serve/serve-command.js';

/** What the launcher passes in. */
export interface MainOptions {
  /** The package version (the launcher reads package.json; src/ cannot use import.meta). */
  readonly version: string;
  readonly stdout?: CommandIo['stdout'] & { isTTY?: boolean };
  readonly stderr?: CommandIo['stderr'] & { isTTY?: boolean; columns?: number };
}

/** Exit code of a command-line mistake. */
export const EXIT_USAGE = 2;

/** Top-level help. */
export const USAGE = `Usage: trama <command> [options]

Commands:
  serve [dir]   serve a folder over HTTP/1.1 (try: trama serve --help)
  get URL       fetch a URL, curl-style (try: trama get --help)

Options:
  -h, --help     this help
  -V, --version  print the version
`;

/**
 * Run the command line `argv` (without `node` and the script). Resolves with the exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), { version: '0.1.0' });
 */
export async function main(argv: readonly string[], options: MainOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        stderr.write(USAGE);
        return EXIT_USAGE;
      case '-h':
      case '--help':
      case 'help':
        if (rest[0] === 'serve') stdout.write(SERVE_USAGE);
        else if (rest[0] === 'get') stdout.write(GET_USAGE);
        else stdout.write(USAGE);
        return 0;
      case '-V':
      case '--version':
      case 'version':
        stdout.write(`trama ${options.version}\n`);
        return 0;
      case 'serve':
        return await serveCommand(rest, { stdout, stderr });
      case 'get':
        return await getCommand(rest, { stdout, stderr, version: options.version });
      default:
        throw new UsageError(`unknown command "${command}" (commands: serve, get; see trama --help)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write(`trama: ${oneLine(err.message)}\n`);
      return EXIT_USAGE;
    }
    stderr.write(`trama: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  }
}
