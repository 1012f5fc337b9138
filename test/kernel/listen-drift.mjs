// modules: snd-aloop
// timeout: 420
// Clock drift on a real device clock: a phone whose clock runs 500 ppm fast or slow
// (`phonemic send --clock-skew ±500`, AndroidMic over TCP, 20 s) against snd-aloop's clock.
// Uncorrected, ±500 ppm moves the buffer by 10 ms over the run; a drift control that steers
// the wrong way or overshoots moves it by up to 2 % (400 ms), and underruns or drops. Each run
// must stay free of underruns and drops, with its latency p99 within 100 ms of the no-skew
// run's. The drift listen measures (driftPpm) is printed: over 20 s of this guest's timing
// noise it says little.
import * as h from "./lib/harness.mjs";

// Generous, as in listen-womic-loopback: the guest needs it to play in real time at all.
const TARGET_MS = 600;
const SINK_MS = 250;
const SECONDS = 20;

async function run(skew) {
  const config = h.writeConfig(`phonemic${skew}.json`, {
    transport: { use: "wifi", protocol: "androidmic", address: "127.0.0.1", port: 54345 },
    sink: { use: "alsa", periodMs: 50, bufferMs: 2 * SINK_MS },
    audio: { targetMs: TARGET_MS, maxMs: 3 * TARGET_MS, sinkTargetMs: SINK_MS },
  });
  const stats = `stats${skew}.json`;
  const listen = h.phonemic("listen", ["listen", "--config", config, "--once", "--duration", "120", "--stats", stats], { quiet: true });
  await listen.waitFor(/waiting for a phone/);
  // The phone's timing is what is tested here: it runs at normal priority.
  const phone = h.phonemic("send", ["send", "--protocol", "androidmic", "--port", "54345", "--tone", "440", "--duration", String(SECONDS), "--clock-skew", String(skew)], { nice: 0, quiet: true });
  const t0 = h.uptime();
  const [phoneCode, code] = await Promise.all([phone.done, listen.done]);
  const s = h.readStats(stats);
  const summary = { underruns: s.underruns, overflowDrops: s.overflowDrops, staleDrops: s.staleDrops, discontinuities: s.discontinuities, sinkXruns: s.sinkXruns, driftPpm: s.driftPpm, latencyMs: s.latencyMs };
  console.log(`skew ${skew} ppm, ${(h.uptime() - t0).toFixed(1)} s: ${JSON.stringify(summary)}`);
  h.check(phoneCode === 0 && code === 0, `skew ${skew}: phone and listen exit 0 (${phoneCode}, ${code})`);
  h.check(s.packetsReceived === SECONDS * 50, `skew ${skew}: all ${SECONDS * 50} packets arrived (${s.packetsReceived})`);
  h.check(s.underruns === 0 && s.overflowDrops === 0, `skew ${skew}: no underrun, no overflow drop (${s.underruns}, ${s.overflowDrops})`);
  return s;
}

const still = await run(0);
h.check(still.latencyMs.p99 <= TARGET_MS + SINK_MS + 150, `no skew: latency p99 ${still.latencyMs.p99} ms, at most target + sink queue + 150 ms (${TARGET_MS + SINK_MS + 150})`);
for (const skew of [500, -500]) {
  const s = await run(skew);
  const d = s.latencyMs.p99 - still.latencyMs.p99;
  h.check(Math.abs(d) <= 100, `skew ${skew}: latency p99 ${s.latencyMs.p99} ms, within 100 ms of the no-skew run's (${d >= 0 ? "+" : ""}${d.toFixed(1)})`);
}
h.finish();
