/**
 * Tiling on the real Real-ESRGAN general x4v3 architecture (a random-weight replica with strong,
 * position-dependent texture, run by onnxruntime-node): the overlapped, cross-faded tiles match
 * the untiled output, no seam shows, and hard-cut tiles (what the blend replaces) would show one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../src/math/image-ops.ts';
import { planTiles, upscaleTiled, type SuperResolutionModel } from '../../src/pipeline/upscale.ts';
import { loadNodeUpscaler } from '../../src/runtime/node/upscaler-node.ts';
import type { LoadedUpscaler } from '../../src/runtime/upscaler-model.ts';
import { ensureSrvggReplica } from '../support/sr-replica.ts';

function scene(width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const inDisc = (x - 40) ** 2 + (y - 30) ** 2 < 400;
      data[i] = inDisc ? 230 : (x * 3) % 256;
      data[i + 1] = inDisc ? 40 : (y * 5) % 256;
      data[i + 2] = ((x + y) * 2) % 256;
      data[i + 3] = 255;
    }
  return { data, width, height };
}

/** Mean |a − b| over RGB of the output columns / rows in a 4-pixel band centred on each tile boundary. */
function seamError(a: RgbaImage, b: RgbaImage, boundaries: { xs: number[]; ys: number[] }): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++) {
      const near = boundaries.xs.some((bx) => Math.abs(x - bx) < 2) || boundaries.ys.some((by) => Math.abs(y - by) < 2);
      if (!near) continue;
      for (let c = 0; c < 3; c++) {
        const i = (y * a.width + x) * 4 + c;
        sum += Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0));
        n++;
      }
    }
  return sum / n;
}

function maxDiff(a: RgbaImage, b: RgbaImage): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0));
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.data.length };
}

describe('Real-ESRGAN general x4v3 replica: tiles', () => {
  let loaded: LoadedUpscaler;
  let whole: RgbaImage;
  const img = scene(96, 72);
  beforeAll(async () => {
    const { dir, info } = ensureSrvggReplica();
    expect(info.parameters).toBe(1_213_296); // realesr-general-x4v3's published size
    loaded = await loadNodeUpscaler(dir, { threads: 1 });
    expect(loaded.model.scale).toBe(4);
    whole = await upscaleTiled(img, loaded.model, { tile: 256, overlap: 16 });
  }, 300_000);

  it('overlapped tiles with a linear cross-fade match the untiled output, with no seam', async () => {
    const seen: number[][] = [];
    const model: SuperResolutionModel = {
      scale: 4,
      run: (t) => {
        seen.push(t.dims.slice(2));
        return loaded.model.run(t);
      },
    };
    const options = { tile: 48, overlap: 24 };
    const tiled = await upscaleTiled(img, model, options);
    expect(seen.length).toBe(planTiles(96, 72, options).length);
    for (const [h, w] of seen) expect(Math.max(h as number, w as number)).toBeLessThanOrEqual(48);
    const d = maxDiff(tiled, whole);
    // the cut receptive field changes a few pixels slightly, never visibly
    expect(d.mean).toBeLessThan(1);
    expect(d.max).toBeLessThanOrEqual(24);

    // Hard-cut tiles (no overlap) of the same network: the seam measure must see them.
    const hard = await upscaleTiled(img, loaded.model, { tile: 48, overlap: 0 });
    const seams = { xs: [48 * 4], ys: [48 * 4 - (96 - 72) * 4] };
    const hardSeam = seamError(hard, whole, { xs: [48 * 4], ys: [] });
    const ourSeam = seamError(tiled, whole, seams);
    expect(hardSeam).toBeGreaterThan(4 * ourSeam);
    expect(ourSeam).toBeLessThan(2);
    console.log(
      `x4v3 replica 96×72: blended tiles mean ${d.mean.toFixed(3)} max ${d.max}; seam band error ${ourSeam.toFixed(3)} vs hard-cut ${hardSeam.toFixed(3)}`,
    );
  }, 300_000);

  it("runs the catalog's fixed 128×128 export (Qualcomm's names, no config.json) by padding edge tiles", async () => {
    const { dir } = ensureSrvggReplica({ fixed: 128 });
    const fixed = await loadNodeUpscaler(dir, { threads: 1, scale: 4 }); // the factor from the catalog entry
    try {
      expect(fixed.model.scale).toBe(4);
      expect(fixed.model.fixedInput).toEqual({ width: 128, height: 128 });
      const sizes: number[][] = [];
      const model: SuperResolutionModel = {
        ...fixed.model,
        run: (t) => {
          sizes.push(t.dims.slice(2));
          return fixed.model.run(t);
        },
      };
      const big = scene(200, 150);
      const out = await upscaleTiled(big, model, fixed.tiles);
      expect([out.width, out.height]).toEqual([800, 600]);
      expect(sizes.length).toBeGreaterThan(1);
      for (const s of sizes) expect(s).toEqual([128, 128]); // every run at the graph's one shape
      // The same weights with a dynamic shape and the same tile plan give the same picture.
      const dynamic = await upscaleTiled(big, loaded.model, fixed.tiles);
      expect(maxDiff(out, dynamic).mean).toBeLessThan(1);
      // An image smaller than the graph's input (the embedded model's 64×48, say) is padded up to
      // it and the output cropped back.
      sizes.length = 0;
      const small = scene(64, 48);
      const padded = await upscaleTiled(small, model, fixed.tiles);
      expect([padded.width, padded.height]).toEqual([256, 192]);
      expect(sizes).toEqual([[128, 128]]);
      // Reference: the dynamic graph on the same picture edge-replicated to 128×128, cropped back.
      const grown = { data: new Uint8ClampedArray(128 * 128 * 4), width: 128, height: 128 };
      for (let y = 0; y < 128; y++)
        for (let x = 0; x < 128; x++)
          for (let c = 0; c < 4; c++)
            grown.data[(y * 128 + x) * 4 + c] = small.data[(Math.min(y, 47) * 64 + Math.min(x, 63)) * 4 + c] ?? 0;
      const reference = await upscaleTiled(grown, loaded.model, { tile: 128, overlap: 0 });
      const cropped = { data: new Uint8ClampedArray(256 * 192 * 4), width: 256, height: 192 };
      for (let y = 0; y < 192; y++)
        cropped.data.set(reference.data.subarray(y * 512 * 4, (y * 512 + 256) * 4), y * 256 * 4);
      expect(maxDiff(padded, cropped).max).toBeLessThanOrEqual(1);
    } finally {
      await fixed.release();
    }
  }, 300_000);
});
