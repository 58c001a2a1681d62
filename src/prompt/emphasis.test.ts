import { describe, expect, it } from 'vitest';
import { applyEmphasis, concatChunks, float32Mean } from './emphasis.ts';

const TOKENS = 77;
const DIM = 16;

/** A deterministic synthetic last_hidden_state [77, 16] with a non-zero mean. */
function syntheticHidden(seed = 1): Float32Array {
  const h = new Float32Array(TOKENS * DIM);
  for (let i = 0; i < h.length; i++) h[i] = Math.sin(i * 0.37 + seed) * 1.5 + 0.25 + ((i * 7919) % 13) / 40;
  return h;
}

/** BOS/EOS/padding 1.0, a few emphasised and de-emphasised tokens. */
function chunkWeights(): number[] {
  const w = Array<number>(TOKENS).fill(1);
  w[1] = 1.1;
  w[2] = 1.5730000000000004;
  w[3] = 1 / 1.1;
  w[4] = 0.5;
  return w;
}

describe('applyEmphasis (A1111 EmphasisOriginal)', () => {
  it('all weights 1: an equal copy, not the same array', () => {
    const h = syntheticHidden();
    const out = applyEmphasis(h, TOKENS, DIM, Array<number>(TOKENS).fill(1));
    expect(out).toEqual(h);
    expect(out).not.toBe(h);
  });

  it('does not modify its input', () => {
    const h = syntheticHidden();
    const before = h.slice();
    applyEmphasis(h, TOKENS, DIM, chunkWeights());
    expect(h).toEqual(before);
  });

  it('weights change the output, and the mean is restored', () => {
    const h = syntheticHidden();
    const out = applyEmphasis(h, TOKENS, DIM, chunkWeights());
    expect(out).not.toEqual(h);
    // The mean is restored up to float32 rounding of the last multiply.
    expect(Math.abs(float32Mean(out) - float32Mean(h))).toBeLessThan(1e-6 * Math.abs(float32Mean(h)));
  });

  it('scales each token by weight × (one common ratio), broadcast over the hidden dim', () => {
    const h = syntheticHidden(3);
    const w = chunkWeights();
    const out = applyEmphasis(h, TOKENS, DIM, w);
    // ratio from an unweighted token (token 10), then every token must be h · w_t · ratio.
    const ratio = (out[10 * DIM] as number) / (h[10 * DIM] as number);
    for (let t = 0; t < TOKENS; t++) {
      for (let d = 0; d < DIM; d++) {
        const i = t * DIM + d;
        expect(out[i]).toBeCloseTo((h[i] as number) * (w[t] as number) * ratio, 5);
      }
    }
    expect(ratio).not.toBeCloseTo(1, 3);
  });

  it('rounds like torch float32 on a hand-worked example', () => {
    // z = [[1, 2], [3, 4]], weights [1, 2]: mean 2.5; z·w = [[1, 2], [6, 8]], mean 4.25;
    // ratio = f32(2.5 / 4.25); out = f32(z·w · ratio).
    const f = Math.fround;
    const ratio = f(2.5 / 4.25);
    const out = applyEmphasis(new Float32Array([1, 2, 3, 4]), 2, 2, [1, 2]);
    expect(Array.from(out)).toEqual([f(1 * ratio), f(2 * ratio), f(6 * ratio), f(8 * ratio)]);
  });

  it('rounds weights to float32 first, as torch.asarray(multipliers) does', () => {
    // 3 × 1.1 rounds to 3.2999999523 in float32, but 3 × f32(1.1) to 3.3000001907: torch gives the latter.
    const f = Math.fround;
    const w = 1.1; // not a float32 value
    const out = applyEmphasis(new Float32Array([3, 3, 1, 1]), 2, 2, [w, 1]);
    const zw = f(3 * f(w));
    expect(zw).not.toBe(f(3 * w));
    const mean = f(f(3 + 3 + 1 + 1) / 4);
    const newMean = f(f(zw + zw + 1 + 1) / 4);
    const ratio = f(mean / newMean);
    expect(Array.from(out)).toEqual([f(zw * ratio), f(zw * ratio), f(1 * ratio), f(1 * ratio)]);
  });

  it('rejects mismatched sizes', () => {
    expect(() => applyEmphasis(new Float32Array(10), 77, 16, chunkWeights())).toThrow(RangeError);
    expect(() => applyEmphasis(syntheticHidden(), TOKENS, DIM, [1, 2])).toThrow(RangeError);
  });
});

describe('float32Mean', () => {
  it.each([
    [[1, 2, 3, 4], 2.5],
    [[0.1, 0.2, 0.3], Math.fround(Math.fround(Math.fround(0.1) + Math.fround(0.2) + Math.fround(0.3)) / 3)],
    [[-1, 1], 0],
  ])('%j → %f', (values, mean) => {
    expect(float32Mean(new Float32Array(values))).toBe(mean);
  });
});

describe('concatChunks (torch.hstack over chunks)', () => {
  it('joins along the token axis in order', () => {
    const a = new Float32Array([1, 2, 3, 4]); // 2 tokens × 2
    const b = new Float32Array([5, 6]); // 1 token × 2
    expect(Array.from(concatChunks([a, b], 2))).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('gives 77·k tokens for k chunks', () => {
    const parts = [syntheticHidden(1), syntheticHidden(2), syntheticHidden(3)];
    const joined = concatChunks(parts, DIM);
    expect(joined.length).toBe(3 * TOKENS * DIM);
    expect(joined.subarray(TOKENS * DIM, 2 * TOKENS * DIM)).toEqual(parts[1]);
  });
  it('rejects a chunk that is not whole tokens', () => {
    expect(() => concatChunks([new Float32Array(3)], 2)).toThrow(RangeError);
  });
});
