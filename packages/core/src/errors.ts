/**
 * Typed errors. Compare by `name` (it survives two copies of a package), never by `instanceof`.
 * Every message says what happened; `hint` says what to do about it.
 */
export class PhonemicError extends Error {
  /** What the user can do about it, if anything. */
  readonly hint?: string;

  constructor(name: string, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.hint = options?.hint;
  }
}

/** Stable error names used across packages. */
export const ErrorName = {
  /** A config file or option is invalid. */
  Config: "ConfigError",
  /** A plugin could not be found, loaded or validated. */
  Plugin: "PluginError",
  /** The peer could not be reached (refused, unreachable, timed out). */
  Unreachable: "UnreachableError",
  /** The peer answered, but not with the expected protocol. */
  Protocol: "ProtocolError",
  /** An audio device could not be opened or used. */
  Device: "DeviceError",
  /** A local resource (port, file) is unavailable. */
  Resource: "ResourceError",
  /** The operation was cancelled through an AbortSignal. */
  Aborted: "AbortError",
} as const;

/** True when `err` is an Error with the given stable name. */
export function isError(err: unknown, name: string): err is PhonemicError {
  return err instanceof Error && err.name === name;
}

/** One line for a person: the message, then the hint if there is one. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const hint = (err as PhonemicError).hint;
  return hint ? `${err.message}\n  ${hint.replace(/\n/g, "\n  ")}` : err.message;
}

/** Throws the signal's reason as an AbortError if it is aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new PhonemicError(ErrorName.Aborted, "operation aborted");
}
