import { writeFileSync } from "node:fs";
import type { StatsSnapshot } from "@phonemic/core";

/** Writes stats as JSON to a file, or to stdout for "-". */
export function writeStats(target: string | undefined, stats: StatsSnapshot): void {
  if (!target) return;
  const json = JSON.stringify(stats, null, 2) + "\n";
  if (target === "-") process.stdout.write(json);
  else writeFileSync(target, json);
}

/** A two-line human summary. */
export function summarize(s: StatsSnapshot): string {
  const seconds = s.sampleRate ? (s.framesWritten / s.sampleRate).toFixed(1) : "0";
  return (
    `${seconds} s of audio, ${s.packetsReceived} packets received, ${s.packetsLost} lost (concealed), ` +
    `${s.packetsLate} late, ${s.packetsMalformed} malformed, ${s.underruns} underruns\n` +
    `latency p50 ${s.latencyMs.p50} ms, p95 ${s.latencyMs.p95} ms, p99 ${s.latencyMs.p99} ms`
  );
}
