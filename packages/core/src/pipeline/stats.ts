/**
 * Counters of one listening run, as `--stats` reports them. Latency is kept in a fixed
 * histogram (0.5 ms bins up to 5 s) so recording a value never allocates.
 */
const BIN_MS = 0.5;
const BINS = 10_000;

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** What `phonemic listen --stats` writes. */
export interface StatsSnapshot {
  /** Frames handed to the sink: audio, concealment and silence. */
  framesWritten: number;
  /** The sink's rate and channels. */
  sampleRate: number;
  channels: number;
  /** Packets delivered by the transport, including late and duplicate ones. */
  packetsReceived: number;
  /** Packets whose turn came while they were absent (lost, or later dropped as late). */
  packetsLost: number;
  /** Lost packets filled by Opus FEC/PLC or a faded PCM repeat instead of silence. */
  packetsConcealed: number;
  /** Packets that arrived after their turn and were dropped. */
  packetsLate: number;
  /** Second copies dropped. */
  packetsDuplicate: number;
  /** Packets that could not be read or decoded. */
  packetsMalformed: number;
  malformedReasons: Record<string, number>;
  /** Times the buffer ran dry while the stream went on (each followed by pre-buffering). */
  underruns: number;
  /** Packets of the oldest audio dropped above the hard cap (plus writes a sink refused). */
  overflowDrops: number;
  /** Packets dropped when playback (re)started because they had queued beyond the target. */
  staleDrops: number;
  /** Sender restarts: sequence or timestamp jumped, a new stream began. */
  streamRestarts: number;
  /** Dry spells longer than the gap threshold (phone locked, app paused). */
  discontinuities: number;
  /** Estimated sender clock minus sink clock, parts per million. */
  driftPpm: number;
  /** Underruns the sink device itself reported. */
  sinkXruns: number;
  /** Added latency per packet: its wait in the buffer plus the sink's queue, ms. */
  latencyMs: LatencySummary;
}

/** A histogram of latencies in milliseconds. */
export class LatencyHistogram {
  private readonly bins = new Uint32Array(BINS);
  private count = 0;

  /** Records one latency. */
  add(ms: number): void {
    const bin = Math.min(BINS - 1, Math.max(0, Math.round(ms / BIN_MS)));
    this.bins[bin]!++;
    this.count++;
  }

  /** The value below which `p` (0..1) of the recorded latencies fall; 0 when empty. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(p * this.count);
    let seen = 0;
    for (let i = 0; i < BINS; i++) {
      seen += this.bins[i]!;
      if (seen >= rank) return i * BIN_MS;
    }
    return (BINS - 1) * BIN_MS;
  }

  /** p50, p95, p99. */
  summary(): LatencySummary {
    return { p50: this.percentile(0.5), p95: this.percentile(0.95), p99: this.percentile(0.99) };
  }
}

/** Mutable counters shared by the stages of one run. */
export class SessionStats {
  framesWritten = 0;
  sampleRate = 0;
  channels = 0;
  packetsReceived = 0;
  packetsLost = 0;
  packetsConcealed = 0;
  packetsLate = 0;
  packetsDuplicate = 0;
  packetsMalformed = 0;
  underruns = 0;
  overflowDrops = 0;
  staleDrops = 0;
  streamRestarts = 0;
  discontinuities = 0;
  driftPpm = 0;
  sinkXruns = 0;
  readonly latency = new LatencyHistogram();
  private readonly reasons = new Map<string, number>();

  /** Counts one malformed packet under `reason`. */
  malformed(reason: string): void {
    this.packetsMalformed++;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  /** A plain-object copy for JSON. */
  snapshot(): StatsSnapshot {
    return {
      framesWritten: this.framesWritten,
      sampleRate: this.sampleRate,
      channels: this.channels,
      packetsReceived: this.packetsReceived,
      packetsLost: this.packetsLost,
      packetsConcealed: this.packetsConcealed,
      packetsLate: this.packetsLate,
      packetsDuplicate: this.packetsDuplicate,
      packetsMalformed: this.packetsMalformed,
      malformedReasons: Object.fromEntries(this.reasons),
      underruns: this.underruns,
      overflowDrops: this.overflowDrops,
      staleDrops: this.staleDrops,
      streamRestarts: this.streamRestarts,
      discontinuities: this.discontinuities,
      driftPpm: Math.round(this.driftPpm * 10) / 10,
      sinkXruns: this.sinkXruns,
      latencyMs: this.latency.summary(),
    };
  }
}
