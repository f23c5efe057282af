/** What the core may say while it works; the CLI decides how (colour, TTY, JSON lines, quiet). */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** Transient status ("listed 12,000 assets"): rewritten in place on a TTY, throttled lines elsewhere. */
  progress(message: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {}, progress() {} };
