/**
 * Streaming sample-rate converter with an adjustable ratio, for rate conversion (44.1 → 48 kHz)
 * and for drift control (playing a 48 kHz stream 0.05 % faster or slower).
 *
 * Band-limited interpolation: each output frame at fractional input position t is
 *   y(t) = Σ x[floor(t) + k] · h(k − frac(t)),  k = −H+1 … H
 * with h a Blackman-windowed sinc whose cutoff is the lower of the two Nyquist rates.
 * h is tabulated at PHASES fractional offsets (nearest phase is used: the timing error,
 * ≤ 1/(2·PHASES) frame, is below 16-bit resolution for speech).
 *
 * Equal rates at ratio 1 bypass the filter entirely, so PCM passes bit-exact.
 */
const PHASES = 1024;

export class Resampler {
  /** Extra speed factor from drift control: > 1 consumes input faster (plays it sooner). */
  ratio = 1;
  private readonly halfTaps: number;
  private readonly table: Float32Array;
  private readonly step: number;
  private buf: Float32Array;
  private bufFrames: number;
  private pos: number;

  constructor(
    readonly channels: number,
    readonly inRate: number,
    readonly outRate: number,
    halfTaps = 8,
  ) {
    this.halfTaps = halfTaps;
    this.step = inRate / outRate;
    const cutoff = inRate > outRate ? (outRate / inRate) * 0.97 : 1;
    this.table = buildTable(halfTaps, cutoff);
    this.buf = new Float32Array(channels * 4096);
    // History of zeros so the first output frame sits exactly on the first input frame.
    this.bufFrames = halfTaps;
    this.pos = halfTaps;
  }

  /** True when this converter changes nothing (equal rates, ratio 1). */
  get isIdentity(): boolean {
    return this.step === 1 && this.ratio === 1;
  }

  /** An upper bound on output frames for `inFrames` input frames (size `out` with it). */
  maxOutputFrames(inFrames: number): number {
    return Math.ceil((inFrames + this.halfTaps * 2) / (this.step * Math.min(this.ratio, 1) * 0.97)) + 2;
  }

  /** Converts `inFrames` interleaved frames of `input` into `out`; returns output frames. */
  process(input: Int16Array, inFrames: number, out: Int16Array): number {
    const ch = this.channels;
    if (this.isIdentity && this.bufFrames === this.halfTaps && this.pos === this.halfTaps) {
      out.set(input.subarray(0, inFrames * ch));
      return inFrames;
    }
    this.append(input, inFrames);
    const H = this.halfTaps;
    const taps = 2 * H;
    const buf = this.buf;
    const table = this.table;
    const advance = this.step * this.ratio;
    const maxOut = Math.floor(out.length / ch);
    let produced = 0;
    let pos = this.pos;
    while (produced < maxOut) {
      let i = Math.floor(pos);
      let phase = Math.round((pos - i) * PHASES);
      if (phase === PHASES) {
        phase = 0;
        i++;
      }
      if (i + H >= this.bufFrames) break;
      const first = (i - H + 1) * ch;
      const row = phase * taps;
      for (let c = 0; c < ch; c++) {
        let acc = 0;
        for (let j = 0; j < taps; j++) acc += buf[first + j * ch + c]! * table[row + j]!;
        const v = Math.round(acc);
        out[produced * ch + c] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      produced++;
      pos += advance;
    }
    const drop = Math.floor(pos) - H + 1;
    if (drop > 0) {
      buf.copyWithin(0, drop * ch, this.bufFrames * ch);
      this.bufFrames -= drop;
      pos -= drop;
    }
    this.pos = pos;
    return produced;
  }

  /** Forgets buffered input (after a discontinuity). */
  reset(): void {
    this.buf.fill(0, 0, this.halfTaps * this.channels);
    this.bufFrames = this.halfTaps;
    this.pos = this.halfTaps;
  }

  private append(input: Int16Array, inFrames: number): void {
    const ch = this.channels;
    const need = (this.bufFrames + inFrames) * ch;
    if (need > this.buf.length) {
      const bigger = new Float32Array(need * 2);
      bigger.set(this.buf.subarray(0, this.bufFrames * ch));
      this.buf = bigger;
    }
    const base = this.bufFrames * ch;
    for (let s = 0; s < inFrames * ch; s++) this.buf[base + s] = input[s]!;
    this.bufFrames += inFrames;
  }
}

function buildTable(halfTaps: number, cutoff: number): Float32Array {
  const taps = 2 * halfTaps;
  const table = new Float32Array((PHASES + 1) * taps);
  for (let p = 0; p <= PHASES; p++) {
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const x = j - halfTaps + 1 - p / PHASES;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * cutoff * x) / (Math.PI * cutoff * x);
      const w = Math.abs(x) >= halfTaps ? 0 : 0.42 + 0.5 * Math.cos((Math.PI * x) / halfTaps) + 0.08 * Math.cos((2 * Math.PI * x) / halfTaps);
      const h = sinc * w;
      table[p * taps + j] = h;
      sum += h;
    }
    for (let j = 0; j < taps; j++) table[p * taps + j]! /= sum;
  }
  return table;
}
