/**
 * Opus decoding with loss concealment and in-band FEC.
 *
 * @evan/opus's native binding decodes fast but exposes neither packet-loss concealment
 * (opus_decode with no data) nor FEC (decode_fec = 1). Its package also ships libopus compiled
 * to WebAssembly with the raw C entry points, so we instantiate that module ourselves and call
 * opus_decode directly. One module instance is shared by every decoder of the process.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { ErrorName, PhonemicError } from "../errors.js";
import type { StreamFormat } from "../format.js";
import { MAX_PACKET_FRAMES, type Decoder } from "./decoder.js";

/** The slice of the WebAssembly API used here (node's globals, untyped by @types/node 20). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface OpusWasm {
  memory: { buffer: ArrayBuffer };
  malloc(size: number): number;
  free(ptr: number): void;
  opus_decoder_get_size(channels: number): number;
  opus_decoder_init(st: number, rate: number, channels: number): number;
  opus_decode(st: number, data: number, len: number, pcm: number, frameSize: number, fec: number): number;
  opus_decoder_ctl_set(st: number, request: number, value: number): number;
  opus_strerror(code: number): number;
}

/** OPUS_RESET_STATE */
const RESET_STATE = 4028;
const MAX_PACKET_BYTES = 4000;
let shared: OpusWasm | undefined;

/**
 * Compiles the shared module now, every function of it, rather than on the first packet. V8
 * compiles a module's functions lazily, each on its first call by default: that stalled the
 * first packets of a stream for 0.3–0.8 s on a slow machine, long enough to starve the sink.
 */
export function opusWasm(): OpusWasm {
  if (shared) return shared;
  const dir = dirname(createRequire(import.meta.url).resolve("@evan/opus/package.json"));
  const simdProbe = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11);
  const file = WebAssembly.validate(simdProbe) ? "simd.wasm" : "opus.wasm";
  const bytes = readFileSync(join(dir, "wasm", file));
  // Left alone when the user chose a setting for the process (node --[no-]wasm-lazy-compilation).
  const userChose = /wasm-lazy-compilation/.test(`${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`);
  if (!userChose) setFlagsFromString("--no-wasm-lazy-compilation");
  let module: object;
  try {
    module = new WebAssembly.Module(bytes);
  } finally {
    if (!userChose) setFlagsFromString("--wasm-lazy-compilation");
  }
  const noop = () => 0;
  const instance = new WebAssembly.Instance(module, {
    wasi_snapshot_preview1: { fd_seek: noop, fd_write: noop, fd_close: noop, proc_exit: noop },
    env: { emscripten_notify_memory_growth: noop },
  });
  shared = instance.exports as unknown as OpusWasm;
  return shared;
}

/** Frames in an Opus packet at `rate`, from its TOC byte (RFC 6716 §3.1); 0 if unreadable. */
export function opusPacketFrames(packet: Uint8Array, rate: number): number {
  if (packet.length === 0) return 0;
  const toc = packet[0]!;
  const config = toc >> 3;
  let tenthsMs: number;
  if (config < 12) tenthsMs = [100, 200, 400, 600][config & 3]!;
  else if (config < 16) tenthsMs = config & 1 ? 200 : 100;
  else tenthsMs = [25, 50, 100, 200][config & 3]!;
  const code = toc & 3;
  const count = code === 0 ? 1 : code < 3 ? 2 : packet.length > 1 ? packet[1]! & 0x3f : 0;
  return (count * tenthsMs * rate) / 10000;
}

/** Decodes one Opus stream (any rate Opus supports, 1 or 2 channels). */
export class OpusDecoder implements Decoder {
  private readonly wasm = opusWasm();
  private readonly state: number;
  private readonly input: number;
  private readonly output: number;

  constructor(readonly format: StreamFormat) {
    const w = this.wasm;
    this.state = w.malloc(w.opus_decoder_get_size(format.channels));
    this.input = w.malloc(MAX_PACKET_BYTES);
    this.output = w.malloc(MAX_PACKET_FRAMES * format.channels * 2);
    const rc = w.opus_decoder_init(this.state, format.sampleRate, format.channels);
    if (rc < 0) {
      this.dispose();
      throw new PhonemicError(ErrorName.Protocol, `cannot decode Opus at ${format.sampleRate} Hz, ${format.channels} channels (${this.errorText(rc)})`);
    }
  }

  frameCount(payload: Uint8Array): number {
    return opusPacketFrames(payload, this.format.sampleRate);
  }

  decode(payload: Uint8Array, out: Int16Array): number {
    return this.run(payload, this.maxFrames(out), 0, out);
  }

  conceal(frames: number, out: Int16Array, next?: Uint8Array): number {
    const want = Math.min(frames, this.maxFrames(out));
    // FEC recovers the lost frame from the next packet when its encoder put redundancy in it.
    if (next && next.length > 0) {
      try {
        return this.run(next, want, 1, out);
      } catch {
        // Fall through to plain concealment.
      }
    }
    return this.run(undefined, want, 0, out);
  }

  reset(): void {
    this.wasm.opus_decoder_ctl_set(this.state, RESET_STATE, 0);
  }

  dispose(): void {
    for (const ptr of [this.state, this.input, this.output]) if (ptr) this.wasm.free(ptr);
  }

  private maxFrames(out: Int16Array): number {
    return Math.min(MAX_PACKET_FRAMES, Math.floor(out.length / this.format.channels));
  }

  private run(payload: Uint8Array | undefined, frames: number, fec: number, out: Int16Array): number {
    const w = this.wasm;
    let len = 0;
    if (payload) {
      if (payload.length > MAX_PACKET_BYTES) throw new PhonemicError(ErrorName.Protocol, `Opus packet of ${payload.length} bytes is too large`);
      new Uint8Array(w.memory.buffer, this.input, payload.length).set(payload);
      len = payload.length;
    }
    const n = w.opus_decode(this.state, payload ? this.input : 0, len, this.output, frames, fec);
    if (n < 0) throw new PhonemicError(ErrorName.Protocol, `corrupt Opus packet (${this.errorText(n)})`);
    const samples = n * this.format.channels;
    out.set(new Int16Array(w.memory.buffer, this.output, samples));
    return n;
  }

  private errorText(code: number): string {
    const mem = new Uint8Array(this.wasm.memory.buffer);
    let at = this.wasm.opus_strerror(code);
    let s = "";
    while (mem[at]) s += String.fromCharCode(mem[at++]!);
    return s;
  }
}
