/**
 * Float32 arithmetic helpers for ports of float32 reference code (PyTorch CPU kernels, diffusers
 * schedulers run on float32 tensors). JavaScript computes in float64; `Math.fround` after each
 * +, −, ×, ÷ or √ of float32 operands gives the correctly rounded float32 result (float64 has
 * more than 2·24+2 bits, so rounding twice is harmless for these operations). A fused
 * multiply-add is the exception, handled by `fma32`. Golden values exercising these helpers live
 * in tests/fixtures/torch-randn/.
 */

export const fround = Math.fround;

/**
 * Correctly rounded float32 fused multiply-add: `RN32(a·b + c)` for float32 `a`, `b`, `c`.
 *
 * The product of two float32 values is exact in float64 (48 significant bits), so only the sum
 * is rounded before the final rounding to float32. That double rounding can go wrong in exactly
 * one situation: the float64 sum lands on a float32 midpoint while the exact sum lies to one
 * side of it. We detect that case and settle it with the exact rounding error of the sum
 * (TwoSum), which is rare enough not to matter for speed.
 */
export function fma32(a: number, b: number, c: number): number {
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

/** The next float32 above `x` (for finite float32 `x`); used by tests and edge-case checks. */
export function nextUp32(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return 1.401298464324817e-45;
  F32[0] = x;
  if (x > 0) U32[0] = (U32[0] ?? 0) + 1;
  else U32[0] = (U32[0] ?? 0) - 1;
  return F32[0] ?? NaN;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

// ---------------------------------------------------------------------------------------------
// torch.exp / torch.log on float32 CPU tensors. ATen's Vectorized<float> (AVX2 build, no MKL)
// calls SLEEF's `Sleef_expf8_u10` / `Sleef_logf8_u10`, which are accurate to 1 ulp but not
// correctly rounded — and DPM-Solver's step coefficients inherit their last bit. These are
// float32 ports of SLEEF's `xexpf` and `xlogf_u1` (sleefsimdsp.c, with the FMA variants of the
// double-float helpers in df.h that the AVX2 build enables).

const R_LN2F = fround(1.442695040888963407359924681001892137426645954152985934135449406931);
const L2UF = fround(0.693145751953125);
const L2LF = fround(1.428606765330187045e-6);
const EXP_C0 = fround(0.000198527617612853646278381);
const EXP_C1 = fround(0.00139304355252534151077271);
const EXP_C2 = fround(0.00833336077630519866943359);
const EXP_C3 = fround(0.0416664853692054748535156);
const EXP_C4 = fround(0.166666671633720397949219);
const LN2_HI = fround(0.69314718246459960938);
const LN2_LO = fround(-1.904654323148236017e-9);
const LOG_T0 = fround(0.3027294874);
const LOG_T1 = fround(0.3996108174);
const LOG_T2 = fround(0.666669488);
const INV_075 = fround(1 / 0.75);
const FLT_MIN = 2 ** -126;

/** `Sleef_expf8_u10`: float32 e^d as torch.exp computes it on CPU. */
export function expF32(d: number): number {
  if (Number.isNaN(d)) return NaN;
  if (d < -104) return 0;
  if (d > 100) return Infinity;
  const q = roundHalfEvenInt(fround(d * R_LN2F)); // _mm256_cvtps_epi32
  let s = fma32(q, -L2UF, d);
  s = fma32(q, -L2LF, s);
  let u = EXP_C0;
  u = fma32(u, s, EXP_C1);
  u = fma32(u, s, EXP_C2);
  u = fma32(u, s, EXP_C3);
  u = fma32(u, s, EXP_C4);
  u = fma32(u, s, 0.5);
  u = fround(1 + fma32(fround(s * s), u, s));
  // vldexp2: two power-of-two factors, so that 2^q may be out of float range on its own.
  const half = q >> 1;
  return fround(fround(u * 2 ** half) * 2 ** (q - half));
}

/** `Sleef_logf8_u10`: float32 ln d as torch.log computes it on CPU. */
export function logF32(d0: number): number {
  if (Number.isNaN(d0) || d0 < 0) return NaN;
  if (d0 === 0) return -Infinity;
  if (d0 === Infinity) return Infinity;
  const tiny = d0 < FLT_MIN;
  const d = tiny ? d0 * 2 ** 64 : d0;
  let e = exponentF32(fround(d * INV_075));
  const m = d * 2 ** -e; // vldexp3: exact exponent adjustment
  if (tiny) e -= 64;
  // s = ln2 (double-float) · e
  let sx = fround(LN2_HI * e);
  let sy = fma32(LN2_LO, e, fma32(LN2_HI, e, -sx));
  // x = (m − 1) / (m + 1) as a double-float
  const [nx, ny] = twoSumF32(-1, m);
  const [dx, dy] = twoSumF32(1, m);
  const t0 = fround(1 / dx);
  const xx = fround(nx * t0);
  const u0 = fma32(t0, nx, -xx);
  const v0 = fma32(-dy, t0, fma32(-dx, t0, 1));
  const xy = fma32(xx, v0, fma32(ny, t0, u0));
  const x2 = fround(xx * xx);
  let t = fma32(LOG_T0, x2, LOG_T1);
  t = fma32(t, x2, LOG_T2);
  // s += 2x (double-float add, |s| ≥ |2x| assumed as in SLEEF)
  const ax = xx * 2;
  const ay = xy * 2;
  const s1 = fround(sx + ax);
  sy = fround(fround(fround(fround(sx - s1) + ax) + sy) + ay);
  sx = s1;
  // s += x³·t
  const w = fround(fround(x2 * xx) * t);
  const s2 = fround(sx + w);
  sy = fround(fround(fround(sx - s2) + w) + sy);
  return fround(s2 + sy);
}

/** SLEEF's `dfadd2_vf2_vf_vf`: the float32 sum and its rounding error. */
function twoSumF32(x: number, y: number): [number, number] {
  const s = fround(x + y);
  const v = fround(s - x);
  return [s, fround(fround(x - fround(s - v)) + fround(y - v))];
}

/** Unbiased exponent field of a positive normal float32 (`vilogb2k_vi2_vf`). */
function exponentF32(x: number): number {
  F32[0] = x;
  return (((U32[0] ?? 0) >>> 23) & 0xff) - 0x7f;
}

function roundHalfEvenInt(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
