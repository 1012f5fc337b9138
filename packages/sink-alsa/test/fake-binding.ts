/**
 * A stand-in for the native addon, for the paths this machine's kernel cannot show: a
 * Loopback card, busy subdevices, a format locked by the capture side, the rate shift control.
 */
import type { AlsaBinding, CardInfo, NativePcm, PcmApplied, PcmCaps } from "../src/index.js";

/** Any format, any rate, 1–32 channels: what an idle snd-aloop subdevice allows. */
export const openCaps: PcmCaps = {
  s16le: true,
  formats: ["S16_LE", "S32_LE", "FLOAT_LE"],
  rateMin: 8000,
  rateMax: 192000,
  channelsMin: 1,
  channelsMax: 32,
};

export const loopbackCard: CardInfo = { index: 2, id: "Loopback", driver: "Loopback", name: "Loopback" };

/** An addon failure as native/pcm.cc throws it. */
export function alsaFailure(errno: number, alsa = ""): Error {
  return Object.assign(new Error("cannot open: failure"), { errno, alsa });
}

export class FakePcm implements NativePcm {
  configured?: { rate: number; channels: number; periodUs: number; bufferUs: number };
  rateShifts: number[] = [];
  closed = 0;
  constructor(
    readonly name: string,
    private readonly fakeCaps: PcmCaps,
    private readonly where = { card: -1, device: 0, subdevice: 0 },
  ) {}
  caps() {
    return this.fakeCaps;
  }
  configure(rate: number, channels: number, periodUs: number, bufferUs: number): PcmApplied {
    this.configured = { rate, channels, periodUs, bufferUs };
    return { rate, channels, periodFrames: (rate * periodUs) / 1e6, bufferFrames: (rate * bufferUs) / 1e6 };
  }
  location() {
    return this.where;
  }
  write(samples: Int16Array) {
    return samples.length / (this.configured?.channels ?? 1);
  }
  delayFrames() {
    return 0;
  }
  xruns() {
    return 0;
  }
  failure() {
    return undefined;
  }
  setRateShift(value: number) {
    if (this.where.card < 0) return false;
    this.rateShifts.push(value);
    return true;
  }
  async close() {
    this.closed++;
  }
}

/** Options: the cards present, which names fail with which errno, and caps per name. */
export interface FakeSetup {
  cards?: CardInfo[];
  subdevices?: number;
  fail?: Record<string, number>;
  caps?: Record<string, PcmCaps>;
}

export function fakeBinding(setup: FakeSetup): AlsaBinding & { opened: FakePcm[] } {
  const opened: FakePcm[] = [];
  return {
    opened,
    listCards: () => setup.cards ?? [],
    playbackSubdevices: () => setup.subdevices ?? 8,
    openPcm(name) {
      const errno = setup.fail?.[name];
      if (errno !== undefined) throw alsaFailure(errno, "Device or resource busy");
      const hw = /^hw:Loopback,(\d),(\d)$/.exec(name);
      const where = hw ? { card: 2, device: Number(hw[1]), subdevice: Number(hw[2]) } : undefined;
      const pcm = new FakePcm(name, setup.caps?.[name] ?? openCaps, where);
      opened.push(pcm);
      return pcm;
    },
  };
}
