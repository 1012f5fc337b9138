/**
 * The receive path on a bad link, through the real CLI in real time: `phonemic send` streams
 * through `phonemic impair` (5 % random loss in bursts of 3, 30 ms jitter) into `phonemic listen`
 * at the default buffer target. Every packet the proxy dropped must be concealed, and there must
 * be no underrun once playback has started.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { freeUdpPort } from "./e2e-tools.js";
import { phonemic, run, tempDir, waitForStderr } from "./helpers.js";

test("5 % loss in bursts of 3 and 30 ms jitter: every lost packet concealed, no underrun", async () => {
  const dir = tempDir();
  const udpPort = await freeUdpPort();
  const proxy = phonemic(["impair", "--listen", "127.0.0.1:0", "--target", `127.0.0.1:${udpPort}`, "--loss", "5", "--burst", "3", "--jitter", "30", "--seed", "7", "--duration", "30"]);
  const [, proxyPort] = await waitForStderr(proxy.child, /impairing 127\.0\.0\.1:(\d+)/);
  const sender = phonemic(["send", "--protocol", "womic", "--host", "127.0.0.1", "--port", "0", "--tone", "440", "--duration", "8", "--udp-to", `127.0.0.1:${proxyPort}`]);
  const [, port] = await waitForStderr(sender.child, /listening on [^\s]*:(\d+)/);
  const config = join(dir, "phonemic.config.json");
  writeFileSync(config, JSON.stringify({ transport: { use: "wifi", protocol: "womic", host: "127.0.0.1", port: Number(port), udpPort }, sink: { use: "null" } }));
  const statsPath = join(dir, "stats.json");
  const r = await run(["listen", "--config", config, "--once", "--stats", statsPath], { timeoutMs: 40_000 });
  await sender.done;
  proxy.child.kill("SIGINT");
  const p = await proxy.done;
  assert.equal(r.code, 0, r.stderr);
  const impair = JSON.parse(p.stdout.trim().split("\n").pop()!);
  const stats = JSON.parse(readFileSync(statsPath, "utf8"));
  assert.ok(impair.dropped >= 6, `the proxy dropped ${impair.dropped} packets`);
  // Packets dropped before the first one that got through never belonged to the stream the
  // receiver saw; those after the last one that got through have nothing after them to conceal.
  const first = Math.min(...Array.from({ length: impair.received }, (_, i) => i).filter((i) => !impair.droppedIndices.includes(i)));
  const last = Math.max(...Array.from({ length: impair.received }, (_, i) => i).filter((i) => !impair.droppedIndices.includes(i)));
  const lostMidStream = impair.droppedIndices.filter((i: number) => i > first && i < last).length;
  const detail = JSON.stringify({ stats, dropped: impair.droppedIndices });
  assert.equal(stats.packetsReceived, impair.forwarded);
  // Every lost packet concealed; a packet delayed past its turn by the jitter is concealed too
  // (and then dropped as late), so concealments may exceed the losses by exactly the late ones.
  assert.equal(stats.packetsConcealed, lostMidStream + stats.packetsLate, detail);
  assert.equal(stats.underruns, 0, detail);
});
