import { describe, expect, it } from 'vitest';
import { decodedToRgba, latentsToPreviewRgba, parseLatentRgbMap } from './image.ts';

describe('decodedToRgba', () => {
  it('maps [-1, 1] to bytes as diffusers does ((x/2 + 0.5) clamped, ×255, rounded)', () => {
    // 2×1 image: pixel 0 = (-1, 0, 1), pixel 1 = (2, -2, NaN)
    const data = Float32Array.from([-1, 2, 0, -2, 1, NaN]);
    const { rgba, width, height } = decodedToRgba({ data, dims: [1, 3, 1, 2] });
    expect([width, height]).toEqual([2, 1]);
    expect(Array.from(rgba)).toEqual([0, 128, 255, 255, 255, 0, 0, 255]);
  });
});

describe('latent preview', () => {
  it('applies rgb = latent·W + b per pixel', () => {
    const map = parseLatentRgbMap({
      weights: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
        [0, 0, 0],
      ],
      bias: [0, 0, 0],
    });
    expect(map).not.toBeNull();
    const latents = { data: Float32Array.from([0.5, 1, 0.25, 0]), dims: [1, 4, 1, 1] };
    const { rgba } = latentsToPreviewRgba(latents, map!, 1);
    expect(Array.from(rgba)).toEqual([128, 255, 64, 255]);
  });
  it('rejects malformed coefficient files', () => {
    expect(parseLatentRgbMap({ weights: [[1, 2]], bias: [0, 0, 0] })).toBeNull();
    expect(parseLatentRgbMap('nope')).toBeNull();
  });
});
