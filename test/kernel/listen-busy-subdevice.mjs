// modules: snd-aloop
// timeout: 150
// Another program already plays into subdevice 0 (aplay, as a sound server might): phonemic
// takes the next free one, hw:Loopback,0,1, and says to record from hw:Loopback,1,1, where
// arecord then hears the phone, while hw:Loopback,1,0 carries only the other program's silence.
import * as h from "./lib/harness.mjs";

const other = h.start("aplay", "aplay", ["-D", "hw:Loopback,0,0", "-f", "S16_LE", "-r", "48000", "-c", "2", "-t", "raw", "/dev/zero"]);
await other.waitFor(/Playing raw data/);

const config = h.writeConfig("phonemic.json", {
  transport: { use: "wifi", protocol: "androidmic", address: "127.0.0.1", port: 54345 },
  sink: { use: "alsa", bufferMs: 500 },
  audio: { targetMs: 300, sinkTargetMs: 250 },
});
const listen = h.phonemic("listen", ["listen", "--config", config, "--once", "--duration", "90", "--stats", "stats.json"]);
const [, playback, capture] = await listen.waitFor(/playing into (hw:Loopback,0,\d+); other programs can record the phone from (hw:Loopback,1,\d+)/);
h.check(playback === "hw:Loopback,0,1", `phonemic plays into the next free subdevice (${playback})`);
h.check(capture === "hw:Loopback,1,1", `and says to record from the matching capture device (${capture})`);
const owner = h.pcmStatus(0, "p", 1).owner_pid;
h.check(owner === listen.pid, `the kernel shows phonemic (pid ${listen.pid}) holding hw:Loopback,0,1 (owner ${owner})`);
await listen.waitFor(/waiting for a phone/);

const rec = await h.record(capture, "phone.raw");
const rec0 = await h.record("hw:Loopback,1,0", "other.raw", { channels: 2 });
const phone = h.phonemic("send", ["send", "--protocol", "androidmic", "--port", "54345", "--tone", "1000", "--duration", "4"], { nice: 0 });
const [phoneCode, code] = await Promise.all([phone.done, listen.done]);
console.log(`stats: ${JSON.stringify(h.readStats("stats.json"))}`);
const heard = await rec.stop();
const heard0 = await rec0.stop();
other.child.kill("SIGINT");
await other.done;
h.check(phoneCode === 0 && code === 0, `phone and listen exit 0 (${phoneCode}, ${code})`);

const loud = h.loudSpan(heard);
const hz = h.peakFrequency(loud, 48000, 900, 1100);
const amplitude = h.median(h.windowAmplitudes(loud, 48000, hz));
console.log(`${capture}: ${(loud.length / 48000).toFixed(2)} s of tone at ${hz} Hz, amplitude ${(amplitude / 32767).toFixed(3)} of full scale`);
h.check(loud.length >= 3 * 48000, `${capture} carries at least 3 s of the phone's 4 s tone`);
h.check(Math.abs(hz - 1000) <= 2, `at 1000 Hz (${hz})`);
h.check(Math.abs(amplitude / (0.3 * 32767) - 1) < 0.1, `at the level sent, 0.3 of full scale (${(amplitude / 32767).toFixed(3)})`);
const peak0 = heard0.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
h.check(heard0.length > 48000 && peak0 === 0, `hw:Loopback,1,0 recorded ${(heard0.length / 96000).toFixed(1)} s of the other program's silence only (peak ${peak0})`);
h.finish();
