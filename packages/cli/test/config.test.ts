import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { run, tempDir } from "./helpers.js";

function configIn(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const cases: { name: string; file: string; text: string; expect: RegExp }[] = [
  { name: "unknown top-level key", file: ".phonemicrc.json", text: '{ "transport": { "use": "wifi", "protocol": "womic", "host": "h" }, "sinks": {} }', expect: /unknown key "sinks"/ },
  { name: "unknown transport key", file: ".phonemicrc.json", text: '{ "transport": { "use": "wifi", "protocol": "womic", "host": "h", "hots": "x" } }', expect: /unknown key "transport\.hots"/ },
  { name: "wrong type of port", file: ".phonemicrc.json", text: '{ "transport": { "use": "wifi", "protocol": "womic", "host": "h", "port": "8125" } }', expect: /transport\.port/ },
  { name: "unknown audio key", file: ".phonemicrc.json", text: '{ "transport": { "use": "wifi", "protocol": "womic", "host": "h" }, "audio": { "rate": 1 } }', expect: /unknown key "audio\.rate"/ },
  { name: "wrong sink option type (yaml)", file: ".phonemicrc.yaml", text: "transport:\n  use: wifi\n  protocol: womic\n  host: h\nsink:\n  use: wav\n  path: 12\n", expect: /sink\.path/ },
  { name: "unknown plugin", file: "phonemic.config.json", text: '{ "transport": { "use": "no-such-plugin-xyz" } }', expect: /transport\.use: cannot load the transport plugin "no-such-plugin-xyz"/ },
  { name: "sink used as transport", file: ".phonemicrc.json", text: '{ "transport": { "use": "wav" } }', expect: /"wav" is a sink plugin/ },
  { name: "a transport not available yet", file: ".phonemicrc.json", text: '{ "transport": { "use": "bluetooth" }, "sink": { "use": "null" } }', expect: /bluetooth transport is not available/ },
  { name: "not JSON", file: ".phonemicrc.json", text: "{ transport: ", expect: /cannot read config|JSON/ },
  { name: "missing transport", file: ".phonemicrc.json", text: '{ "sink": { "use": "null" } }', expect: /transport/ },
];

for (const c of cases) {
  test(`bad config: ${c.name} → one message naming the file and key, exit 2`, async () => {
    const dir = tempDir();
    const path = configIn(dir, c.file, c.text);
    const r = await run(["listen", "--config", path, "--once"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, c.expect);
    assert.ok(r.stderr.includes(path), `message names the file: ${r.stderr}`);
  });
}

test("config found by search: package.json key", async () => {
  const dir = tempDir();
  configIn(dir, "package.json", JSON.stringify({ name: "x", phonemic: { transport: { use: "wifi", protocol: "womic", host: "h", bogus: 1 } } }));
  const r = await run(["listen", "--once"], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /package\.json: unknown key "transport\.bogus"/);
});

test("no config anywhere → says how to write one, exit 2", async () => {
  const r = await run(["listen", "--once"], { cwd: tempDir() });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no phonemic config found/);
  assert.match(r.stderr, /\.phonemicrc\.json/);
});

test("bad flag value → exit 2", async () => {
  const r = await run(["listen", "--duration", "soon"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--duration must be a number/);
});
