import type { PcmFormat } from "../format.js";

/** Where drift correction goes: the resampler, someone reading `driftRatio` (a sink's clock), or nowhere. */
export type DriftControl = "resample" | "external" | "off";

/** Tuning of the playout buffer. */
export interface PlayoutOptions {
  /** How long each packet waits before it plays, ms: the latency added and the lateness absorbed. */
  readonly targetMs: number;
  /** Hard cap, ms: above this much audio buffered, the oldest is dropped. */
  readonly maxMs: number;
  /** The sink's format: everything is converted to it. */
  readonly format: PcmFormat;
  /** Where drift correction goes (default "resample"). */
  readonly driftControl?: DriftControl;
  /** A dry spell longer than this, ms, is a discontinuity rather than an underrun (default 100). */
  readonly gapMs?: number;
}

/** Default buffering: 40 ms target. */
export const defaultPlayout = { targetMs: 40, maxMs: defaultMaxMs(40) } as const;

/** The hard cap for a target when none is given: 10 % above it plus 60 ms of burst room. */
export function defaultMaxMs(targetMs: number): number {
  return Math.round(targetMs * 1.1 + 60);
}
