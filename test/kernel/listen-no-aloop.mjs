// modules:
// timeout: 120
// Without snd-aloop, `phonemic listen --once` with the alsa sink stops with the sink's own
// message (the module is not loaded, and how to load it) and exit code 1, while a phone
// (`phonemic send --protocol womic`) is ready to stream.
import { readFileSync } from "node:fs";
import * as h from "./lib/harness.mjs";

h.check(!/^snd_aloop /m.test(readFileSync("/proc/modules", "utf8")), "snd-aloop is not loaded");

const phone = h.phonemic("send", ["send", "--protocol", "womic", "--host", "127.0.0.1", "--port", "0", "--tone", "440", "--duration", "60"]);
const [, port] = await phone.waitFor(/listening on [^\s]*:(\d+)/);
const config = h.writeConfig("phonemic.json", {
  transport: { use: "wifi", protocol: "womic", host: "127.0.0.1", port: Number(port) },
  sink: { use: "alsa" },
});
const listen = h.phonemic("listen", ["listen", "--config", config, "--once", "--duration", "60"]);
const code = await listen.done;
const said = listen.output();
phone.child.kill("SIGTERM");
await phone.done;

h.check(code === 1, `listen exits 1 (got ${code})`);
h.check(/snd-aloop is not loaded/.test(said), "it says the kernel module snd-aloop is not loaded");
h.check(/sudo modprobe snd-aloop/.test(said), "it prints the fix: sudo modprobe snd-aloop");
h.check(/modules-load\.d/.test(said), "and how to load it at every boot (/etc/modules-load.d)");
h.check(!/^\s+at .+:\d+:\d+\)?$/m.test(said), "no stack trace");
h.check(!/streaming from/.test(said), "it never started streaming from the phone");
h.finish();
