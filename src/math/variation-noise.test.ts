import { describe, expect, it } from 'vitest';
import golden from '../../tests/fixtures/img2img/subseed-slerp.json';
import { TorchGenerator } from './torch-generator.ts';
import { initialNoise, slerpA1111 } from './variation-noise.ts';

const SHAPE = [4, 8, 8] as const;
const f = Math.fround;

function lowHigh(c: (typeof golden.cases)[number]) {
  const low = new TorchGenerator(c.seed).randn(SHAPE);
  const high = c.subseed === null ? low.map((v) => f(v * f(1.0001))) : new TorchGenerator(c.subseed).randn(SHAPE);
  return { low, high };
}

function maxRelErr(got: Float32Array, ref: readonly number[]) {
  let worst = 0;
  ref.forEach((r, i) => {
    worst = Math.max(worst, Math.abs((got[i] ?? 0) - r) / Math.max(Math.abs(r), 1e-3));
  });
  return worst;
}

describe('A1111 slerp (modules/rng.py)', () => {
  for (const c of golden.cases) {
    it(`${c.id}: ${c.branch} branch, values as A1111 computes them`, () => {
      const { low, high } = lowHigh(c);
      expect(low.slice(0, 8)).toEqual(Float32Array.from(c.low.first8));
      expect(high.slice(0, 8)).toEqual(Float32Array.from(c.high.first8));
      const out = c.a1111_calls_slerp ? slerpA1111(c.strength, low, high, SHAPE) : null;
      if (out) {
        expect(out.branch).toBe(c.branch);
        expect(out.dotMean).toBeCloseTo(c.dot_mean, 6);
      }
      const noise =
        c.subseed === null
          ? (out?.result as Float32Array)
          : initialNoise(BigInt(c.seed), [1, ...SHAPE], { subseed: BigInt(c.subseed), strength: c.strength }).noise;
      // float32 acos/sin are not correctly rounded in torch (SLEEF); a few ulps of slack.
      expect(maxRelErr(noise, c.noise.values)).toBeLessThan(2e-6);
      expect(noise.reduce((a, b) => a + b, 0)).toBeCloseTo(c.noise.sum, 3);
    });
  }

  it('strength 0 is the seed noise bit for bit; strength 1 is the subseed noise', () => {
    const seed = new TorchGenerator(3).randn([1, 4, 8, 8]);
    const sub = new TorchGenerator(9).randn([1, 4, 8, 8]);
    expect(initialNoise(3n, [1, 4, 8, 8], { subseed: 9n, strength: 0 }).noise).toEqual(seed);
    expect(initialNoise(3n, [1, 4, 8, 8], { subseed: 9n, strength: 1 }).noise).toEqual(sub);
  });

  it('the seed generator continues after the first noise, as the sampler expects', () => {
    const g = new TorchGenerator(3);
    g.randn([1, 4, 8, 8]);
    const next = g.randn([16]);
    const { generator } = initialNoise(3n, [1, 4, 8, 8], { subseed: 9n, strength: 0.4 });
    expect(generator.randn([16])).toEqual(next);
  });
});

describe('resize seed from (A1111 ImageRNG.first)', () => {
  it('old-size noise is pasted centred into the new size, the rest from the seed generator', () => {
    const { noise } = initialNoise(5n, [1, 4, 12, 12], null, { height: 8, width: 8 });
    const old = new TorchGenerator(5).randn([4, 8, 8]);
    const g = new TorchGenerator(5);
    const full = g.randn([1, 4, 12, 12]);
    for (let c = 0; c < 4; c++) {
      for (let y = 0; y < 12; y++) {
        for (let x = 0; x < 12; x++) {
          const inside = y >= 2 && y < 10 && x >= 2 && x < 10;
          const want = inside ? old[(c * 8 + y - 2) * 8 + x - 2] : full[(c * 12 + y) * 12 + x];
          expect(noise[(c * 12 + y) * 12 + x]).toBe(want);
        }
      }
    }
  });

  it('a larger old size is cropped to its centre', () => {
    const { noise } = initialNoise(5n, [1, 4, 8, 8], null, { height: 12, width: 12 });
    const old = new TorchGenerator(5).randn([4, 12, 12]);
    expect(noise[0]).toBe(old[2 * 12 + 2]);
    expect(noise[(3 * 8 + 7) * 8 + 7]).toBe(old[(3 * 12 + 9) * 12 + 9]);
  });

  it('resize from the same size changes nothing', () => {
    expect(initialNoise(5n, [1, 4, 8, 8], null, { height: 8, width: 8 }).noise).toEqual(
      new TorchGenerator(5).randn([1, 4, 8, 8]),
    );
  });
});
