import { describe, expect, it } from 'vitest';
import {
  binarizeMask,
  blurMask,
  extendCanvas,
  fillMasked,
  fitImage,
  imageToTensor,
  maskFromRgba,
  maskToLatentGrid,
  overlayOriginal,
  resizeRgba,
  type RgbaImage,
} from './image-ops.ts';

function solid(width: number, height: number, rgb: [number, number, number]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([...rgb, 255], p * 4);
  return { data, width, height };
}

describe('image ops', () => {
  it('Lanczos resize keeps a flat colour flat and halves a 2-colour split cleanly', () => {
    const r = resizeRgba(solid(40, 30, [200, 10, 60]), 16, 16);
    expect(r.width).toBe(16);
    expect(new Set(Array.from(r.data)).size).toBeLessThanOrEqual(4);
    expect(Array.from(r.data.subarray(0, 4))).toEqual([200, 10, 60, 255]);
    const split = solid(32, 8, [0, 0, 0]);
    for (let y = 0; y < 8; y++) for (let x = 16; x < 32; x++) split.data.set([255, 255, 255, 255], (y * 32 + x) * 4);
    const half = resizeRgba(split, 16, 4);
    expect(half.data[0]).toBe(0);
    expect(half.data[(0 * 16 + 15) * 4]).toBe(255);
  });

  it('fit modes: just resize, crop (cover) and fill (fit + edge bands) give the asked size', () => {
    const wide = solid(64, 32, [10, 20, 30]);
    for (const mode of ['just-resize', 'crop-and-resize', 'resize-and-fill'] as const) {
      const out = fitImage(wide, 48, 48, mode);
      expect([out.width, out.height]).toEqual([48, 48]);
      expect(Array.from(out.data.subarray(0, 3))).toEqual([10, 20, 30]);
    }
  });

  it('imageToTensor maps 0 → −1 and 255 → 1 in NCHW order', () => {
    const img = solid(2, 1, [0, 255, 0]);
    const t = imageToTensor(img);
    expect(t.dims).toEqual([1, 3, 1, 2]);
    expect(Array.from(t.data)).toEqual([-1, -1, 1, 1, -1, -1]);
  });

  it('masks: luminance, binarize, nearest to the latent grid, blur keeps the mass', () => {
    const m = maskFromRgba(solid(4, 4, [255, 255, 255]));
    expect(m[0]).toBe(1);
    expect(Array.from(binarizeMask(Float32Array.from([0.2, 0.5, 0.9])))).toEqual([0, 1, 1]);
    const grid = Float32Array.from({ length: 16 }, (_, i) => (i % 4 >= 2 ? 1 : 0));
    expect(Array.from(maskToLatentGrid(grid, 4, 4, 2, 2))).toEqual([0, 1, 0, 1]);
    const dot = new Float32Array(21 * 21);
    dot[10 * 21 + 10] = 1;
    const b = blurMask(dot, 21, 21, 2);
    expect(b.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    expect(b[10 * 21 + 10]).toBeLessThan(0.1);
    expect(blurMask(dot, 21, 21, 0)).toEqual(dot);
  });

  it('fill paints the hole with the surrounding colour and leaves the rest', () => {
    const img = solid(32, 32, [40, 160, 220]);
    const mask = new Float32Array(32 * 32);
    for (let y = 8; y < 24; y++)
      for (let x = 8; x < 24; x++) {
        mask[y * 32 + x] = 1;
        img.data.set([255, 0, 0, 255], (y * 32 + x) * 4);
      }
    const out = fillMasked(img, mask);
    expect(Array.from(out.data.subarray(0, 3))).toEqual([40, 160, 220]);
    const centre = (16 * 32 + 16) * 4;
    expect(Math.abs((out.data[centre] ?? 0) - 40)).toBeLessThanOrEqual(2);
    expect(Math.abs((out.data[centre + 2] ?? 0) - 220)).toBeLessThanOrEqual(2);
  });

  it('overlay keeps the source outside the mask exactly', () => {
    const src = solid(4, 1, [1, 2, 3]);
    const gen = solid(4, 1, [200, 200, 200]);
    const out = overlayOriginal(gen, src, Float32Array.from([0, 1, 0.5, 0]));
    expect(Array.from(out.data.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(Array.from(out.data.subarray(4, 7))).toEqual([200, 200, 200]);
  });

  it('extendCanvas places the image and masks only the new bands', () => {
    const { image, mask } = extendCanvas(solid(8, 8, [9, 9, 9]), { left: 8, right: 0, top: 0, bottom: 8 });
    expect([image.width, image.height]).toEqual([16, 16]);
    expect(mask[0]).toBe(1);
    expect(mask[0 * 16 + 8]).toBe(0);
    expect(mask[8 * 16 + 8]).toBe(1);
    expect(mask.reduce((a, v) => a + v, 0)).toBe(16 * 16 - 64);
  });
});
