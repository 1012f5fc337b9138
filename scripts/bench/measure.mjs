// Runs the phonemic CLI in this process and, at exit, writes its CPU time and peak RSS as JSON
// to the file named by PHONEMIC_MEASURE_OUT. Used by bench-listen.mjs.
import { writeFileSync } from "node:fs";

const out = process.env.PHONEMIC_MEASURE_OUT;
const started = performance.now();
process.on("exit", () => {
  const cpu = process.cpuUsage();
  const usage = process.resourceUsage();
  const result = { cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMb: usage.maxRSS / 1024, wallSeconds: (performance.now() - started) / 1000 };
  if (out) writeFileSync(out, JSON.stringify(result));
});
process.argv = [process.argv[0], new URL("../../packages/cli/dist/src/main.js", import.meta.url).pathname, ...process.argv.slice(2)];
await import("../../packages/cli/dist/src/main.js");
