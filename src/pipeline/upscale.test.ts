import { describe, expect, it } from 'vitest';
import type { Float32Tensor } from '../math/tensor.ts';
import { CancelledError } from './denoise.ts';
import {
  passesFor,
  planTiles,
  upscaleImage,
  upscaleTarget,
  upscaleTiled,
  type SuperResolutionModel,
} from './upscale.ts';

/** A position-independent ×s network (nearest upsampling plus a local 3×3 mean): tiling must not change it. */
function localModel(scale: number, seen: number[][] = []): SuperResolutionModel {
  return {
    scale,
    async run(t: Float32Tensor) {
      const [, c = 3, h = 0, w = 0] = t.dims;
      seen.push([h, w]);
      const out = new Float32Array(c * h * scale * w * scale);
      for (let ch = 0; ch < c; ch++)
        for (let y = 0; y < h * scale; y++)
          for (let x = 0; x < w * scale; x++) {
            const sy = Math.floor(y / scale);
            const sx = Math.floor(x / scale);
            let acc = 0;
            let n = 0;
            for (let dy = -1; dy <= 1; dy++)
              for (let dx = -1; dx <= 1; dx++) {
                const yy = sy + dy;
                const xx = sx + dx;
                if (yy < 0 || xx < 0 || yy >= h || xx >= w) continue;
                acc += t.data[ch * h * w + yy * w + xx] ?? 0;
                n++;
              }
            out[ch * h * scale * w * scale + y * w * scale + x] = acc / n;
          }
      return { data: out, dims: [1, c, h * scale, w * scale] };
    },
  };
}

function noiseImage(width: number, height: number, seed = 1) {
  let s = seed;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = i % 4 === 3 ? 255 : s >>> 24;
  }
  return { data, width, height };
}

describe('planTiles', () => {
  it('covers every pixel, keeps tiles within the limit and overlaps neighbours', () => {
    for (const [w, h, tile, overlap] of [
      [200, 130, 64, 16],
      [64, 64, 64, 16],
      [65, 40, 32, 8],
      [300, 20, 48, 24],
    ] as const) {
      const rects = planTiles(w, h, { tile, overlap });
      const covered = new Uint8Array(w * h);
      for (const r of rects) {
        expect(r.width).toBeLessThanOrEqual(tile);
        expect(r.height).toBeLessThanOrEqual(tile);
        expect(r.x + r.width).toBeLessThanOrEqual(w);
        expect(r.y + r.height).toBeLessThanOrEqual(h);
        for (let y = r.y; y < r.y + r.height; y++) for (let x = r.x; x < r.x + r.width; x++) covered[y * w + x] = 1;
      }
      expect(covered.every((v) => v === 1)).toBe(true);
      const xs = [...new Set(rects.map((r) => r.x))].sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i++)
        expect((xs[i - 1] as number) + Math.min(tile, w) - (xs[i] as number)).toBeGreaterThanOrEqual(overlap);
    }
  });
  it('refuses an overlap as large as the tile', () => {
    expect(() => planTiles(100, 100, { tile: 32, overlap: 32 })).toThrow(/tile/);
  });
});

describe('upscaleTiled', () => {
  it('equals the untiled result for a network whose receptive field fits in the blend band', async () => {
    const img = noiseImage(90, 70);
    const whole = await upscaleTiled(img, localModel(2), { tile: 256, overlap: 16 });
    const seen: number[][] = [];
    const tiled = await upscaleTiled(img, localModel(2, seen), { tile: 32, overlap: 12 });
    expect(seen.length).toBeGreaterThan(4);
    // bounded work per run: no tile beyond the limit
    for (const [h, w] of seen) expect(Math.max(h as number, w as number)).toBeLessThanOrEqual(32);
    let maxDiff = 0;
    for (let i = 0; i < whole.data.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs((whole.data[i] ?? 0) - (tiled.data[i] ?? 0)));
    expect(tiled.width).toBe(180);
    expect(tiled.height).toBe(140);
    expect(maxDiff).toBeLessThanOrEqual(1);
  });
  it('pads tiles for a fixed-size graph and crops its output', async () => {
    const seen: number[][] = [];
    const base = localModel(2, seen);
    const fixed: SuperResolutionModel = {
      scale: 2,
      fixedInput: { width: 32, height: 32 },
      run: (t) => {
        expect(t.dims).toEqual([1, 3, 32, 32]);
        return base.run(t);
      },
    };
    const img = noiseImage(40, 20);
    const out = await upscaleTiled(img, fixed, { tile: 999, overlap: 8 });
    expect([out.width, out.height]).toEqual([80, 40]);
    expect(seen.length).toBe(2);
  });
  it('stops between tiles when cancelled', async () => {
    let calls = 0;
    const model = localModel(2);
    const counting: SuperResolutionModel = { scale: 2, run: (t) => (calls++, model.run(t)) };
    await expect(
      upscaleTiled(noiseImage(100, 100), counting, { tile: 32, overlap: 8 }, { isCancelled: () => calls >= 2 }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toBe(2);
  });
});

describe('upscaleImage (A1111 Upscaler.upscale)', () => {
  it('lands on int(w·scale // 8 · 8) and runs the model as many times as needed', async () => {
    expect(upscaleTarget(64, 48, 2)).toEqual({ width: 128, height: 96 });
    expect(upscaleTarget(70, 50, 1.5)).toEqual({ width: 104, height: 72 });
    expect(passesFor(64, 64, 4, 2)).toBe(2);
    expect(passesFor(64, 64, 2, 4)).toBe(1);
    const seen: number[][] = [];
    const x4 = await upscaleImage(noiseImage(64, 48), 4, {
      kind: 'model',
      name: 'x2',
      model: localModel(2, seen),
      tiles: { tile: 512, overlap: 16 },
    });
    expect([x4.width, x4.height]).toEqual([256, 192]);
    expect(seen).toEqual([
      [48, 64],
      [96, 128],
    ]);
    const x2 = await upscaleImage(noiseImage(64, 48), 2, {
      kind: 'model',
      name: 'x4',
      model: localModel(4),
      tiles: { tile: 512, overlap: 16 },
    });
    expect([x2.width, x2.height]).toEqual([128, 96]);
    const lanczos = await upscaleImage(noiseImage(64, 48), 2, { kind: 'lanczos', name: 'Lanczos' });
    expect([lanczos.width, lanczos.height]).toEqual([128, 96]);
  });
});
