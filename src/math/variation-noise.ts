/**
 * A1111's variation seeds, ported from stable-diffusion-webui `modules/rng.py` (`slerp` and
 * `ImageRNG.first`, commits 0d5dc9a6 / 598aef82), on CPU noise (`randn_source = "CPU"`, torch's CPU
 * generator — src/math/torch-generator.ts):
 *
 * - `slerp(val, low, high)` on one image's (C, H, W) noise normalises along **dim 1, the height
 *   axis** — A1111 wrote it for (B, C) vectors and calls it on 3-D noise, so each (channel,
 *   column) vector of length H is interpolated with its own angle. Kept as A1111 computes it,
 *   since that is what makes an A1111 "Variation seed" reproduce here.
 * - When the mean of those dots exceeds 0.9995 it returns `low·val + high·(1 − val)` — the reverse
 *   of slerp's direction (strength 0.1 gives 90 % of the subseed). Kept as written.
 * - `ImageRNG.first`: subseed noise is drawn only when the strength is not 0; with "resize seed
 *   from W×H" the seed's and subseed's noise are drawn at the old latent size, mixed there, and
 *   pasted centred (cropped when larger) into the new size's own draw from the seed's generator,
 *   which then continues for the sampler's noise.
 *
 * Everything is float32 in torch's operation order. Golden values: tests/fixtures/img2img/subseed-slerp.json.
 */
import { fround } from './float32.ts';
import { TorchGenerator } from './torch-generator.ts';

/** A1111 `slerp(val, low, high)` over one image's noise of shape (C, H, W). */
export function slerpA1111(
  val: number,
  low: Float32Array,
  high: Float32Array,
  shape: readonly [number, number, number],
): { result: Float32Array; branch: 'slerp' | 'linear'; dotMean: number } {
  const [c, h, w] = shape;
  if (low.length !== c * h * w || high.length !== low.length) throw new Error('slerp: noise shapes differ');
  const at = (ci: number, hi: number, wi: number) => (ci * h + hi) * w + wi;
  // norms over dim 1 (height) for every (channel, column), then the dot of the unit vectors.
  const dot = new Float32Array(c * w);
  for (let ci = 0; ci < c; ci++) {
    for (let wi = 0; wi < w; wi++) {
      let nl = 0;
      let nh = 0;
      for (let hi = 0; hi < h; hi++) {
        const l = low[at(ci, hi, wi)] ?? 0;
        const g = high[at(ci, hi, wi)] ?? 0;
        nl = fround(nl + fround(l * l));
        nh = fround(nh + fround(g * g));
      }
      nl = fround(Math.sqrt(nl));
      nh = fround(Math.sqrt(nh));
      let d = 0;
      for (let hi = 0; hi < h; hi++) {
        const l = fround((low[at(ci, hi, wi)] ?? 0) / nl);
        const g = fround((high[at(ci, hi, wi)] ?? 0) / nh);
        d = fround(d + fround(l * g));
      }
      dot[ci * w + wi] = d;
    }
  }
  let sum = 0;
  for (const d of dot) sum += d;
  const dotMean = fround(sum / dot.length);
  const result = new Float32Array(low.length);
  if (dotMean > 0.9995) {
    const a = fround(val);
    const b = fround(1 - val);
    for (let i = 0; i < result.length; i++) result[i] = fround((low[i] ?? 0) * a) + fround((high[i] ?? 0) * b);
    return { result, branch: 'linear', dotMean };
  }
  const oneMinus = fround(1 - val);
  const v = fround(val);
  for (let ci = 0; ci < c; ci++) {
    for (let wi = 0; wi < w; wi++) {
      const omega = fround(Math.acos(dot[ci * w + wi] ?? 0));
      const so = fround(Math.sin(omega));
      const kl = fround(fround(Math.sin(fround(oneMinus * omega))) / so);
      const kh = fround(fround(Math.sin(fround(v * omega))) / so);
      for (let hi = 0; hi < h; hi++) {
        const i = at(ci, hi, wi);
        result[i] = fround(kl * (low[i] ?? 0)) + fround(kh * (high[i] ?? 0));
      }
    }
  }
  return { result, branch: 'slerp', dotMean };
}

export interface VariationOptions {
  /** A1111 "Variation seed". */
  subseed: bigint;
  /** A1111 "Variation strength", 0 … 1; 0 draws no subseed noise at all. */
  strength: number;
}

export interface InitialNoise {
  /** (1, C, H, W) noise before any init_noise_sigma scaling. */
  noise: Float32Array;
  /** The seed's generator, positioned after the noise was drawn (the sampler continues it). */
  generator: TorchGenerator;
}

/**
 * The first noise of one image (A1111 `ImageRNG.first` for one seed), for latents of shape
 * [1, C, H, W]. `resizeFrom` is the old latent size (A1111 "Resize seed from", pixels / VAE factor).
 * Without variation or resize this is exactly `randn(shape, Generator().manual_seed(seed))`, so
 * txt2img keeps diffusers' numbers. Pass `generator` when the seed's generator already drew
 * (img2img's VAE sample comes first, as in diffusers).
 */
export function initialNoise(
  seed: bigint,
  shape: readonly number[],
  variation?: VariationOptions | null,
  resizeFrom?: { height: number; width: number } | null,
  generator: TorchGenerator = new TorchGenerator(seed),
): InitialNoise {
  const [, c = 4, h = 0, w = 0] = shape;
  const resized =
    resizeFrom != null &&
    resizeFrom.height > 0 &&
    resizeFrom.width > 0 &&
    (resizeFrom.height !== h || resizeFrom.width !== w);
  const nh = resized ? resizeFrom.height : h;
  const nw = resized ? resizeFrom.width : w;
  const noiseShape = [c, nh, nw] as const;
  const withSub = variation != null && variation.strength !== 0;
  const subnoise = withSub ? new TorchGenerator(variation.subseed).randn(noiseShape) : null;
  // A1111 draws the old-size noise with the global generator (a fresh one at the seed), and keeps
  // the per-image generator for the full-size draw below.
  let noise = resized ? new TorchGenerator(seed).randn(noiseShape) : generator.randn(shape);
  if (subnoise !== null && variation) noise = slerpA1111(variation.strength, noise, subnoise, noiseShape).result;
  if (!resized) return { noise, generator };
  const x = generator.randn(shape);
  pasteCentred(x, [c, h, w], noise, noiseShape);
  return { noise: x, generator };
}

/** `x[:, ty:ty+h, tx:tx+w] = noise[:, dy:dy+h, dx:dx+w]` with A1111's centring arithmetic. */
function pasteCentred(
  x: Float32Array,
  [c, H, W]: readonly [number, number, number],
  noise: Float32Array,
  [, nh, nw]: readonly [number, number, number],
): void {
  // Python's // floors toward −∞.
  let dx = Math.floor((W - nw) / 2);
  let dy = Math.floor((H - nh) / 2);
  const w = dx >= 0 ? nw : nw + 2 * dx;
  const h = dy >= 0 ? nh : nh + 2 * dy;
  const tx = dx < 0 ? 0 : dx;
  const ty = dy < 0 ? 0 : dy;
  dx = Math.max(-dx, 0);
  dy = Math.max(-dy, 0);
  for (let ci = 0; ci < c; ci++) {
    for (let r = 0; r < h; r++) {
      for (let q = 0; q < w; q++) {
        x[(ci * H + ty + r) * W + tx + q] = noise[(ci * nh + dy + r) * nw + dx + q] ?? 0;
      }
    }
  }
}
