/**
 * Pixel conversions: the VAE's [-1, 1] NCHW output to RGBA bytes, and the cheap latent → RGB
 * preview used for live progress.
 */
import type { Float32Tensor } from './tensor.ts';

/**
 * VAE output [1, 3, H, W] in [-1, 1] → RGBA bytes, as diffusers' image processor does:
 * `(x / 2 + 0.5).clamp(0, 1) * 255` rounded to the nearest integer.
 */
export function decodedToRgba(
  image: Float32Tensor,
  index = 0,
): { rgba: Uint8ClampedArray; width: number; height: number } {
  const [, channels = 0, height = 0, width = 0] = image.dims;
  if (channels < 3) throw new Error(`expected 3 colour channels, got ${channels}`);
  const plane = width * height;
  const base = index * channels * plane;
  const rgba = new Uint8ClampedArray(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = (image.data[base + c * plane + p] as number) / 2 + 0.5;
      rgba[p * 4 + c] = Math.round(Math.min(1, Math.max(0, Number.isNaN(v) ? 0 : v)) * 255);
    }
    rgba[p * 4 + 3] = 255;
  }
  return { rgba, width, height };
}

/** Linear latent → RGB map: rgb = latent · weights + bias, rgb in [0, 1]. */
export interface LatentRgbMap {
  /** weights[c] = [r, g, b] contribution of latent channel c. */
  weights: readonly (readonly [number, number, number])[];
  bias: readonly [number, number, number];
  /** Whether the map expects latents multiplied by the VAE scaling factor (as the sampler sees them). */
  scaled: boolean;
}

/**
 * A1111's "Approx cheap" factors for SD 1.x/2.x latents (sd_samplers_common.py), mapping unscaled
 * latents × scaling factor to roughly [-1, 1] RGB; used when a model ships no fitted map.
 */
export const SD_LATENT_RGB: LatentRgbMap = {
  weights: [
    [0.298 / 2, 0.207 / 2, 0.208 / 2],
    [0.187 / 2, 0.286 / 2, 0.173 / 2],
    [-0.158 / 2, 0.189 / 2, 0.264 / 2],
    [-0.184 / 2, -0.271 / 2, -0.473 / 2],
  ],
  bias: [0.5, 0.5, 0.5],
  scaled: true,
};

/** Latents [1, C, h, w] (as the sampler holds them) → a small RGBA preview of h × w pixels. */
export function latentsToPreviewRgba(
  latents: Float32Tensor,
  map: LatentRgbMap,
  scalingFactor: number,
): { rgba: Uint8ClampedArray; width: number; height: number } {
  const [, channels = 0, height = 0, width = 0] = latents.dims;
  const plane = width * height;
  const rgba = new Uint8ClampedArray(plane * 4);
  const k = map.scaled ? 1 : 1 / scalingFactor;
  for (let p = 0; p < plane; p++) {
    let r = map.bias[0];
    let g = map.bias[1];
    let b = map.bias[2];
    for (let c = 0; c < channels && c < map.weights.length; c++) {
      const v = (latents.data[c * plane + p] as number) * k;
      const w = map.weights[c] as readonly [number, number, number];
      r += v * w[0];
      g += v * w[1];
      b += v * w[2];
    }
    rgba[p * 4] = r * 255;
    rgba[p * 4 + 1] = g * 255;
    rgba[p * 4 + 2] = b * 255;
    rgba[p * 4 + 3] = 255;
  }
  return { rgba, width, height };
}

/** Parses a model's latent_rgb.json ({ weights: 4×3, bias: 3, scaled? }) or returns null. */
export function parseLatentRgbMap(json: unknown): LatentRgbMap | null {
  if (typeof json !== 'object' || json === null) return null;
  const { weights, bias, scaled } = json as Record<string, unknown>;
  const isTriple = (x: unknown): x is [number, number, number] =>
    Array.isArray(x) && x.length === 3 && x.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!Array.isArray(weights) || !weights.every(isTriple) || !isTriple(bias)) return null;
  return { weights, bias, scaled: scaled !== false };
}
