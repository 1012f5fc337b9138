/**
 * AndroidMic over USB through adb: `adb reverse tcp:P tcp:P` makes the phone's 127.0.0.1:P
 * reach this PC, and the AndroidMic TCP server listens on 127.0.0.1:P (loopback only: the
 * tunnel arrives there, and nothing on the network needs to reach it).
 *
 *   phone app ──dials 127.0.0.1:P──▶ adbd ══USB══▶ adb server ──▶ 127.0.0.1:P (this transport)
 *
 * The tunnel is (re)made on every `open`, so a replugged phone works again, and removed on
 * `dispose` — or, if the process exits without that, by a synchronous exit hook.
 */
import { androidmicOptions, AndroidMicTransport } from "@phonemic/transport-wifi";
import { ErrorName, PhonemicError, throwIfAborted } from "@phonemic/core";
import type { Clock, Logger, PacketSink, Transport, TransportSession } from "@phonemic/core";
import { Adb } from "./adb.js";
import { onProcessExit } from "./exit-cleanup.js";
import type { UsbAdbOptions } from "../options.js";

/** How long removing the tunnel may take on dispose. */
const REMOVE_TIMEOUT_MS = 5000;

export class UsbAdbTransport implements Transport {
  readonly description: string;
  readonly adb: Adb;
  private readonly server: AndroidMicTransport;
  /** The phone whose reverse tunnel we made, and how to cancel its exit hook. */
  private tunnel: { serial: string; cancelExitHook: () => void } | undefined;
  private disposing: Promise<void> | undefined;

  constructor(
    private readonly options: UsbAdbOptions,
    private readonly deps: { readonly logger: Logger; readonly clock: Clock },
  ) {
    this.adb = new Adb(options.adbPath);
    this.description = `AndroidMic over USB (adb reverse, port ${options.port})`;
    const serverOptions = androidmicOptions.parse({ protocol: "androidmic", address: "127.0.0.1", port: options.port, via: "tcp" });
    this.server = new AndroidMicTransport(serverOptions, deps);
  }

  async open(sink: PacketSink, signal: AbortSignal): Promise<TransportSession> {
    this.checkNotDisposed();
    // Listen first: a port in use fails here, before the phone is touched.
    await this.server.listen(signal);
    await this.makeTunnel(signal);
    return this.server.open(sink, signal);
  }

  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      await this.server.dispose();
      const tunnel = this.tunnel;
      if (!tunnel) return;
      this.tunnel = undefined;
      tunnel.cancelExitHook();
      try {
        await this.adb.removeReverse(tunnel.serial, this.options.port, AbortSignal.timeout(REMOVE_TIMEOUT_MS));
        this.deps.logger.debug(`adb: removed the reverse tunnel of port ${this.options.port} on ${tunnel.serial}`);
      } catch (err) {
        this.deps.logger.warn(`adb: could not remove the reverse tunnel on ${tunnel.serial}: ${(err as Error).message}`);
      }
    })();
    return this.disposing;
  }

  private async makeTunnel(signal: AbortSignal): Promise<void> {
    const { port } = this.options;
    const device = await this.adb.pickDevice(this.options.serial, signal);
    await this.adb.reverse(device.serial, port, false, signal);
    if (this.tunnel?.serial !== device.serial) {
      this.tunnel?.cancelExitHook();
      const serial = device.serial;
      this.tunnel = { serial, cancelExitHook: onProcessExit(() => this.adb.removeReverseSync(serial, port)) };
      this.deps.logger.info(`adb: phone ${serial} reaches this PC through port ${port}; in AndroidMic choose USB (adb) and port ${port}`);
    }
    if (this.disposing) {
      // dispose ran while adb was busy: it found no tunnel to remove, so remove this one now.
      this.tunnel.cancelExitHook();
      this.tunnel = undefined;
      await this.adb.removeReverse(device.serial, port, AbortSignal.timeout(REMOVE_TIMEOUT_MS)).catch(() => {});
      throw new PhonemicError(ErrorName.Aborted, "the usb transport was disposed while setting up");
    }
    throwIfAborted(signal);
  }

  private checkNotDisposed(): void {
    if (this.disposing) throw new PhonemicError(ErrorName.Resource, "the usb transport has been disposed");
  }
}
