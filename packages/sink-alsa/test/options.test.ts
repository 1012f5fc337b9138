// The plugin descriptor and its options schema.
import { test } from "node:test";
import assert from "node:assert/strict";
import alsa from "../src/index.js";

const validate = (value: unknown) => alsa.options["~standard"].validate(value);

test("the descriptor is a sink named alsa", () => {
  assert.equal(alsa.id, "alsa");
  assert.equal(alsa.kind, "sink");
});

test("defaults: automatic device, 10 ms period", async () => {
  assert.deepEqual(await validate({}), { value: { periodMs: 10 } });
  assert.deepEqual(await validate({ device: "hw:Loopback,0,1", periodMs: 5, bufferMs: 10 }), {
    value: { device: "hw:Loopback,0,1", periodMs: 5, bufferMs: 10 },
  });
});

test("bad options are rejected", async () => {
  for (const bad of [
    { periodMs: 2 },
    { periodMs: 10, bufferMs: 15 },
    { bufferMs: 19 },
    { device: "" },
    { device: 3 },
    { periodMs: "10" },
    { devise: "hw:0" },
  ]) {
    const result = await validate(bad);
    assert.ok(result.issues && result.issues.length > 0, `accepted ${JSON.stringify(bad)}`);
  }
});
