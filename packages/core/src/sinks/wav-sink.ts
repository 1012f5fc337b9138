import { z } from "zod";
import type { AudioSink, SinkInfo } from "../audio-sink.js";
import { WavWriter } from "../audio/wav.js";
import { ErrorName, PhonemicError } from "../errors.js";
import type { PcmFormat } from "../format.js";
import { defineSink } from "../plugin.js";

/** Writes what would be played to a 16-bit WAV file, valid at every moment (see WavWriter). */
export class WavSink implements AudioSink {
  readonly paced = false;
  private writer: WavWriter | undefined;

  constructor(readonly path: string) {}

  get description(): string {
    return `WAV file ${this.path}`;
  }

  async open(format: PcmFormat): Promise<SinkInfo> {
    try {
      this.writer = new WavWriter(this.path, format);
    } catch (err) {
      throw new PhonemicError(ErrorName.Resource, `cannot write ${this.path}: ${(err as Error).message}`, {
        hint: "Choose a path in a folder that exists and that you can write to (sink.path).",
        cause: err,
      });
    }
    return { format, where: `WAV file ${this.path}` };
  }

  write(frames: Int16Array): number {
    this.writer?.write(frames);
    return frames.length / (this.writer?.format.channels ?? 1);
  }

  delayFrames(): number {
    return 0;
  }

  xruns(): number {
    return 0;
  }

  async close(): Promise<void> {
    this.writer?.close();
  }
}

/** The `wav` sink plugin. */
export const wavSinkPlugin = defineSink({
  id: "wav",
  description: "write the received audio to a WAV file",
  options: z.object({ path: z.string().min(1).default("phonemic.wav") }).strict(),
  create: (options) => new WavSink(options.path),
});

/** Discards audio (measuring, testing). */
export class NullSink implements AudioSink {
  readonly paced = false;
  readonly description = "nowhere (null sink)";
  private channels = 1;

  async open(format: PcmFormat): Promise<SinkInfo> {
    this.channels = format.channels;
    return { format, where: "nowhere (null sink)" };
  }

  write(frames: Int16Array): number {
    return frames.length / this.channels;
  }

  delayFrames(): number {
    return 0;
  }

  xruns(): number {
    return 0;
  }

  async close(): Promise<void> {}
}

/** The `null` sink plugin. */
export const nullSinkPlugin = defineSink({
  id: "null",
  description: "discard the audio (for measuring)",
  options: z.object({}).strict(),
  create: () => new NullSink(),
});
