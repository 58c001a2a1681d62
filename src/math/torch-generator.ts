/**
 * A port of PyTorch's CPU random generator as used by
 * `torch.randn(shape, generator=torch.Generator().manual_seed(seed))` (torch 1.13, x86-64),
 * reproducing its float32 output bit for bit:
 *
 * - engine: `at::mt19937` (standard MT19937) seeded with the low 32 bits of the seed;
 * - numel ≥ 16: `normal_fill_AVX2` in ATen's DistributionKernels.cpp — float uniforms for every
 *   slot, Box–Muller over blocks of 16 (`normal_fill_16_AVX2`) with avx_mathfun's `log256_ps` and
 *   `sincos256_ps` evaluated in float32 with the fused multiply-adds the compiler emits, and a
 *   redraw of the last 16 slots when numel is not a multiple of 16;
 * - numel < 16: `at::normal_distribution<double>` one element at a time, which caches the second
 *   Box–Muller value in the generator.
 *
 * Golden values (torch's own output) live in tests/fixtures/torch-randn/.
 */

import { fround } from './float32.ts';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

// avx_mathfun constants, as the float32 values the kernel loads.
const SQRTHF = fround(0.707106781186547524);
/** log256_ps polynomial p0…p8 (Horner, highest first). */
const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(fround);
const LOG_Q1 = fround(-2.1219444e-4);
const LOG_Q2 = fround(0.693359375);
const FOPI = fround(1.27323954473516);
/** −π/4 split in three (Cody–Waite) for the range reduction. */
const MINUS_DP = [-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8].map(fround);
const SIN_P = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(fround);
const COS_P = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(fround);
// `_mm256_set1_ps(2.0f * c10::pi<double>)`: 2π in double, then rounded to float.
const TWO_PI_F32 = fround(2 * Math.PI);
const TWO_POW_M24 = 2 ** -24;
const TWO_POW_M53 = 2 ** -53;
const TWO_POW_32 = 2 ** 32;
// 2^-p for p = 0..25: frexp of an integer in [1, 2^24] without bit casts.
const INV_POW2 = Array.from({ length: 26 }, (_, p) => 2 ** -p);

const MAX_SEED = (1n << 64n) - 1n;
const MIN_SEED = -(1n << 63n);

/** Low 32 bits of a seed, as `torch.Generator.manual_seed` + `at::mt19937` keep them. */
function seedLow32(seed: bigint | number): number {
  let s: bigint;
  if (typeof seed === 'bigint') {
    s = seed;
  } else {
    if (!Number.isInteger(seed)) throw new RangeError(`TorchGenerator: seed must be an integer, got ${seed}`);
    s = BigInt(seed);
  }
  if (s > MAX_SEED || s < MIN_SEED) {
    throw new RangeError(`TorchGenerator: seed ${s} is outside [-2^63, 2^64 - 1]`);
  }
  // BigInt.asUintN wraps negative seeds mod 2^64 first; the low 32 bits are the same either way.
  return Number(BigInt.asUintN(32, s));
}

export class TorchGenerator {
  private readonly state = new Int32Array(N);
  private index = N;
  private cachedNormal: number | null = null;
  /** Scratch for the 24-bit uniforms of the numel ≥ 16 path, reused between draws. */
  private uniforms = new Int32Array(0);

  constructor(seed: bigint | number) {
    const mt = this.state;
    mt[0] = seedLow32(seed);
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ?? 0;
      mt[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
  }

  /** Next raw 32-bit MT19937 output (unsigned). */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++] ?? 0;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `torch.randn(shape, generator=this)` in float32; successive calls continue the stream. */
  randn(shape: readonly number[]): Float32Array {
    let numel = 1;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`TorchGenerator.randn: bad shape [${shape.join(', ')}]`);
      numel *= d;
    }
    const out = new Float32Array(numel);
    if (numel >= 16) this.fillNormalFloat(out);
    else for (let i = 0; i < numel; i++) out[i] = this.nextDoubleNormal();
    return out;
  }

  private twist(): void {
    const mt = this.state;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const y = ((mt[kk] ?? 0) & UPPER_MASK) | ((mt[kk + 1] ?? 0) & LOWER_MASK);
      mt[kk] = (mt[kk + M] ?? 0) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; kk < N - 1; kk++) {
      const y = ((mt[kk] ?? 0) & UPPER_MASK) | ((mt[kk + 1] ?? 0) & LOWER_MASK);
      mt[kk] = (mt[kk + M - N] ?? 0) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = ((mt[N - 1] ?? 0) & UPPER_MASK) | ((mt[0] ?? 0) & LOWER_MASK);
    mt[N - 1] = (mt[M - 1] ?? 0) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.index = 0;
  }

  /** `uniform_real_distribution<double>(0, 1)`: 53 bits from two draws, the first one high. */
  private nextDouble(): number {
    const hi = this.nextUint32() & 0x1fffff;
    const lo = this.nextUint32();
    return (hi * TWO_POW_32 + lo) * TWO_POW_M53;
  }

  /** `normal_distribution<double>` with mean 0, std 1, including the generator's cache. */
  private nextDoubleNormal(): number {
    if (this.cachedNormal !== null) {
      const v = this.cachedNormal;
      this.cachedNormal = null;
      return v;
    }
    const u1 = this.nextDouble();
    const u2 = this.nextDouble();
    const r = Math.sqrt(-2 * Math.log(1 - u2));
    const theta = 2 * Math.PI * u1;
    this.cachedNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** `normal_fill_AVX2`: uniforms into every slot, then Box–Muller in blocks of 16. */
  private fillNormalFloat(out: Float32Array): void {
    const numel = out.length;
    if (this.uniforms.length < numel) this.uniforms = new Int32Array(numel);
    const u = this.uniforms;
    for (let i = 0; i < numel; i++) u[i] = this.nextUint32() & 0xffffff;
    for (let i = 0; i < numel - 15; i += 16) boxMuller16(u, i, out, i);
    if (numel % 16 !== 0) {
      // torch redraws the last 16 slots from fresh uniforms and transforms them again.
      const start = numel - 16;
      for (let i = 0; i < 16; i++) u[start + i] = this.nextUint32() & 0xffffff;
      boxMuller16(u, start, out, start);
    }
  }
}

/**
 * `normal_fill_16_AVX2` on one block: u[k] are 24-bit integers m with uniform = m·2^-24.
 * u1 = 1 − uniform (exact) goes through the log, u2 through sincos.
 */
function boxMuller16(u: Int32Array, at: number, out: Float32Array, outAt: number): void {
  for (let j = 0; j < 8; j++) {
    const radius = fround(Math.sqrt(-2 * log256(16777216 - (u[at + j] ?? 0))));
    const theta = fround(TWO_PI_F32 * ((u[at + j + 8] ?? 0) * TWO_POW_M24));
    sincos256(theta);
    out[outAt + j] = fround(radius * sinCos[1]);
    out[outAt + j + 8] = fround(radius * sinCos[0]);
  }
}

/**
 * avx_mathfun `log256_ps` of x = k·2^-24 (k in [1, 2^24]), float32 with GCC's FMA contractions.
 * The frexp step reads the exponent off k instead of the float's bits: same result, no casts.
 */
function log256(k: number): number {
  const p = 32 - Math.clz32(k);
  let x = k * (INV_POW2[p] ?? 0); // mantissa in [0.5, 1)
  let e = p - 24;
  // Both branches are exact in float32 (Sterbenz), so no fround is needed.
  if (x < SQRTHF) {
    e -= 1;
    x = x - 1 + x;
  } else {
    x = x - 1;
  }
  const z = fround(x * x);
  let y = LOG_P[0] ?? 0;
  // Horner with one FMA call site: V8's inlining budget then covers every FMA in the kernel.
  for (let i = 1; i < LOG_P.length; i++) y = fma32(y, x, LOG_P[i] ?? 0);
  y = fround(y * x);
  y = fma32(y, z, fround(e * LOG_Q1));
  y = fround(y - z * 0.5); // z·0.5 is exact, so fused or not gives the same
  x = fround(x + y);
  return fround(x + e * LOG_Q2); // e·q2 is exact (q2 has 9 significant bits)
}

/**
 * Correctly rounded float32 fused multiply-add, kept identical to `fma32` in ./float32 (whose
 * test checks it against exact arithmetic; the bit-exact randn goldens cover this copy). It is
 * repeated because V8 did not inline the imported function when the modules run unbundled
 * (tsx, Vitest), and these ~25 FMAs per value are the hot loop: the local copy makes
 * randn(4×64×64) about 2.5× faster.
 */
function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = fround(s);
  // If s is the midpoint of two float32 neighbours, they are r and n = s + (s − r); otherwise n
  // is not a float32 (or equals r when s already is one) and r is the correctly rounded result.
  const n = s + (s - r);
  if (fround(n) !== n || n === r) return r;
  return settleMidpoint(p, c, s, r, n);
}

/** The rare midpoint case of fma32, kept out of line so the hot function stays small to inline. */
function settleMidpoint(p: number, c: number, s: number, r: number, n: number): number {
  if ((r + n) * 0.5 !== s) return r;
  const bv = s - p;
  const err = p - (s - bv) + (c - bv); // exact error of s = p + c (TwoSum)
  if (err === 0) return r; // a true tie, which fround already broke to even
  return err > 0 === n > r ? n : r;
}

/** [sin, cos] of the last `sincos256` call: a module-level pair avoids an allocation per value. */
const sinCos: [number, number] = [0, 0];

/** avx_mathfun `sincos256_ps` for x ≥ 0 (θ = 2π·u2), float32 with GCC's FMA contractions. */
function sincos256(x0: number): void {
  let j = Math.trunc(fround(x0 * FOPI)) | 0; // cvttps: truncate to int32
  j = (j + 1) & ~1;
  const y = j;
  // Cody–Waite reduction x − y·π/4 in three pieces, each a fused multiply-add.
  let x = x0;
  for (let i = 0; i < MINUS_DP.length; i++) x = fma32(y, MINUS_DP[i] ?? 0, x);
  const z = fround(x * x);

  let c = COS_P[0] ?? 0;
  let s = SIN_P[0] ?? 0;
  for (let i = 1; i < COS_P.length; i++) {
    c = fma32(c, z, COS_P[i] ?? 0);
    s = fma32(s, z, SIN_P[i] ?? 0);
  }
  c = fround(c * z);
  c = fma32(c, z, -(z * 0.5));
  c = fround(c + 1);
  s = fround(s * z);
  s = fma32(s, x, x);

  const usePolySinForSin = (j & 2) === 0;
  let sinV = usePolySinForSin ? s : c;
  let cosV = usePolySinForSin ? c : s;
  if ((j & 4) !== 0) sinV = -sinV;
  if ((~(j - 2) & 4) !== 0) cosV = -cosV;
  sinCos[0] = sinV;
  sinCos[1] = cosV;
}
