import { describe, expect, it } from 'vitest';
import golden from '../../tests/fixtures/torch-randn/torch-randn.json';
import { TorchGenerator } from './torch-generator.ts';

/** Exact (correctly rounded) float64 sum, Shewchuk's algorithm as in Python's math.fsum. */
function fsum(values: Iterable<number>): number {
  const partials: number[] = [];
  for (let x of values) {
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  let n = partials.length;
  let hi = 0;
  let lo = 0;
  if (n > 0) {
    hi = partials[--n] ?? 0;
    while (n > 0) {
      const x = hi;
      const y = partials[--n] ?? 0;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    const below = partials[n - 1];
    if (n > 0 && below !== undefined && ((lo < 0 && below < 0) || (lo > 0 && below > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
  }
  return hi;
}

const seeds = Object.entries(golden.seeds);

describe('TorchGenerator: MT19937 engine', () => {
  it.each(Object.entries(golden.mt19937First8))('seed %s gives torch’s first 8 outputs', (seed, first8) => {
    const g = new TorchGenerator(BigInt(seed));
    expect(Array.from({ length: 8 }, () => g.nextUint32())).toEqual(first8);
  });
});

describe('TorchGenerator.randn: golden values from torch 1.13 (x86-64, AVX2)', () => {
  it.each(seeds)('seed %s, [1, 4, 8, 8] (numel ≥ 16 path): all 256 values bit-exact', (seed, g) => {
    const got = new TorchGenerator(Number(seed)).randn([1, 4, 8, 8]);
    expect(Array.from(got)).toEqual(Array.from(Float32Array.from(g.randn1x4x8x8)));
  });

  it.each(seeds)('seed %s, [1, 4, 64, 64] (SD latents): head, samples and exact sums', (seed, g) => {
    const got = new TorchGenerator(Number(seed)).randn([1, 4, 64, 64]);
    const ref = g.randn1x4x64x64;
    expect(Array.from(got.subarray(0, 32))).toEqual(Array.from(Float32Array.from(ref.first32)));
    for (const [index, value] of Object.entries(ref.at)) expect(got[Number(index)]).toBe(value);
    expect(fsum(got)).toBe(ref.sum);
    expect(fsum(Array.from(got, (v) => v * v))).toBe(ref.sumSq);
  });

  it.each(seeds)('seed %s, [7] (numel < 16: double Box–Muller path)', (seed, g) => {
    const got = new TorchGenerator(Number(seed)).randn([7]);
    expect(Array.from(got)).toEqual(Array.from(Float32Array.from(g.randn7)));
  });
});

describe('TorchGenerator seeds', () => {
  const head = (seed: bigint | number) => Array.from(new TorchGenerator(seed).randn([16]));

  it('keeps only the low 32 bits, like at::mt19937', () => {
    const s = head(2 ** 32 - 1);
    expect(head(2 ** 53 - 1)).toEqual(s);
    expect(head(2n ** 53n - 1n)).toEqual(s);
    expect(head(2n ** 64n - 1n)).toEqual(s);
    expect(head(2 ** 32)).toEqual(head(0));
    expect(head(2n ** 63n + 42n)).toEqual(head(42));
  });

  it('wraps negative seeds modulo 2^64', () => {
    expect(head(-1)).toEqual(head(2n ** 64n - 1n));
    expect(head(-(2n ** 63n))).toEqual(head(2n ** 63n));
    expect(head(-(2 ** 32) + 5)).toEqual(head(5));
  });

  it.each([2n ** 64n, -(2n ** 63n) - 1n, 1.5, Number.NaN, Infinity])('rejects %s', (seed) => {
    expect(() => new TorchGenerator(seed)).toThrow(RangeError);
  });

  it('rejects bad shapes', () => {
    const g = new TorchGenerator(0);
    expect(() => g.randn([2, -1])).toThrow(RangeError);
    expect(() => g.randn([1.5])).toThrow(RangeError);
    expect(g.randn([4, 0])).toHaveLength(0);
  });
});

describe('TorchGenerator stream continuity (derived from the algorithm)', () => {
  const u32 = (g: TorchGenerator, n: number) => Array.from({ length: n }, () => g.nextUint32());

  it('successive draws continue the stream: two [1,4,8,8] draws = one draw of 512', () => {
    // Each numel ≥ 16 draw takes numel uniforms and pairs them within aligned blocks of 16, so
    // drawing 256 twice consumes and transforms exactly what one draw of 512 does.
    const g = new TorchGenerator(7);
    const twice = [...g.randn([1, 4, 8, 8]), ...g.randn([1, 4, 8, 8])];
    expect(twice).toEqual(Array.from(new TorchGenerator(7).randn([512])));
  });

  it('a ragged draw redraws its last 16 slots from fresh uniforms', () => {
    // randn(20): uniforms u0…u19 fill the slots, block u0…u15 is transformed, then u20…u35 are
    // drawn into slots 4…19 and transformed again; 36 engine outputs are used in all.
    const a = new TorchGenerator(3);
    const ragged = a.randn([20]);
    const b = new TorchGenerator(3);
    const first = b.randn([16]);
    u32(b, 4);
    const tail = b.randn([16]);
    expect(Array.from(ragged.subarray(0, 4))).toEqual(Array.from(first.subarray(0, 4)));
    expect(Array.from(ragged.subarray(4))).toEqual(Array.from(tail));
    expect(u32(a, 5)).toEqual(u32(b, 5));
  });

  it('numel < 16 caches the second Box–Muller value across calls', () => {
    const pair = Array.from(new TorchGenerator(11).randn([8]));
    const g = new TorchGenerator(11);
    // 7 values use 4 pairs and leave the 4th pair's sine cached for the next call.
    expect([...g.randn([7]), ...g.randn([1])]).toEqual(pair);
    const h = new TorchGenerator(11);
    expect([...h.randn([1]), ...h.randn([1])]).toEqual(pair.slice(0, 2));
    // A scalar (shape []) has numel 1 and takes the same path.
    expect(Array.from(new TorchGenerator(11).randn([]))).toEqual(pair.slice(0, 1));
  });

  it('the numel ≥ 16 path neither reads nor clears that cache', () => {
    const g = new TorchGenerator(5);
    const [first] = g.randn([1]); // draws 4 engine outputs, caches a sine
    const block = g.randn([16]);
    const [cached] = g.randn([1]);
    const ref = new TorchGenerator(5);
    const pair = ref.randn([2]);
    expect([first, cached]).toEqual(Array.from(pair));
    const skip = new TorchGenerator(5);
    u32(skip, 4);
    expect(Array.from(block)).toEqual(Array.from(skip.randn([16])));
  });
});
