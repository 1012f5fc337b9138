/**
 * What the sender's numbering says about its stream: each packet's 16-bit sequence number
 * (counted here on links that deliver in order and carry none), whether the sender started over
 * (its timestamp jumped back, or copies of already-played packets come in a row), and whether
 * the link has been losing packets lately — only then is an empty buffer worth concealing
 * rather than waiting for.
 */
import type { EncodedPacket } from "../transport.js";

/** A timestamp this far behind the newest one is a sender restart, ms. */
const RESTART_TS_BACK_MS = 1000;
/** Copies of played packets come alone; this many consecutive ones are a sender that started over. */
const REPLAY_RUN_IS_RESTART = 3;
/** A link that lost or delayed a packet counts as lossy for this long, ms. */
const LOSSY_FOR_MS = 10_000;

export class SenderWatch {
  /** The transport numbers its packets (UDP), so one can go missing; TCP delivers all, in order. */
  sequenced = false;
  private nextAutoSeq = 0;
  private replayRun = 0;
  private lastReplaySeq = -1;
  private newestTsMs: number | undefined;
  private lossyUntilMs = -Infinity;

  /** The packet's 16-bit sequence number. */
  seqOf(packet: EncodedPacket): number {
    this.sequenced = packet.seq !== undefined;
    return (packet.seq ?? (this.nextAutoSeq = (this.nextAutoSeq + 1) & 0xffff)) & 0xffff;
  }

  /** True when the packet's timestamp jumped far back: the sender started over. */
  timestampWentBack(packet: EncodedPacket): boolean {
    const ts = packet.timestampMs;
    return ts !== undefined && this.newestTsMs !== undefined && ts < this.newestTsMs - RESTART_TS_BACK_MS;
  }

  /** A copy of an already-played packet came: true when it makes a run that means a restart. */
  replayed(seq: number): boolean {
    this.replayRun = this.lastReplaySeq === ((seq - 1) & 0xffff) ? this.replayRun + 1 : 1;
    this.lastReplaySeq = seq;
    return this.replayRun >= REPLAY_RUN_IS_RESTART;
  }

  /** A packet was stored for playing. */
  stored(packet: EncodedPacket): void {
    this.replayRun = 0;
    const ts = packet.timestampMs;
    if (ts !== undefined && (this.newestTsMs === undefined || ts > this.newestTsMs)) this.newestTsMs = ts;
  }

  /** A packet went missing or came too late at `atMs`. */
  lost(atMs: number): void {
    if (this.sequenced) this.lossyUntilMs = atMs + LOSSY_FOR_MS;
  }

  /** The link lost packets lately. */
  lossy(nowMs: number): boolean {
    return nowMs < this.lossyUntilMs;
  }

  /** A new stream begins: forget its numbering (the link's loss record stays). */
  reset(): void {
    this.replayRun = 0;
    this.lastReplaySeq = -1;
    this.newestTsMs = undefined;
  }
}
