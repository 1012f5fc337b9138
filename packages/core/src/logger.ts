/** Where phonemic says what it is doing. Messages are single lines meant for a person. */
export interface Logger {
  /** Progress a user wants to see (connected, where audio goes). */
  info(message: string): void;
  /** Something went wrong but phonemic goes on. */
  warn(message: string): void;
  /** Something failed; the caller decides whether to go on. */
  error(message: string): void;
  /** Detail for debugging, hidden unless verbose. */
  debug(message: string): void;
}
export const Logger = Symbol.for("phonemic.Logger");

/** A logger that writes `phonemic: message` lines to stderr; debug only when `verbose`. */
export function consoleLogger(verbose = false): Logger {
  const write = (msg: string) => process.stderr.write(`phonemic: ${msg}\n`);
  return {
    info: write,
    warn: (m) => write(`warning: ${m}`),
    error: (m) => write(`error: ${m}`),
    debug: (m) => {
      if (verbose) write(m);
    },
  };
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };
