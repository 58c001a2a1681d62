/**
 * The shipped super-resolution model (models/tiny-shapes-sr) against bicubic on held-out scenes of
 * the embedded diffusion model's distribution (tests/fixtures/sr, from training/sr/make_fixtures.py):
 * the same measures as its model card, computed here from the pixels, with a margin.
 */
import { readFileSync, statSync } from 'node:fs';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { upscaleImage, type PixelUpscaler } from '../../src/pipeline/upscale.ts';
import { loadNodeUpscaler } from '../../src/runtime/node/upscaler-node.ts';

const FIXTURES = 'tests/fixtures/sr';
const MODEL = 'models/tiny-shapes-sr';

interface Img {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

const readPng = (path: string): Img => {
  const png = PNG.sync.read(readFileSync(path));
  return { data: new Uint8ClampedArray(png.data), width: png.width, height: png.height };
};

function psnr(a: Img, b: Img): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (i % 4 === 3) continue;
    se += ((a.data[i] ?? 0) - (b.data[i] ?? 0)) ** 2;
    n++;
  }
  return 10 * Math.log10((255 * 255) / Math.max(se / n, 1e-10));
}

/** Luma gradient magnitude (central differences), as train_sr.py's grad_mag. */
function gradMag(img: Img): Float64Array {
  const { width: w, height: h } = img;
  const y = new Float64Array(w * h);
  for (let p = 0; p < w * h; p++)
    y[p] = 0.299 * (img.data[p * 4] ?? 0) + 0.587 * (img.data[p * 4 + 1] ?? 0) + 0.114 * (img.data[p * 4 + 2] ?? 0);
  const g = new Float64Array(w * h);
  for (let r = 1; r < h - 1; r++)
    for (let c = 1; c < w - 1; c++) {
      const gx = ((y[r * w + c + 1] ?? 0) - (y[r * w + c - 1] ?? 0)) / 2;
      const gy = ((y[(r + 1) * w + c] ?? 0) - (y[(r - 1) * w + c] ?? 0)) / 2;
      g[r * w + c] = Math.hypot(gx, gy);
    }
  return g;
}

/** Edge sharpness: mean gradient on the reference's edges (gradient > 8), over the reference's own. */
function edgeSharpness(img: Img, ref: Img): number {
  const gr = gradMag(ref);
  const gi = gradMag(img);
  let si = 0;
  let sr = 0;
  for (let p = 0; p < gr.length; p++)
    if ((gr[p] ?? 0) > 8) {
      si += gi[p] ?? 0;
      sr += gr[p] ?? 0;
    }
  return sr === 0 ? 1 : si / sr;
}

describe('models/tiny-shapes-sr', () => {
  let upscaler: PixelUpscaler;
  beforeAll(async () => {
    const loaded = await loadNodeUpscaler(MODEL, { threads: 1 });
    upscaler = { kind: 'model', name: 'Tiny Shapes SR 2x', model: loaded.model, tiles: loaded.tiles };
  });

  it('fits the size budget (≤ 3 MB) and is a ×2 model', () => {
    expect(statSync(`${MODEL}/upscaler/model.onnx`).size).toBeLessThanOrEqual(3 * 1024 * 1024);
    expect(upscaler.kind === 'model' && upscaler.model.scale).toBe(2);
  });

  it('beats bicubic on held-out rendered scenes in PSNR and edge sharpness', async () => {
    const { scenes } = JSON.parse(readFileSync(`${FIXTURES}/scenes.json`, 'utf8')) as { scenes: string[] };
    const rows = { sr: [] as number[], bicubic: [] as number[], srSharp: [] as number[], bicubicSharp: [] as number[] };
    for (const name of scenes) {
      const hr = readPng(`${FIXTURES}/${name}-hr.png`);
      const lr = readPng(`${FIXTURES}/${name}-lr.png`);
      const bicubic = readPng(`${FIXTURES}/${name}-bicubic.png`);
      const sr = await upscaleImage(lr, 2, upscaler);
      expect([sr.width, sr.height]).toEqual([hr.width, hr.height]);
      rows.sr.push(psnr(sr, hr));
      rows.bicubic.push(psnr(bicubic, hr));
      rows.srSharp.push(edgeSharpness(sr, hr));
      rows.bicubicSharp.push(edgeSharpness(bicubic, hr));
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    console.log(
      `tiny-shapes-sr on ${scenes.length} scenes: PSNR ${mean(rows.sr).toFixed(2)} dB vs bicubic ${mean(rows.bicubic).toFixed(2)} dB; edge sharpness ${mean(rows.srSharp).toFixed(3)} vs ${mean(rows.bicubicSharp).toFixed(3)}`,
    );
    // a real margin on average, and never worse than bicubic on any one scene
    expect(mean(rows.sr)).toBeGreaterThan(mean(rows.bicubic) + 3);
    rows.sr.forEach((v, i) => expect(v).toBeGreaterThan(rows.bicubic[i] as number));
    expect(mean(rows.srSharp)).toBeGreaterThan(mean(rows.bicubicSharp) + 0.1);
    expect(mean(rows.srSharp)).toBeLessThan(1.15); // sharper than bicubic without overshooting the truth
  });
});
