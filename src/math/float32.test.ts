import { describe, expect, it } from 'vitest';
import { expF32, fma32, fround, logF32, nextUp32 } from './float32.ts';

/** Decomposes a finite double into sign · m · 2^e with integer m (exact). */
function decompose(x: number): { m: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n === 1n ? -1n : 1n;
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  if (exp === 0) return { m: sign * frac, e: -1074 };
  return { m: sign * (frac | (1n << 52n)), e: exp - 1075 };
}

/** RN32(a·b + c) computed exactly with BigInt (normal float32 results only). */
function exactFma32(a: number, b: number, c: number): number {
  const da = decompose(a);
  const db = decompose(b);
  const dc = decompose(c);
  const pe = da.e + db.e;
  const e = Math.min(pe, dc.e);
  const n = ((da.m * db.m) << BigInt(pe - e)) + (dc.m << BigInt(dc.e - e));
  if (n === 0n) return 0;
  const neg = n < 0n;
  let mag = neg ? -n : n;
  const k = mag.toString(2).length - 24;
  let scale = e;
  if (k > 0) {
    const q = mag >> BigInt(k);
    const rem = mag - (q << BigInt(k));
    const half = 1n << BigInt(k - 1);
    mag = rem > half || (rem === half && (q & 1n) === 1n) ? q + 1n : q;
    scale += k;
  }
  const v = Number(mag) * 2 ** scale;
  return neg ? -v : v;
}

/** A deterministic float32 stream for table-free property tests (xorshift32). */
function randomFloats(seed: number, count: number, maxExp: number): number[] {
  let s = seed >>> 0;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: count }, () => {
    const sign = next() < 0.5 ? -1 : 1;
    return fround(sign * (1 + next()) * 2 ** Math.floor((next() - 0.5) * 2 * maxExp));
  });
}

describe('fma32', () => {
  it.each([
    // exact = 2^24 + 1 + 2^-46: just above the midpoint of 2^24 and 2^24 + 2. In float64 the sum
    // rounds onto the midpoint and a plain fround would tie to even (2^24): the wrong answer.
    { a: 1 + 2 ** -23, b: -(1 - 2 ** -23), c: 2 ** 24 + 2, want: 2 ** 24 + 2 },
    { a: -(1 + 2 ** -23), b: -(1 - 2 ** -23), c: -(2 ** 24 + 2), want: -(2 ** 24 + 2) },
    // exact = 2^24 + 1 − 2^-46: just below the midpoint, rounds down.
    { a: 1 + 2 ** -23, b: 1 - 2 ** -23, c: 2 ** 24, want: 2 ** 24 },
    // an exact tie: ties to even
    { a: 1, b: 1, c: 2 ** 24, want: 2 ** 24 },
    { a: 3, b: 1, c: 2 ** 24, want: 2 ** 24 + 4 },
    { a: 0.5, b: 4, c: -2, want: 0 },
  ])('rounds $a·$b + $c correctly', ({ a, b, c, want }) => {
    expect(fma32(fround(a), fround(b), fround(c))).toBe(want);
    expect(exactFma32(fround(a), fround(b), fround(c))).toBe(want);
  });

  it('agrees with exact BigInt arithmetic on 20 000 random triples', () => {
    const xs = randomFloats(1, 20_000, 10);
    const ys = randomFloats(2, 20_000, 10);
    const zs = randomFloats(3, 20_000, 20);
    for (let i = 0; i < xs.length; i++) {
      const [a, b, c] = [xs[i] ?? 0, ys[i] ?? 0, zs[i] ?? 0];
      expect(fma32(a, b, c)).toBe(exactFma32(a, b, c));
    }
  });

  it('agrees with exact arithmetic when a·b + c lands near a float32 midpoint', () => {
    // c = −a·b rounded, plus a few ulps: the sum is then tiny and carries the product's tail.
    const xs = randomFloats(4, 5_000, 4);
    const ys = randomFloats(5, 5_000, 4);
    for (let i = 0; i < xs.length; i++) {
      const a = xs[i] ?? 0;
      const b = ys[i] ?? 0;
      const c = fround(-(a * b) + 2 ** 24 * (i % 3));
      expect(fma32(a, b, c)).toBe(exactFma32(a, b, c));
    }
  });
});

describe('nextUp32', () => {
  it.each([
    [1, 1 + 2 ** -23],
    [-1, -(1 - 2 ** -24)],
    [0, 2 ** -149],
  ])('nextUp32(%d)', (x, want) => {
    expect(nextUp32(x)).toBe(want);
  });
});

describe('SLEEF exp/log (torch.exp / torch.log on float32 CPU tensors)', () => {
  const ulp = (x: number) => nextUp32(Math.abs(x)) - Math.abs(x);

  it('are within 1 ulp of the correctly rounded results', () => {
    for (const x of randomFloats(6, 5_000, 6)) {
      const e = expF32(x);
      expect(Math.abs(e - fround(Math.exp(x)))).toBeLessThanOrEqual(ulp(e));
      const l = logF32(Math.abs(x));
      expect(Math.abs(l - fround(Math.log(Math.abs(x))))).toBeLessThanOrEqual(ulp(l));
    }
  });

  it('reproduces a value where torch.exp is not correctly rounded', () => {
    // DPM++ 2M (SD 1.5, 20 steps), step 2: h = 0.22181594…; torch gives exp(−h) one ulp above
    // the correctly rounded 0.80106276; the golden trajectory depends on that bit.
    const h = fround(0.22181594371795654);
    expect(fround(Math.exp(-h))).toBe(0.8010627627372742);
    expect(expF32(-h)).toBe(0.801062822341919);
  });

  it.each([
    [0, 1],
    [-Infinity, 0],
    [-200, 0],
    [200, Infinity],
  ])('expF32(%d) = %d', (x, want) => {
    expect(expF32(x)).toBe(want);
  });

  it.each([
    [1, 0],
    [0, -Infinity],
    [Infinity, Infinity],
    [1e-40, fround(Math.log(1e-40))],
  ])('logF32(%d)', (x, want) => {
    expect(logF32(x)).toBe(want);
  });

  it('logF32 of negative numbers is NaN', () => {
    expect(logF32(-1)).toBeNaN();
  });
});
