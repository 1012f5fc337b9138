import { test } from "node:test";
import assert from "node:assert/strict";
import type { StandardResult } from "@phonemic/core";
import wifi, { WomicTransport } from "../src/index.js";
import { deps } from "./womic-helpers.js";

const validate = (value: unknown) => wifi.options["~standard"].validate(value) as StandardResult<unknown>;

test("the wifi plugin describes itself as a transport", () => {
  assert.equal(wifi.id, "wifi");
  assert.equal(wifi.kind, "transport");
  assert.ok(wifi.description.length > 0);
});

test("womic options: host required, the rest defaulted", () => {
  const ok = validate({ protocol: "womic", host: "192.168.1.20" });
  assert.deepEqual(ok.issues, undefined);
  assert.deepEqual((ok as { value: unknown }).value, {
    protocol: "womic",
    host: "192.168.1.20",
    port: 8125,
    udpPort: 0,
    pingIntervalMs: 1000,
    timeoutMs: 3000,
    connectTimeoutMs: 5000,
  });
  assert.ok(validate({ protocol: "womic" }).issues);
  assert.ok(validate({ protocol: "womic", host: "x", hots: "typo" }).issues, "strict: unknown keys refused");
  assert.ok(validate({ protocol: "womic", host: "x", port: 70000 }).issues);
  assert.ok(validate({ protocol: "womic", host: "x", udpPort: -1 }).issues);
});

test("create builds a WomicTransport that names the phone", () => {
  const value = (validate({ protocol: "womic", host: "fe80::1", port: 9000 }) as { value: never }).value;
  const transport = wifi.create(value, deps);
  assert.ok(transport instanceof WomicTransport);
  assert.equal(transport.description, "WO MIC at [fe80::1]:9000");
});
