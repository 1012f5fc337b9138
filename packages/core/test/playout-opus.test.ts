/**
 * Loss concealment with real Opus: a lost packet is rebuilt from the next packet's in-band FEC
 * when it carries it, or by PLC — never a silence click.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Encoder } from "@evan/opus";
import { rng, simulate, type Network } from "./sim.js";

const opus48k = { codec: "opus", sampleRate: 48000, channels: 1 } as const;
const FRAMES = 960;
const PACKETS = 500;

/** 10 s of a voice-like signal: a gliding, buzzy 120–220 Hz tone with a syllable rhythm. */
function encodeVoice(fec: boolean): Uint8Array[] {
  const encoder = new Encoder({ channels: 1, sample_rate: 48000, application: "voip" });
  encoder.bitrate = 24000;
  encoder.inband_fec = fec;
  encoder.packet_loss = fec ? 10 : 0;
  const pcm = new Int16Array(FRAMES);
  const packets: Uint8Array[] = [];
  let phase = 0;
  for (let p = 0; p < PACKETS; p++) {
    for (let i = 0; i < FRAMES; i++) {
      const t = (p * FRAMES + i) / 48000;
      phase += (2 * Math.PI * (170 + 50 * Math.sin(2 * Math.PI * 0.7 * t))) / 48000;
      const buzz = Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.3 * Math.sin(3 * phase);
      pcm[i] = Math.round(6000 * buzz * (0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t)));
    }
    packets.push(encoder.encode(pcm).slice());
  }
  return packets;
}

/** Plays `packets` with `lost` dropped by the network; returns everything the device got. */
function play(packets: Uint8Array[], lost: ReadonlySet<number>) {
  const chunks: Int16Array[] = [];
  const network: Network = (i, sentMs) => (lost.has(i) ? [] : [sentMs]);
  const r = simulate({
    durationMs: PACKETS * 20,
    stream: opus48k,
    network,
    payload: (i) => packets[i]!,
    probe: (_t, out) => chunks.push(out.slice()),
  });
  const all = new Int16Array(chunks.length * chunks[0]!.length);
  chunks.forEach((c, k) => all.set(c, k * c.length));
  return { r, all };
}

/** Single losses, 10 % of packets, never the first few or two in a row. */
function lossPattern(): Set<number> {
  const random = rng(11);
  const lost = new Set<number>();
  for (let i = 10; i < PACKETS - 10; i++) if (random() < 0.1 && !lost.has(i - 1)) lost.add(i);
  return lost;
}

/** Signal-to-error ratio, in dB, of `test` against `reference` over the output slots of `lost`. */
function snrInLostSlots(reference: Int16Array, test: Int16Array, lost: ReadonlySet<number>, startFrame: number): number {
  let signal = 0;
  let error = 0;
  for (const i of lost) {
    for (let f = startFrame + i * FRAMES; f < startFrame + (i + 1) * FRAMES; f++) {
      signal += reference[f]! ** 2;
      error += (reference[f]! - test[f]!) ** 2;
    }
  }
  return 10 * Math.log10(signal / error);
}

test("Opus: every lost packet is concealed, never silenced, and nothing underruns", () => {
  const lost = lossPattern();
  const { r, all } = play(encodeVoice(true), lost);
  const s = r.stats.snapshot();
  assert.equal(s.packetsConcealed, lost.size);
  assert.equal(s.packetsLost, lost.size);
  assert.equal(s.underruns, 0);
  const start = (r.firstSoundMs / 1000) * 48000;
  for (let f = start; f + 480 <= start + (PACKETS - 1) * FRAMES; f += 480) {
    let energy = 0;
    for (let k = f; k < f + 480; k++) energy += all[k]! ** 2;
    // The quietest 10 ms of the signal is ~1000 RMS; concealment of a cluster of losses dips to
    // ~250; a silenced packet would be 0.
    assert.ok(Math.sqrt(energy / 480) > 100, `10 ms of silence at ${(f / 48000).toFixed(3)} s`);
  }
});

test("Opus: in-band FEC rebuilds a lost packet better than PLC alone", () => {
  const lost = lossPattern();
  const withFec = encodeVoice(true);
  const withoutFec = encodeVoice(false);
  const fec = play(withFec, lost);
  const start = Math.round((fec.r.firstSoundMs / 1000) * 48000) - 240;
  const fecSnr = snrInLostSlots(play(withFec, new Set()).all, fec.all, lost, start);
  const plcSnr = snrInLostSlots(play(withoutFec, new Set()).all, play(withoutFec, lost).all, lost, start);
  assert.ok(fecSnr > plcSnr + 3, `FEC ${fecSnr.toFixed(1)} dB, PLC ${plcSnr.toFixed(1)} dB`);
});
