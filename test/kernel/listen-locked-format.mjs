// modules: snd-aloop
// timeout: 150
// A recorder already holds the capture side, which fixes the loopback's format for both ends.
// At 44100 Hz stereo S16_LE, phonemic opens the playback side at that format, says so, and
// converts (48 kHz mono → 44.1 kHz stereo): the recording carries the phone's 1 kHz tone on
// both channels, at its level, clean. At S32_LE, which phonemic cannot play, it stops with a
// message naming the locked format and the capture device, and exit code 1.
import * as h from "./lib/harness.mjs";

const config = h.writeConfig("phonemic.json", {
  transport: { use: "wifi", protocol: "androidmic", address: "127.0.0.1", port: 54345 },
  sink: { use: "alsa", bufferMs: 500 },
  audio: { targetMs: 300, sinkTargetMs: 250 },
});

// 1. Locked at 44100 Hz, 2 channels, S16_LE: phonemic adapts.
const rec = await h.record("hw:Loopback,1,0", "recording.raw", { rate: 44100, channels: 2 });
const listen = h.phonemic("listen", ["listen", "--config", config, "--once", "--duration", "90", "--stats", "stats.json"]);
await listen.waitFor(/waiting for a phone/);
const said = listen.output();
h.check(/hw:Loopback,0,0 plays 44100 Hz, 2 ch rather than 48000 Hz, 1 ch; phonemic converts/.test(said), "listen says it plays 44100 Hz, 2 ch and converts");
h.check(/record the phone from hw:Loopback,1,0/.test(said), "and where to record from: hw:Loopback,1,0");
const params = h.pcmParams(0, "p", 0);
h.check(params.rate === 44100 && params.channels === 2 && params.format === "S16_LE", `the kernel shows hw:Loopback,0,0 open at ${params.rate} Hz, ${params.channels} ch, ${params.format}`);
const phone = h.phonemic("send", ["send", "--protocol", "androidmic", "--port", "54345", "--tone", "1000", "--duration", "4"], { nice: 0 });
const [phoneCode, code] = await Promise.all([phone.done, listen.done]);
console.log(`stats: ${JSON.stringify(h.readStats("stats.json"))}`);
const recording = await rec.stop();
h.check(phoneCode === 0 && code === 0, `phone and listen exit 0 (${phoneCode}, ${code})`);
h.keep("recording.raw");

const loud = h.loudSpan(recording, 2);
console.log(`recorded ${(loud.length / 2 / 44100).toFixed(2)} s of tone (44100 Hz stereo)`);
h.check(loud.length >= 3 * 44100 * 2, "at least 3 s of the 4 s tone");
for (const channel of [0, 1]) {
  const hz = h.peakFrequency(loud, 44100, 900, 1100, 2, channel);
  const amplitude = h.median(h.windowAmplitudes(loud, 44100, hz, { channels: 2, channel }));
  const snrs = h.windowSnr(loud, 44100, hz, { channels: 2, channel });
  const snr = snrs[Math.floor(snrs.length * 0.75)]; // a dropout spoils a window; a bad conversion, all of them
  const side = channel ? "right" : "left";
  h.check(Math.abs(hz - 1000) <= 2, `${side}: the tone is at 1000 Hz (${hz}), so the rate was converted`);
  h.check(Math.abs(amplitude / (0.3 * 32767) - 1) < 0.1, `${side}: at the level sent, 0.3 of full scale (${(amplitude / 32767).toFixed(3)})`);
  h.check(snr >= 50, `${side}: converted cleanly, ${snr.toFixed(1)} dB above everything else (a quarter of the 50 ms windows do better; median ${h.median(snrs).toFixed(1)} dB)`);
}

// 2. Locked at S32_LE, which phonemic does not play: a clear refusal.
const rec32 = await h.record("hw:Loopback,1,0", "s32.raw", { rate: 44100, channels: 2, format: "S32_LE" });
const refused = h.phonemic("listen", ["listen", "--config", config, "--once", "--duration", "60"]);
const refusedCode = await refused.done;
await rec32.stop();
const message = refused.output();
h.check(refusedCode === 1, `listen exits 1 (got ${refusedCode})`);
h.check(/capture side hw:Loopback,1,0 is already open at 44100 Hz, 2 channels, S32_LE/.test(message), "the message names the capture device and the format it locked");
h.check(/close the program recording from hw:Loopback,1,0/.test(message), "and says what to do");
h.finish();
