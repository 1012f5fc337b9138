// Helpers for the kernel tests that drive the real `phonemic` CLI in the guest: processes with
// their output, arecord, a UDP relay and a TCP proxy standing in for the network, what the
// kernel says about the loopback's substreams, alignment of a recording against a reference,
// tone measurement, and checks that print what they compared.
//
// Under TCG the guest is 20–40 times slower than the host and has two vCPUs. The phone
// (`phonemic send`) runs at the lowest CPU priority (nice 19) unless told otherwise, as if on
// another machine: the listener and arecord, the two real-time ends, get the CPU first.
import { execFileSync, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { readFileSync, writeFileSync, copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { constants as osConstants } from "node:os";

export const REPO = process.env.REPO ?? "/repo";
export const CLI = join(REPO, "packages/cli/dist/src/main.js");
export const OUT = process.env.KERNEL_TEST_OUT;

/** Seconds since boot, for log lines. */
export const uptime = () => Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `cmd args`, echoing its output prefixed with `tag`. `nice` lowers its priority.
 * Returns { child, pid, output(), done (resolves to the exit code), waitFor(regex, ms) }.
 */
export function start(tag, cmd, args, { nice = 0, quiet = false } = {}) {
  const [file, argv] = nice ? ["nice", ["-n", String(nice), cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const waiters = new Set();
  const onData = (d) => {
    text += d;
    if (!quiet) for (const line of String(d).split("\n").filter(Boolean)) console.log(`${uptime().toFixed(1)} ${tag}| ${line}`);
    for (const w of waiters) w();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const done = new Promise((resolve) =>
    child.on("close", (code, signal) => {
      if (signal && !expectedSignals.has(signal)) console.log(`${uptime().toFixed(1)} ${tag}| killed by ${signal}${kernelSaid(child.pid)}`);
      resolve(code ?? 128 + (osConstants.signals[signal] ?? 0));
    }),
  );
  return {
    child,
    pid: child.pid,
    output: () => text,
    done,
    /** Resolves with the match once `re` appears in the output; rejects after `ms` or at exit. */
    waitFor(re, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`${tag}: no ${re} after ${ms / 1000} s`)), ms);
        const check = () => {
          const m = text.match(re);
          if (m) finish(null, m);
        };
        const finish = (err, m) => {
          clearTimeout(timer);
          waiters.delete(check);
          err ? reject(err) : resolve(m);
        };
        waiters.add(check);
        done.then((code) => finish(new Error(`${tag} exited with ${code} before printing ${re}`)));
        check();
      });
    },
  };
}

/** Signals the tests themselves send to stop a process (arecord is stopped with SIGINT). */
const expectedSignals = new Set(["SIGINT", "SIGTERM"]);

/** What the kernel logged about process `pid` (a segfault, the OOM killer), as " (…)", or "". */
function kernelSaid(pid) {
  try {
    const lines = execFileSync("dmesg", { encoding: "utf8" }).split("\n").filter((l) => l.includes(`[${pid}]`) || l.includes(`process ${pid} `));
    return lines.length ? ` (kernel: ${lines.slice(-3).join(" | ")})` : "";
  } catch {
    return "";
  }
}

/** `phonemic ARGS`; the phone side (`send`) runs at nice 19 unless told otherwise. */
export function phonemic(tag, args, opts = {}) {
  const nice = opts.nice ?? (args[0] === "send" ? 19 : 0);
  return start(tag, "node", [CLI, ...args], { ...opts, nice });
}

/** Writes a config file and returns its path. */
export function writeConfig(path, config) {
  writeFileSync(path, JSON.stringify(config, null, 1));
  return path;
}

/**
 * Starts arecord on `device` (raw, S16_LE unless told) into `file`; resolves once it is
 * recording. `stop()` ends it with SIGINT and resolves to the samples it wrote (an Int16Array).
 */
export async function record(device, file, { rate = 48000, channels = 1, seconds = 120, format = "S16_LE" } = {}) {
  const p = start("arecord", "arecord", ["-D", device, "-f", format, "-r", String(rate), "-c", String(channels), "-t", "raw", "-d", String(seconds), file]);
  await p.waitFor(/Recording raw data/, 30_000);
  return {
    ...p,
    /** True if arecord reported an overrun (the recording itself has a gap). */
    overran: () => /overrun/i.test(p.output()),
    async stop() {
      p.child.kill("SIGINT");
      await p.done;
      return readS16(file);
    },
  };
}

export function readS16(file) {
  const bytes = readFileSync(file);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
}

/** A 48 kHz mono 16-bit WAV file holding `samples`. */
export function writeWav(file, samples, rate = 48000, channels = 1) {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const h = Buffer.alloc(44);
  h.write("RIFF", 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write("WAVEfmt ", 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36);
  h.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([h, data]));
}

/**
 * Test audio no stretch of which repeats: a sweep from 200 Hz to 4 kHz and back with seeded
 * noise on top, `seconds` long, mono, with a short fade in and out.
 */
export function testSignal(seconds, rate = 48000) {
  const n = Math.round(seconds * rate);
  const out = new Int16Array(n);
  let seed = 12345;
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / n;
    const hz = 200 + 3800 * (t < 0.5 ? 2 * t : 2 - 2 * t);
    phase += (2 * Math.PI * hz) / rate;
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const fade = Math.min(1, i / 480, (n - i) / 480);
    out[i] = Math.round(fade * (9000 * Math.sin(phase) + ((seed >> 16) % 2000) - 1000));
  }
  return out;
}

/** CLOCK_MONOTONIC in seconds: the clock of ALSA's trigger_time in /proc (and of /proc/uptime). */
export const monotonic = () => Number(process.hrtime.bigint()) / 1e9;

/**
 * A UDP relay on 127.0.0.1 (the network between phone and PC) to `toPort`. `mode` says what it
 * does with each datagram: "forward" it at once, "drop" it, forward "one" and drop the rest, or
 * "hold" it for `replay()` — WO MIC datagrams numbered 0, 1, 2… only, so that stragglers of an
 * earlier stream from the same phone are left out (counted in `strays`). Whatever it forwards
 * is kept in `datagrams`, with the CLOCK_MONOTONIC second it went out in `sentAt`. `replay()`
 * sends what it holds in order, one every `periodMs`, on an absolute schedule; with `pauseMs`,
 * it pauses that long after the first `pauseAfter` datagrams.
 */
export async function startRelay(toPort, mode = "forward") {
  const socket = createSocket("udp4");
  await new Promise((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const relay = {
    port: socket.address().port,
    mode,
    held: [],
    strays: 0,
    datagrams: [],
    sentAt: [],
    close: () => socket.close(),
    async replay({ periodMs = 20, pauseAfter = 0, pauseMs = 0 } = {}) {
      const held = relay.held.splice(0);
      let t0 = monotonic() + 0.02;
      for (let k = 0; k < held.length; k++) {
        if (k === pauseAfter && pauseMs > 0 && k > 0) t0 += pauseMs / 1000;
        const wait = t0 + (k * periodMs) / 1000 - monotonic();
        if (wait > 0.001) await sleep(wait * 1000);
        forward(held[k]);
      }
    },
  };
  function forward(msg) {
    socket.send(msg, toPort, "127.0.0.1");
    relay.datagrams.push(msg);
    relay.sentAt.push(monotonic());
  }
  socket.on("message", (msg) => {
    if (relay.mode === "hold") {
      if (msg.length > 11 && msg.readUInt16BE(4) === relay.held.length) relay.held.push(msg);
      else relay.strays++;
      return;
    }
    if (relay.mode === "one") relay.mode = "drop";
    else if (relay.mode !== "forward") return;
    forward(msg);
  });
  return relay;
}

/**
 * A TCP proxy on 127.0.0.1 in front of the phone's port, one link per connection the PC makes.
 * `next()` resolves with the next link: { phoneClosed (resolves when the phone closed its side),
 * release() (then close the PC's side too: the PC hears the phone has finished), end() (close
 * both sides now; the PC sees the phone close the connection) }. Holding the PC's side open
 * lets a relay deliver audio it still holds.
 */
export async function startTcpProxy(phonePort) {
  const { createServer, connect } = await import("node:net");
  const links = [];
  const waiting = [];
  const server = createServer((pc) => {
    const phone = connect(phonePort, "127.0.0.1");
    let release;
    const released = new Promise((resolve) => (release = resolve));
    const phoneClosed = new Promise((resolve) => phone.on("close", resolve));
    phoneClosed.then(() => released).then(() => pc.end());
    pc.pipe(phone);
    phone.on("data", (d) => pc.write(d));
    pc.on("close", () => phone.destroy());
    pc.on("error", () => phone.destroy());
    phone.on("error", () => {});
    const link = { phoneClosed, release, end: () => (pc.end(), phone.destroy()) };
    const w = waiting.shift();
    w ? w(link) : links.push(link);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    next: () => (links.length ? Promise.resolve(links.shift()) : new Promise((resolve) => waiting.push(resolve))),
    close: () => server.close(),
  };
}

/**
 * A substream's /proc status, e.g. pcmStatus(1, "c", 0) for hw:Loopback,1,0's capture side:
 * { state, owner_pid, tstamp (wall-clock s), hw_ptr, ... } or { state: "closed" }.
 */
export function pcmStatus(device, dir, sub) {
  const text = readFileSync(`/proc/asound/Loopback/pcm${device}${dir}/sub${sub}/status`, "utf8");
  const status = {};
  for (const line of text.split("\n")) {
    const m = line.match(/^(\w+)\s*:\s*(.*)$/);
    if (m) status[m[1]] = /^-?[\d.]+$/.test(m[2]) ? Number(m[2]) : m[2];
  }
  if (/closed/.test(text)) status.state = "closed";
  return status;
}

/** The hw params of a substream as /proc shows them: { format, channels, rate } or closed. */
export function pcmParams(device, dir, sub) {
  const text = readFileSync(`/proc/asound/Loopback/pcm${device}${dir}/sub${sub}/hw_params`, "utf8");
  if (/closed/.test(text)) return { closed: true };
  const get = (k) => text.match(new RegExp(`^${k}:\\s*(\\S+)`, "m"))?.[1];
  return { format: get("format"), channels: Number(get("channels")), rate: Number(get("rate")) };
}

/** A UDP port that was free a moment ago. */
export async function freeUdpPort() {
  const s = createSocket("udp4");
  await new Promise((resolve) => s.bind(0, "127.0.0.1", resolve));
  const port = s.address().port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Decodes WO MIC datagrams (11-byte header, Opus) in sequence order with core's OpusDecoder. */
export async function referenceDecode(datagrams) {
  const { OpusDecoder } = await import(join(REPO, "packages/core/dist/src/index.js"));
  const audio = datagrams.filter((d) => d.length > 11 && d[0] === 4 && d.readUInt16BE(2) === d.length - 4);
  audio.sort((a, b) => a.readUInt16BE(4) - b.readUInt16BE(4));
  const decoder = new OpusDecoder({ codec: "opus", sampleRate: 48000, channels: 1 });
  const out = new Int16Array(audio.length * 960);
  const frame = new Int16Array(5760);
  let at = 0;
  for (const d of audio) {
    const n = decoder.decode(d.subarray(11), frame);
    out.set(frame.subarray(0, n), at);
    at += n;
  }
  decoder.dispose();
  return out.subarray(0, at);
}

/**
 * Where `reference` starts in `recording`, to the sample: the first exact occurrence of its
 * first loud 1024 samples. -1 when they occur nowhere.
 */
export function findExact(recording, reference, from = 0) {
  let start = 0;
  while (start < reference.length && Math.abs(reference[start]) < 500) start++;
  const probe = Buffer.from(reference.buffer, reference.byteOffset + 2 * start, 2 * Math.min(1024, reference.length - start));
  const hay = Buffer.from(recording.buffer, recording.byteOffset, recording.byteLength);
  for (let at = hay.indexOf(probe, 2 * from); at >= 0; at = hay.indexOf(probe, at + 1)) {
    if (at % 2 === 0) return at / 2 - start;
  }
  return -1;
}

/** Samples of `reference` that differ from `recording` at `offset` (missing ones count). */
export function mismatches(recording, reference, offset) {
  let bad = 0;
  for (let i = 0; i < reference.length; i++) if (recording[offset + i] !== reference[i]) bad++;
  return bad;
}

/** The first `max` runs of samples that differ, as "from–to" sample indices of `reference`. */
export function differingRanges(recording, reference, offset, max = 8) {
  const ranges = [];
  let count = 0;
  for (let i = 0; i < reference.length; i++) {
    if (recording[offset + i] === reference[i]) continue;
    const last = ranges[ranges.length - 1];
    if (last && last[1] === i - 1) last[1] = i;
    else {
      count++;
      if (ranges.length < max) ranges.push([i, i]);
    }
  }
  return ranges.map(([a, b]) => `${a}–${b}`).join(", ") + (count > max ? ` and ${count - max} more runs` : "");
}

/**
 * Cuts `reference` into `chunk`-sample pieces and looks for each, exactly, in `recording`, in
 * order. Returns { chunks, found, shifts }: how many loud chunks there were, how many occur
 * bit-exact, and how often the offset changed between consecutive found chunks (a gap or a
 * repeat in the recording).
 */
export function chunkMatch(recording, reference, chunk = 4800) {
  let chunks = 0;
  let found = 0;
  let shifts = 0;
  let lastOffset;
  let from = 0;
  for (let at = 0; at + chunk <= reference.length; at += chunk) {
    const piece = reference.subarray(at, at + chunk);
    if (!piece.some((s) => Math.abs(s) >= 500)) continue;
    chunks++;
    const where = findExact(recording, piece, from);
    if (where < 0 || mismatches(recording, piece, where) !== 0) continue;
    found++;
    const offset = where - at;
    if (lastOffset !== undefined && offset !== lastOffset) shifts++;
    lastOffset = offset;
    from = where + chunk;
  }
  return { chunks, found, shifts };
}

/** Amplitude of the `hz` component of one channel (Goertzel over the whole span). */
export function toneAmplitude(samples, rate, hz, channels = 1, channel = 0) {
  const n = Math.floor(samples.length / channels);
  const w = (2 * Math.PI * hz) / rate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = samples[i * channels + channel] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / n;
}

/**
 * The `hz` amplitude of one channel in consecutive windows of `windowMs`, sorted: its median is
 * the tone's level, unaffected by a few gaps in a recording.
 */
export function windowAmplitudes(samples, rate, hz, { windowMs = 50, channels = 1, channel = 0 } = {}) {
  const n = Math.round((rate * windowMs) / 1000) * channels;
  const out = [];
  for (let at = 0; at + n <= samples.length; at += n) out.push(toneAmplitude(samples.subarray(at, at + n), rate, hz, channels, channel));
  return out.sort((a, b) => a - b);
}

/**
 * Per window of `windowMs`, sorted: how far (dB) a sine at `hz` fitted by least squares stands
 * above everything else in the window (noise, distortion, other tones, clicks).
 */
export function windowSnr(samples, rate, hz, { windowMs = 50, channels = 1, channel = 0 } = {}) {
  const n = Math.round((rate * windowMs) / 1000);
  const w = (2 * Math.PI * hz) / rate;
  const out = [];
  for (let at = 0; (at + n) * channels <= samples.length; at += n) {
    // Normal equations for x ≈ a·sin + b·cos + c.
    let ss = 0, cc = 0, sc = 0, s1 = 0, c1 = 0, xs = 0, xc = 0, x1 = 0;
    for (let i = 0; i < n; i++) {
      const x = samples[(at + i) * channels + channel];
      const si = Math.sin(w * i), co = Math.cos(w * i);
      ss += si * si; cc += co * co; sc += si * co; s1 += si; c1 += co;
      xs += x * si; xc += x * co; x1 += x;
    }
    const [a, b, c] = solve3([[ss, sc, s1], [sc, cc, c1], [s1, c1, n]], [xs, xc, x1]);
    let tone = 0, rest = 0;
    for (let i = 0; i < n; i++) {
      const fit = a * Math.sin(w * i) + b * Math.cos(w * i);
      const x = samples[(at + i) * channels + channel];
      tone += fit * fit;
      rest += (x - fit - c) ** 2;
    }
    out.push(10 * Math.log10(tone / Math.max(rest, 1e-9)));
  }
  return out.sort((x, y) => x - y);
}

function solve3(m, v) {
  const det = (a) => a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const d = det(m);
  return [0, 1, 2].map((k) => det(m.map((row, r) => row.map((x, col) => (col === k ? v[r] : x)))) / d);
}

export const median = (sorted) => (sorted.length ? sorted[sorted.length >> 1] : Number.NaN);

/** The frequency with the most energy between lo and hi Hz, to 1 Hz (over the middle second). */
export function peakFrequency(samples, rate, lo, hi, channels = 1, channel = 0) {
  const second = rate * channels;
  if (samples.length > second) {
    const from = Math.floor((samples.length - second) / 2 / channels) * channels;
    samples = samples.subarray(from, from + second); // the middle second: 1 Hz resolution, less work
  }
  let best = lo;
  let bestAmp = -1;
  for (let hz = lo; hz <= hi; hz++) {
    const a = toneAmplitude(samples, rate, hz, channels, channel);
    if (a > bestAmp) [best, bestAmp] = [hz, a];
  }
  return best;
}

/** The loud part of a recording: from the first to the last sample above `threshold`. */
export function loudSpan(samples, channels = 1, threshold = 1000) {
  let first = -1;
  let last = -1;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]) >= threshold) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return samples.subarray(0, 0);
  first -= first % channels;
  return samples.subarray(first, last + channels - (last % channels));
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Reads a stats JSON file written by `phonemic listen --stats`. */
export const readStats = (file) => JSON.parse(readFileSync(file, "utf8"));

/** Keeps datagrams among the run's results (each as a 2-byte big-endian length, then the bytes). */
export function keepDatagrams(datagrams, name) {
  if (!OUT) return;
  const parts = [];
  for (const d of datagrams) {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(d.length);
    parts.push(len, d);
  }
  writeFileSync(join(OUT, name), Buffer.concat(parts));
}

/** Keeps a file among the run's results on the host. */
export function keep(file, name = file) {
  if (!OUT) return;
  if (existsSync(file)) copyFileSync(file, join(OUT, name));
  else console.log(`no ${file} to keep`);
}

let failures = 0;
/** Prints `ok - what` or `FAIL - what`; the test fails at `finish()` if any check failed. */
export function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} - ${what}`);
  if (!ok) failures++;
  return ok;
}

/** Exits 1 if any check failed, else 0. */
export function finish() {
  console.log(failures ? `${failures} check(s) failed` : "all checks passed");
  process.exit(failures ? 1 : 0);
}
