/**
 * The image-to-image modes on the shipped model (onnxruntime-node): img2img, inpainting,
 * outpainting, variation seeds and interpolation, through the one pipeline (src/pipeline/generate.ts).
 * Figures are printed so the report can quote them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseImage } from '../../src/eval/analyse-image.ts';
import type { RgbaImage } from '../../src/math/image-ops.ts';
import { generate, type GeneratedImage, type GenerateRequest } from '../../src/pipeline/generate.ts';
import type { UnetModel } from '../../src/pipeline/types.ts';
import type { LoadedModel } from '../../src/runtime/ort-model.ts';
import { loadNodeModel } from '../../src/runtime/node/ort-node.ts';

let loaded: LoadedModel;
let source: RgbaImage;
const SOURCE_PROMPT = 'a big red circle in the center on a white background';
const OTHER_PROMPT = 'a small blue square in the top left corner on a black background';

async function run(req: Partial<GenerateRequest>, model = loaded.model): Promise<GeneratedImage[]> {
  const out: GeneratedImage[] = [];
  await generate(
    model,
    {
      prompt: SOURCE_PROMPT,
      negativePrompt: '',
      seeds: ['11'],
      steps: 20,
      cfg: 6,
      sampler: 'euler',
      width: 64,
      height: 64,
      ...req,
    },
    { clock: () => performance.now(), onImage: (i) => out.push(i) },
  );
  return out;
}
const one = async (req: Partial<GenerateRequest>) => (await run(req))[0] as GeneratedImage;

/** Mean and max absolute RGB difference over the pixels `where` selects. */
function diff(
  a: Uint8ClampedArray,
  b: Uint8ClampedArray,
  width: number,
  where: (x: number, y: number) => boolean = () => true,
) {
  let sum = 0;
  let n = 0;
  let max = 0;
  for (let p = 0; p < a.length / 4; p++) {
    if (!where(p % width, Math.floor(p / width))) continue;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs((a[p * 4 + c] ?? 0) - (b[p * 4 + c] ?? 0));
      sum += d;
      max = Math.max(max, d);
      n++;
    }
  }
  return { mean: sum / n, max };
}

function leftHalfMask(): RgbaImage {
  const data = new Uint8ClampedArray(64 * 64 * 4);
  for (let p = 0; p < 64 * 64; p++) {
    const v = p % 64 < 32 ? 255 : 0;
    data.set([v, v, v, 255], p * 4);
  }
  return { data, width: 64, height: 64 };
}

beforeAll(async () => {
  loaded = await loadNodeModel('models/tiny-shapes');
  const s = await one({});
  source = { data: s.rgba, width: s.width, height: s.height };
  expect(analyseImage(source.data, 64, 64).object?.colour).toBe('red');
});
afterAll(async () => {
  await loaded.release();
});

describe('img2img (StableDiffusionImg2ImgPipeline)', () => {
  it('the shipped model has a VAE encoder and says so', () => {
    expect(loaded.summary.vaeEncoder).toBe(true);
    expect(loaded.model.vaeEncoder).not.toBeNull();
    expect(loaded.summary.unetInChannels).toBe(4);
  });

  it('low strength keeps the source shape and colour; high strength follows the prompt', async () => {
    const img = (strength: number, seed: string) =>
      one({
        prompt: OTHER_PROMPT,
        cfg: 1,
        seeds: [seed],
        source: { image: source, strength, resizeMode: 'just-resize' },
      });
    for (const seed of ['5', '6']) {
      const low = await img(0.1, seed);
      const high = await img(0.9, seed);
      const a = analyseImage(low.rgba, 64, 64);
      const b = analyseImage(high.rgba, 64, 64);
      const dLow = diff(low.rgba, source.data, 64).mean;
      const dHigh = diff(high.rgba, source.data, 64).mean;
      console.log(`img2img seed ${seed}: strength 0.1 mean |Δ| ${dLow.toFixed(1)}, strength 0.9 ${dHigh.toFixed(1)}`);
      expect([a.background, a.object?.colour, a.object?.shape, a.object?.position]).toEqual([
        'white',
        'red',
        'circle',
        'center',
      ]);
      expect([b.background, b.object?.colour, b.object?.position]).toEqual(['black', 'blue', 'top left']);
      expect(dLow).toBeLessThan(20);
      expect(dHigh).toBeGreaterThan(100);
    }
  });

  it('strength 0 is the VAE round trip; the seed makes img2img reproducible', async () => {
    const rt = await one({ source: { image: source, strength: 0, resizeMode: 'just-resize' } });
    const err = diff(rt.rgba, source.data, 64);
    console.log(`VAE round trip of the source: mean |Δ| ${err.mean.toFixed(2)}, max ${err.max}`);
    expect(err.mean).toBeLessThan(3);
    const a = await one({ prompt: OTHER_PROMPT, source: { image: source, strength: 0.5, resizeMode: 'just-resize' } });
    const b = await one({ prompt: OTHER_PROMPT, source: { image: source, strength: 0.5, resizeMode: 'just-resize' } });
    expect(a.rgba).toEqual(b.rgba);
  });

  it('a U-Net that returns NaN ends an img2img job with a sentence (the one loop checks every mode)', async () => {
    const nan: UnetModel = {
      ...loaded.model.unet,
      predict: async (x) => ({ data: new Float32Array(x.data.length).fill(NaN), dims: x.dims }),
    };
    await expect(
      run({ source: { image: source, strength: 0.5, resizeMode: 'just-resize' } }, { ...loaded.model, unet: nan }),
    ).rejects.toThrow(/numerically invalid \(NaN or Infinity\) at step 1 of 10/);
  });

  it('a model without a VAE encoder refuses with the reason', async () => {
    await expect(
      run(
        { source: { image: source, strength: 0.5, resizeMode: 'just-resize' } },
        { ...loaded.model, vaeEncoder: null },
      ),
    ).rejects.toThrow(/no VAE encoder/);
  });
});

describe('inpainting (StableDiffusionInpaintPipeline, 4-channel blend) and outpainting', () => {
  const inpaint = (overlay: boolean) =>
    one({
      prompt: 'a big blue circle in the center on a white background',
      source: { image: source, strength: 1, resizeMode: 'just-resize' },
      mask: { image: leftHalfMask(), blur: 4, invert: false, content: 'original', overlay },
    });

  it('changes only the masked area: exact outside with A1111 overlay, VAE-level without', async () => {
    const rt = await one({ source: { image: source, strength: 0, resizeMode: 'just-resize' } });
    const over = await inpaint(true);
    const raw = await inpaint(false);
    const left = (x: number) => x < 24;
    const farRight = (x: number) => x >= 48;
    const inside = diff(over.rgba, source.data, 64, left);
    const outside = diff(over.rgba, source.data, 64, (x) => x >= 40);
    const rawOut = diff(raw.rgba, source.data, 64, farRight);
    const rtOut = diff(rt.rgba, source.data, 64, farRight);
    console.log(
      `inpaint: inside mean |Δ| ${inside.mean.toFixed(1)}; outside (x ≥ 40) with overlay mean ${outside.mean.toFixed(4)} max ${outside.max}; ` +
        `without overlay (x ≥ 48) mean ${rawOut.mean.toFixed(2)} max ${rawOut.max} vs VAE round trip mean ${rtOut.mean.toFixed(2)} max ${rtOut.max}`,
    );
    expect(inside.mean).toBeGreaterThan(20);
    expect(outside.max).toBeLessThanOrEqual(2); // the blur's tail reaches x ≈ 42
    expect(diff(over.rgba, source.data, 64, farRight).max).toBe(0);
    expect(rawOut.mean).toBeLessThan(rtOut.mean * 2 + 1);
  });

  it('inpaint not masked (inverted) repaints the other half', async () => {
    const r = await one({
      prompt: 'a big blue circle in the center on a white background',
      source: { image: source, strength: 1, resizeMode: 'just-resize' },
      mask: { image: leftHalfMask(), blur: 0, invert: true, content: 'original' },
    });
    expect(diff(r.rgba, source.data, 64, (x) => x < 32).max).toBe(0);
    expect(diff(r.rgba, source.data, 64, (x) => x >= 32).mean).toBeGreaterThan(10);
  });

  it('outpainting extends the canvas: the original stays, the new band is painted', async () => {
    const r = await one({
      source: { image: source, strength: 1, resizeMode: 'just-resize' },
      outpaint: { left: 0, right: 64, top: 0, bottom: 0 },
    });
    expect([r.width, r.height]).toEqual([128, 64]);
    let kept = 0;
    let edgeCopy = 0;
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 128; x++) {
        for (let c = 0; c < 3; c++) {
          const got = r.rgba[(y * 128 + x) * 4 + c] ?? 0;
          if (x < 56) kept = Math.max(kept, Math.abs(got - (source.data[(y * 64 + x) * 4 + c] ?? 0)));
          if (x >= 72) edgeCopy += Math.abs(got - (source.data[(y * 64 + 63) * 4 + c] ?? 0));
        }
      }
    }
    console.log(
      `outpaint: max |Δ| on the original ${kept}; new band mean |Δ| from the edge colour ${(edgeCopy / (56 * 64 * 3)).toFixed(1)}`,
    );
    expect(kept).toBe(0);
  });

  it('9-channel U-Nets get cat([latents, mask, masked-image latents]) and no blend', async () => {
    const seen: { channels: number; mask: number[] }[] = [];
    const inner = loaded.model.unet;
    const nine: UnetModel = {
      ...inner,
      inChannels: 9,
      async predict(sample, t, ctx) {
        const [b = 1, c = 0, h = 0, w = 0] = sample.dims;
        const plane = h * w;
        seen.push({ channels: c, mask: Array.from(sample.data.subarray(4 * plane, 5 * plane)) });
        // Run the real 4-channel U-Net on the latent part of each row.
        const rows = Array.from({ length: b }, (_, r) =>
          sample.data.subarray(r * c * plane, r * c * plane + 4 * plane),
        );
        const latents = new Float32Array(b * 4 * plane);
        rows.forEach((row, r) => latents.set(row, r * 4 * plane));
        return inner.predict({ data: latents, dims: [b, 4, h, w] }, t, ctx);
      },
    };
    await run(
      {
        steps: 2,
        source: { image: source, strength: 1, resizeMode: 'just-resize' },
        mask: { image: leftHalfMask(), blur: 0, invert: false, content: 'original' },
      },
      { ...loaded.model, unet: nine },
    );
    expect(seen.length).toBe(2);
    expect(seen[0]?.channels).toBe(9);
    // The mask channel on the 8×8 latent grid: left half 1, right half 0.
    expect(seen[0]?.mask.slice(0, 8)).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    // txt2img on an inpainting U-Net: A1111's "everything masked" conditioning.
    seen.length = 0;
    await run({ steps: 1 }, { ...loaded.model, unet: nine });
    expect(seen[0]?.channels).toBe(9);
    expect(seen[0]?.mask.every((m) => m === 1)).toBe(true);
  });
});

describe('variation seeds and interpolation (A1111 modules/rng.py)', () => {
  it('variation strength 0 gives the seed image, 1 the subseed image, between differs from both', async () => {
    const seedImg = await one({ seeds: ['11'] });
    const subImg = await one({ seeds: ['12'] });
    const v0 = await one({ variation: { subseed: '12', strength: 0 } });
    const v1 = await one({ variation: { subseed: '12', strength: 1 } });
    const vMid = await one({ variation: { subseed: '12', strength: 0.5 } });
    expect(v0.rgba).toEqual(seedImg.rgba);
    expect(v1.rgba).toEqual(subImg.rgba);
    expect(diff(vMid.rgba, seedImg.rgba, 64).mean).toBeGreaterThan(0);
    expect(diff(vMid.rgba, subImg.rgba, 64).mean).toBeGreaterThan(0);
    expect(v1.variation).toEqual({ subseed: '12', strength: 1 });
  });

  it('a batch with a variation seed uses subseed + i, as A1111', async () => {
    const batch = await run({ seeds: ['11', '12'], variation: { subseed: '40', strength: 0.3 } });
    expect(batch.map((b) => b.variation?.subseed)).toEqual(['40', '41']);
  });

  it('resize seed from the same size changes nothing; from 128×128 it changes the image', async () => {
    const plain = await one({});
    expect((await one({ seedResizeFrom: { width: 64, height: 64 } })).rgba).toEqual(plain.rgba);
    expect(
      diff((await one({ seedResizeFrom: { width: 128, height: 128 } })).rgba, plain.rgba, 64).mean,
    ).toBeGreaterThan(0);
  });

  it('seed interpolation: N frames, the end frames are the two seeds’ images', async () => {
    const frames = await run({ interpolate: { toSeed: '12', frames: 4 } });
    expect(frames.length).toBe(4);
    expect(frames[0]?.rgba).toEqual((await one({ seeds: ['11'] })).rgba);
    expect(frames[3]?.rgba).toEqual((await one({ seeds: ['12'] })).rgba);
    expect(frames.map((f) => f.variation?.strength)).toEqual([0, 1 / 3, 2 / 3, 1]);
  });

  it('prompt interpolation: the end frames are the two prompts’ images', async () => {
    const frames = await run({ interpolate: { toPrompt: OTHER_PROMPT, frames: 3 } });
    expect(frames[0]?.rgba).toEqual((await one({})).rgba);
    expect(frames[2]?.rgba).toEqual((await one({ prompt: OTHER_PROMPT })).rgba);
    expect(frames[1]?.promptMix).toBe(0.5);
  });
});
