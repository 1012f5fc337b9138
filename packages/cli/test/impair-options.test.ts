import { test } from "node:test";
import assert from "node:assert/strict";
import { describeImpairment, impairOptionsSchema, parseEndpoint } from "../src/impair/options.js";

test("defaults: everything off, loopback listen, seed 0", () => {
  assert.deepEqual(impairOptionsSchema.parse({ target: "127.0.0.1:50000" }), {
    listen: { host: "127.0.0.1", port: 0 },
    target: { host: "127.0.0.1", port: 50000 },
    lossPercent: 0, burstLength: 0, duplicatePercent: 0, reorderPercent: 0, reorderGap: 0,
    delayMs: 0, jitterMs: 0, keepOrder: false, burstDeliveryMs: 0, seed: 0, bothDirections: false,
  });
});

test("endpoints as strings or objects, IPv6 in brackets", () => {
  assert.deepEqual(parseEndpoint("[::1]:5000"), { host: "::1", port: 5000 });
  assert.deepEqual(parseEndpoint("phone.local:0"), { host: "phone.local", port: 0 });
  for (const bad of ["127.0.0.1", "::1:5000", "host:70000", ":5000", "a b:1"]) assert.equal(parseEndpoint(bad), undefined, bad);
  const o = impairOptionsSchema.parse({ listen: { host: "::", port: 7 }, target: "[::1]:9" });
  assert.deepEqual([o.listen, o.target], [{ host: "::", port: 7 }, { host: "::1", port: 9 }]);
});

test("rejects unknown keys, out-of-range values and a missing target", () => {
  const bad = [
    {},
    { target: "127.0.0.1:1", loss: 5 },
    { target: "127.0.0.1:1", lossPercent: 101 },
    { target: "127.0.0.1:1", jitterMs: -1 },
    { target: "127.0.0.1:1", burstLength: 2.5 },
    { target: "127.0.0.1:1", seed: 2 ** 32 },
    { target: "localhost" },
  ];
  for (const input of bad) assert.equal(impairOptionsSchema.safeParse(input).success, false, JSON.stringify(input));
});

test("describeImpairment says what is on, in one line", () => {
  assert.equal(
    describeImpairment({ target: "127.0.0.1:50000" }),
    "127.0.0.1:0 -> 127.0.0.1:50000 (client->target): no impairment",
  );
  assert.equal(
    describeImpairment({
      listen: "[::]:5000", target: "127.0.0.1:50000", lossPercent: 10, burstLength: 3, duplicatePercent: 1,
      reorderPercent: 2, delayMs: 20, jitterMs: 30, keepOrder: true, burstDeliveryMs: 100, seed: 42, bothDirections: true,
    }),
    "[::]:5000 -> 127.0.0.1:50000 (both directions): loss 10% in bursts of 3, duplicate 1%, reorder 2% by 1, " +
      "delay 20 ms + 0-30 ms jitter (order kept), delivered in bursts every 100 ms; seed 42",
  );
});
