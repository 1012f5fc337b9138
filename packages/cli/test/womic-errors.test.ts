/** What `phonemic listen --once` says and returns when the phone side is wrong or missing. */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { run, tempDir } from "./helpers.js";

function config(dir: string, port: number, sink: object = { use: "null" }): string {
  const path = join(dir, ".phonemicrc.json");
  writeFileSync(path, JSON.stringify({ transport: { use: "wifi", protocol: "womic", host: "127.0.0.1", port, connectTimeoutMs: 2000 }, sink }));
  return path;
}

test("nothing listening → one clear line, exit 1", async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const dir = tempDir();
  const r = await run(["listen", "--config", config(dir, port), "--once"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.match(r.stderr, /refused|not reachable|cannot connect/i);
});

test("a wrong handshake reply → says which step, exit 1", async () => {
  const server = createServer((s) => s.once("data", () => s.write(Buffer.from("HTTP/1.1 400 Bad Request\r\n\r\n"))));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const r = await run(["listen", "--config", config(tempDir(), port), "--once"]);
  server.close();
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /version/i);
});

test("no Loopback card → the sink says snd-aloop is not loaded and how to load it, exit 1", async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const r = await run(["listen", "--config", config(tempDir(), port, { use: "alsa" }), "--once"]);
  server.close();
  if (/record from hw:Loopback/.test(r.stderr)) return; // this machine has the card loaded
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /snd-aloop/);
  assert.match(r.stderr, /sudo modprobe snd-aloop/);
  assert.match(r.stderr, /modules-load\.d/);
});

test("without --once, an unreachable phone is retried with backoff until --duration", async () => {
  const r = await run(["listen", "--config", config(tempDir(), 1), "--duration", "2.5"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /trying again in 1 s/);
  assert.match(r.stderr, /trying again in 5 s/);
});
