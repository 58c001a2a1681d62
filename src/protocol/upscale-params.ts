/**
 * Upscaling as the studio offers it: the upscalers (A1111's built-in "Latent" and "Lanczos", the
 * embedded SR model, Real-ESRGAN general x4v3 from the catalog), A1111's "Hires. fix" settings of
 * a txt2img job, and what an upscaled gallery image records (A1111 extras' postprocessing keys).
 * Pure: the UI, the worker and the CLI validate and label these the same way.
 */
import { CATALOG_ID_PATTERN } from './limits.ts';

/** How an engine reaches one upscaler. */
export type UpscalerRef =
  | { id: 'lanczos'; name: string; kind: 'lanczos' }
  | {
      id: string;
      name: string;
      kind: 'model';
      /** Folder with upscaler/model.onnx (+ upscaler/config.json). */
      baseUrl: string;
      storage?: 'http' | 'opfs';
      /** Native factor when the folder has no config.json. */
      scale: number;
    };

export interface UpscalerInfo {
  id: string;
  /** As A1111 names it in "Hires upscaler" / "Postprocess upscaler". */
  label: string;
  kind: 'latent' | 'lanczos' | 'model';
  /** Native factor of a model upscaler. */
  scale?: number;
  /** Ships with the app (served from models/). */
  embedded?: boolean;
}

export const EMBEDDED_SR_ID = 'tiny-shapes-sr';
export const REAL_ESRGAN_ID = 'realesr-general-x4v3';

/**
 * A1111's names: "Latent" and "Lanczos" (modules/shared_items / upscaler.py `UpscalerLanczos`),
 * "R-ESRGAN General 4xV3" for realesr-general-x4v3 (modules/realesrgan_model.py).
 */
export const UPSCALERS: readonly UpscalerInfo[] = [
  { id: 'latent', label: 'Latent', kind: 'latent' },
  { id: 'lanczos', label: 'Lanczos', kind: 'lanczos' },
  { id: EMBEDDED_SR_ID, label: 'Tiny Shapes SR 2x', kind: 'model', scale: 2, embedded: true },
  { id: REAL_ESRGAN_ID, label: 'R-ESRGAN General 4xV3', kind: 'model', scale: 4 },
];

/**
 * A plausible upscaler id: a built-in one, or a catalog id (a `?catalog=` one carries its host:
 * "mirror.example/realesr"). Whether it is downloaded is the state's question (src/state/upscalers.ts).
 */
export const isUpscalerId = (id: unknown): id is string =>
  typeof id === 'string' && (UPSCALERS.some((u) => u.id === id) || CATALOG_ID_PATTERN.test(id));

export const upscalerLabel = (id: string) => UPSCALERS.find((u) => u.id === id)?.label ?? id;

/** The app-relative folder of the embedded SR model (served like models/tiny-shapes). */
export const EMBEDDED_SR_FOLDER = 'tiny-shapes-sr/';

/** A1111 txt2img "Hires. fix" (processing.py `StableDiffusionProcessingTxt2Img`: hr_scale, hr_upscaler, hr_second_pass_steps, denoising_strength). */
export interface HiresParams {
  /** "Upscale by", 1 … 4. */
  scale: number;
  /** An `UPSCALERS` id ("latent" upscales the latents; the others the decoded image). */
  upscaler: string;
  /** "Hires steps"; 0 = the first pass's step count (A1111). */
  steps: number;
  /** "Denoising strength" of the second pass, 0 … 1. */
  denoisingStrength: number;
}

export const DEFAULT_HIRES_PARAMS: HiresParams = {
  scale: 2,
  upscaler: 'latent',
  steps: 0,
  denoisingStrength: 0.7,
};

/** Largest output side an upscale or hires job may produce. */
export const MAX_UPSCALED_SIDE = 4096;

export function hiresParamIssues(h: HiresParams, width: number, height: number): string[] {
  const issues: string[] = [];
  if (!(typeof h.scale === 'number' && h.scale >= 1 && h.scale <= 4))
    issues.push('Hires upscale must be between 1 and 4.');
  else if (
    Math.floor((width * h.scale) / 8) * 8 > MAX_UPSCALED_SIDE ||
    Math.floor((height * h.scale) / 8) * 8 > MAX_UPSCALED_SIDE
  )
    issues.push(`Hires fix would make an image over ${MAX_UPSCALED_SIDE} pixels on a side.`);
  if (!isUpscalerId(h.upscaler)) issues.push(`Unknown hires upscaler "${String(h.upscaler).slice(0, 60)}".`);
  if (!(Number.isInteger(h.steps) && h.steps >= 0 && h.steps <= 150)) issues.push('Hires steps must be 0 to 150.');
  if (!(typeof h.denoisingStrength === 'number' && h.denoisingStrength >= 0 && h.denoisingStrength <= 1))
    issues.push('Hires denoising strength must be between 0 and 1.');
  return issues;
}

/** What an upscaled image records (A1111 scripts/postprocessing_upscale.py `pp.info`). */
export interface PostprocessParams {
  /** "Postprocess upscale by". */
  upscaleBy: number;
  /** "Postprocess upscaler": the upscaler's A1111-style name. */
  upscaler: string;
}

/** The factors the gallery offers. */
export const UPSCALE_FACTORS = [2, 4] as const;

export function upscaleProblem(width: number, height: number, scale: number): string | null {
  if (!(scale >= 1 && scale <= 8)) return `Upscale factor must be between 1 and 8 (got ${scale}).`;
  const w = Math.floor((width * scale) / 8) * 8;
  const h = Math.floor((height * scale) / 8) * 8;
  if (w < 8 || h < 8) return 'The image is too small to upscale.';
  if (w > MAX_UPSCALED_SIDE || h > MAX_UPSCALED_SIDE)
    return `×${scale} would make a ${w}×${h} image; the studio upscales to at most ${MAX_UPSCALED_SIDE} pixels on a side.`;
  return null;
}
