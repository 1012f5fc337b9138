/**
 * The main job: keep a sink open and fed, and keep (re)connecting the transport to it.
 *
 * The sink stays open for the whole run — a virtual mic must not vanish under the programs
 * recording it — and plays silence while no phone is streaming. When the stream ends or the link
 * drops, the transport is opened again after 1 s, 5 s, then every 10 s; a success resets that.
 * With `once`, the run ends instead: exit 0 when the phone ended the stream, 1 otherwise.
 */
import type { AudioSink } from "../audio-sink.js";
import type { Clock } from "../clock.js";
import { describeError } from "../errors.js";
import type { PcmFormat } from "../format.js";
import type { Logger } from "../logger.js";
import type { PacketSink, StreamEnd, Transport } from "../transport.js";
import { Playout, type PlayoutOptions } from "./playout.js";
import { PlayoutLoop, defaultPlayoutLoop, type PlayoutLoopOptions } from "./playout-loop.js";
import type { SessionStats } from "./stats.js";

/** Everything one listening run needs. */
export interface ListenParams {
  readonly transport: Transport;
  readonly sink: AudioSink;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stats: SessionStats;
  /** Format asked of the sink (it may open another; the pipeline converts). */
  readonly format: PcmFormat;
  readonly buffer: Omit<PlayoutOptions, "format">;
  readonly loop?: PlayoutLoopOptions;
  /** End after one stream instead of reconnecting. */
  readonly once: boolean;
  /** Waits between attempts; the last repeats. */
  readonly backoffMs?: readonly number[];
  /** Aborting ends the run cleanly (exit code 0). */
  readonly signal: AbortSignal;
}

/** How a run ended. */
export interface ListenResult {
  readonly exitCode: 0 | 1;
  readonly message: string;
}

export const defaultBackoffMs = [1000, 5000, 10000] as const;

export async function listen(p: ListenParams): Promise<ListenResult> {
  const { transport, sink, logger, signal } = p;
  const info = await sink.open(p.format, signal);
  logger.info(`audio goes to ${info.where}`);
  const playout = new Playout({ ...p.buffer, format: info.format }, p.clock, p.stats);
  const loop = new PlayoutLoop(playout, sink, info.format, p.clock, p.stats, p.loop ?? defaultPlayoutLoop);
  const packets: PacketSink = {
    packet: (packet) => {
      playout.receive(packet);
      loop.kick();
    },
    malformed: (reason) => {
      p.stats.malformed(reason);
      logger.debug(`skipped a packet: ${reason}`);
    },
  };
  const backoff = p.backoffMs ?? defaultBackoffMs;
  let attempt = 0;
  let result: ListenResult = { exitCode: 0, message: "stopped" };
  loop.start();
  try {
    while (!signal.aborted) {
      let end: StreamEnd | undefined;
      try {
        const session = await transport.open(packets, signal);
        attempt = 0;
        logger.info(`streaming from ${session.peer}`);
        end = await Promise.race([session.ended, aborted(signal)]);
        await session.close();
      } catch (err) {
        if (signal.aborted) break;
        logger.error(describeError(err));
        if (p.once) {
          result = { exitCode: 1, message: (err as Error).message };
          break;
        }
      }
      if (signal.aborted || !end) {
        if (signal.aborted) break;
      } else {
        playout.endOfStream();
        if (p.once) {
          await drained(playout, signal);
          result = end.reason === "peer-ended" ? { exitCode: 0, message: end.message } : { exitCode: 1, message: end.message };
          if (result.exitCode) logger.error(end.message);
          else logger.info(end.message);
          break;
        }
      }
      const waitMs = backoff[Math.min(attempt++, backoff.length - 1)]!;
      logger.info(`${end ? end.message + "; " : ""}trying again in ${waitMs / 1000} s (silence meanwhile)`);
      await sleep(waitMs, signal);
    }
  } finally {
    loop.stop();
    await sink.close();
    await transport.dispose();
    playout.dispose();
  }
  return result;
}

function aborted(signal: AbortSignal): Promise<StreamEnd> {
  return new Promise((resolve) => {
    const done = () => resolve({ reason: "closed", message: "stopped" });
    if (signal.aborted) done();
    else signal.addEventListener("abort", done, { once: true });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener("abort", finish);
      resolve();
    }
    signal.addEventListener("abort", finish, { once: true });
  });
}

/** Resolves once everything buffered has been handed to the sink (or on abort). */
async function drained(playout: Playout, signal: AbortSignal): Promise<void> {
  while (!playout.empty && !signal.aborted) await sleep(10, signal);
}
