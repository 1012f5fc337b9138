// modules: snd-aloop
// timeout: 120
// The ALSA device starts playing whatever queue the pipeline keeps: with a device buffer
// (`sink.bufferMs: 1000`) much larger than the audio phonemic keeps queued in it
// (`audio.sinkTargetMs: 250`), the loopback must run and carry the phone's tone, not sit
// prepared and silent (which it did while the device waited for half its buffer to fill).
import * as h from "./lib/harness.mjs";

const config = h.writeConfig("phonemic.json", {
  transport: { use: "wifi", protocol: "androidmic", address: "127.0.0.1", port: 54345 },
  sink: { use: "alsa", bufferMs: 1000 },
  audio: { targetMs: 300, sinkTargetMs: 250 },
});
const listen = h.phonemic("listen", ["listen", "--config", config, "--once", "--duration", "90", "--stats", "stats.json"]);
const [, capture] = await listen.waitFor(/record the phone from (hw:Loopback,1,\d+)/);
await listen.waitFor(/waiting for a phone/);

// While no phone streams, phonemic plays silence: the device must be running.
let running = 0;
for (let i = 0; i < 20; i++) {
  await h.sleep(100);
  if (h.pcmStatus(0, "p", 0).state === "RUNNING") running++;
}
h.check(running >= 10, `hw:Loopback,0,0 is RUNNING while phonemic plays silence (${running} of 20 looks)`);

const rec = await h.record(capture, "recording.raw");
const phone = h.phonemic("send", ["send", "--protocol", "androidmic", "--port", "54345", "--tone", "1000", "--duration", "4"], { nice: 0 });
const [phoneCode, code] = await Promise.all([phone.done, listen.done]);
console.log(`stats: ${JSON.stringify(h.readStats("stats.json"))}`);
const recording = await rec.stop();
h.check(phoneCode === 0 && code === 0, `phone and listen exit 0 (${phoneCode}, ${code})`);
const loud = h.loudSpan(recording);
const hz = h.peakFrequency(loud, 48000, 900, 1100);
const amplitude = h.median(h.windowAmplitudes(loud, 48000, hz));
console.log(`recorded ${(loud.length / 48000).toFixed(2)} s of tone at ${hz} Hz, amplitude ${amplitude.toFixed(0)}`);
h.check(loud.length >= 3 * 48000, "arecord heard at least 3 s of the 4 s tone");
h.check(Math.abs(hz - 1000) <= 2, `at 1000 Hz (${hz})`);
h.check(Math.abs(amplitude / (0.3 * 32767) - 1) < 0.1, `at the level sent, 0.3 of full scale (median of 50 ms windows: ${(amplitude / 32767).toFixed(3)})`);
h.finish();
