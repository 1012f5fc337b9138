/**
 * Turns a TCP socket into a queue of control messages that can be awaited one at a time, for
 * request/reply exchanges. It remembers the raw bytes of the current step so a failure can
 * show exactly what the peer sent.
 */
import type { Socket } from "node:net";
import { ControlReader, type ControlMessage } from "./wire.js";

/** Why `next` gave up instead of returning a message. */
export type InboxFailure =
  | { readonly kind: "closed" }
  | { readonly kind: "error"; readonly error: Error }
  | { readonly kind: "malformed"; readonly reason: string }
  | { readonly kind: "timeout" }
  | { readonly kind: "aborted" };

export class Inbox {
  /** Reassembles messages; handed on to whoever reads the socket next. */
  readonly reader: ControlReader;
  /** Messages received and not yet taken. */
  readonly queue: ControlMessage[] = [];
  private stepBytes: number[] = [];
  private failure: InboxFailure | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly socket: Socket, maxBodyBytes = 4096) {
    this.reader = new ControlReader(maxBodyBytes);
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("error", this.onError);
  }

  /** Bytes received since the last `beginStep`. */
  get received(): Uint8Array {
    return Uint8Array.from(this.stepBytes);
  }

  /** Starts recording the raw bytes of a new request/reply step. */
  beginStep(): void {
    this.stepBytes = [];
  }

  /** The next message, or why none came within `timeoutMs`. */
  async next(timeoutMs: number, signal: AbortSignal): Promise<ControlMessage | InboxFailure> {
    const queued = this.queue.shift();
    if (queued) return queued;
    if (this.failure) return this.failure;
    if (signal.aborted) return { kind: "aborted" };
    let outcome: InboxFailure | undefined;
    await new Promise<void>((resolve) => {
      const done = (failure?: InboxFailure) => {
        outcome = failure;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(() => done({ kind: "timeout" }), timeoutMs);
      const onAbort = () => done({ kind: "aborted" });
      signal.addEventListener("abort", onAbort, { once: true });
      this.wake = () => done();
    });
    return outcome ?? this.queue.shift() ?? this.failure ?? { kind: "closed" };
  }

  /** Stops listening to the socket (the queue and reader stay readable). */
  detach(): void {
    this.socket.off("data", this.onData);
    this.socket.off("end", this.onEnd);
    this.socket.off("error", this.onError);
    // Keep an error listener so a late reset between hand-overs cannot crash the process.
    this.socket.on("error", () => {});
  }

  private readonly onData = (chunk: Buffer) => {
    for (const b of chunk) if (this.stepBytes.length < 256) this.stepBytes.push(b);
    const result = this.reader.push(chunk);
    this.queue.push(...result.messages);
    if (result.error && !this.failure) this.failure = { kind: "malformed", reason: result.error };
    if (this.queue.length > 0 || this.failure) this.wake?.();
  };

  private readonly onEnd = () => {
    this.failure ??= { kind: "closed" };
    this.wake?.();
  };

  private readonly onError = (error: Error) => {
    this.failure ??= { kind: "error", error };
    this.wake?.();
  };
}
