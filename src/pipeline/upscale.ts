/**
 * Image upscaling as A1111's extras tab does it, over a small super-resolution interface, with
 * tiles so a big image never needs one big tensor.
 *
 * - `upscaleImage` ports A1111 `modules/upscaler.py` `Upscaler.upscale`: the target is
 *   `int(w · scale // 8 · 8)` × `int(h · scale // 8 · 8)`; the model runs at its native factor up to
 *   three times until the image is at least that big, then a LANCZOS resize lands on the target
 *   exactly (so a ×4 model makes ×2 by running once and shrinking, a ×2 model makes ×4 by running
 *   twice). The "Lanczos" upscaler is that resize alone (A1111 `UpscalerLanczos`).
 * - `upscaleTiled` is how Real-ESRGAN's own `tile` option and A1111's `upscale_with_model` cut a
 *   large image, with one change: neighbouring tiles overlap by `overlap` input pixels and are
 *   cross-faded with a linear ramp instead of hard-cropped, so a seam never shows as a step. The
 *   ramp starts `overlap / 4` pixels in from a tile's edge (the pixels whose receptive field a
 *   tile cuts the most get no weight). Tiles are visited row by row and only the output rows a
 *   later tile can still touch stay in float buffers, so memory is O(tile rows × output width),
 *   not O(output pixels) (the RGBA result itself aside).
 */
import { resizeRgba, type RgbaImage } from '../math/image-ops.ts';
import type { Float32Tensor } from '../math/tensor.ts';
import { CancelledError } from './denoise.ts';

/** A super-resolution network: [1, 3, h, w] RGB in 0…1 → [1, 3, h·scale, w·scale]. */
export interface SuperResolutionModel {
  /** Native factor (2 for tiny-shapes-sr, 4 for Real-ESRGAN general x4v3). */
  readonly scale: number;
  /** Set when the graph takes one fixed input size (e.g. Qualcomm's 128×128 export): tiles are padded to it. */
  readonly fixedInput?: { width: number; height: number } | null;
  run(input: Float32Tensor): Promise<Float32Tensor>;
}

export interface TileOptions {
  /** Largest tile side in input pixels. */
  tile: number;
  /** Input pixels shared by neighbouring tiles (cross-faded). */
  overlap: number;
}

/** What the job needs: cancel between tiles, and progress per tile. */
export interface UpscaleHooks {
  isCancelled?: () => boolean;
  /** `done` of `total` tiles of the current pass (`pass` of `passes`). */
  onTile?: (info: { done: number; total: number; pass: number; passes: number }) => void;
}

export type PixelUpscaler =
  { kind: 'lanczos'; name: string } | { kind: 'model'; name: string; model: SuperResolutionModel; tiles: TileOptions };

export interface TileRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Start offsets of tiles of `tile` along `size` with `overlap`: 0, stride, …, and the last flush with the end. */
function tileStarts(size: number, tile: number, overlap: number): number[] {
  if (size <= tile) return [0];
  const stride = Math.max(1, tile - overlap);
  const starts: number[] = [];
  for (let s = 0; s + tile < size; s += stride) starts.push(s);
  starts.push(size - tile);
  return starts;
}

/** The tiles covering a width × height image, row by row. */
export function planTiles(width: number, height: number, options: TileOptions): TileRect[] {
  if (!(options.tile >= 8) || !(options.overlap >= 0) || options.overlap >= options.tile) {
    throw new Error(`Bad tile options: tile ${options.tile}, overlap ${options.overlap}.`);
  }
  const rects: TileRect[] = [];
  for (const y of tileStarts(height, options.tile, options.overlap)) {
    for (const x of tileStarts(width, options.tile, options.overlap)) {
      rects.push({ x, y, width: Math.min(options.tile, width), height: Math.min(options.tile, height) });
    }
  }
  return rects;
}

/**
 * Blend weight of an output pixel at `d` output pixels from a tile edge that has a neighbour,
 * for an overlap of `o` output pixels: 0 over the outer quarter, then linear to 1 at three
 * quarters. Two tiles' weights sum to 1 across their shared band.
 */
function ramp(d: number, o: number): number {
  if (o <= 0) return 1;
  const pad = o / 4;
  const t = (d + 0.5 - pad) / (o - 2 * pad);
  return t <= 0 ? 0 : t >= 1 ? 1 : t;
}

function edgeWeights(start: number, length: number, full: number, overlap: number): Float32Array {
  const w = new Float32Array(length);
  const hasBefore = start > 0;
  const hasAfter = start + length < full;
  for (let i = 0; i < length; i++) {
    let v = 1;
    if (hasBefore) v = Math.min(v, ramp(i, overlap));
    if (hasAfter) v = Math.min(v, ramp(length - 1 - i, overlap));
    w[i] = v;
  }
  return w;
}

/** The tile as [1, 3, h, w] in 0…1; padded to `pad` (edge pixels repeated) for fixed-size graphs. */
function tileTensor(img: RgbaImage, r: TileRect, pad?: { width: number; height: number } | null): Float32Tensor {
  const w = pad?.width ?? r.width;
  const h = pad?.height ?? r.height;
  const plane = w * h;
  const data = new Float32Array(3 * plane);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = ((r.y + Math.min(y, r.height - 1)) * img.width + r.x + Math.min(x, r.width - 1)) * 4;
      const p = y * w + x;
      data[p] = (img.data[src] ?? 0) / 255;
      data[plane + p] = (img.data[src + 1] ?? 0) / 255;
      data[2 * plane + p] = (img.data[src + 2] ?? 0) / 255;
    }
  }
  return { data, dims: [1, 3, h, w] };
}

/** One model pass over the image in overlapping tiles: width·scale × height·scale. */
export async function upscaleTiled(
  img: RgbaImage,
  model: SuperResolutionModel,
  requested: TileOptions,
  hooks: UpscaleHooks = {},
  pass = { index: 0, count: 1 },
): Promise<RgbaImage> {
  const s = model.scale;
  const W = img.width * s;
  const H = img.height * s;
  const out = new Uint8ClampedArray(W * H * 4);
  const fixed = model.fixedInput ?? null;
  const options = fixed ? { ...requested, tile: Math.min(fixed.width, fixed.height) } : requested;
  const rects = planTiles(img.width, img.height, options);
  const o = options.overlap * s;
  // Live output rows [winTop, winTop + winRows): weighted RGB sums and weight sums.
  const winRows = Math.min(H, options.tile * s);
  const acc = new Float32Array(winRows * W * 3);
  const wsum = new Float32Array(winRows * W);
  let winTop = 0;
  const flushBelow = (limit: number) => {
    // Rows above `limit` are final: no later tile reaches them.
    const rows = Math.min(limit, H) - winTop;
    if (rows <= 0) return;
    for (let r = 0; r < rows; r++) {
      for (let x = 0; x < W; x++) {
        const a = (r * W + x) * 3;
        const w = wsum[r * W + x] || 1;
        const d = ((winTop + r) * W + x) * 4;
        out[d] = Math.round(((acc[a] ?? 0) / w) * 255);
        out[d + 1] = Math.round(((acc[a + 1] ?? 0) / w) * 255);
        out[d + 2] = Math.round(((acc[a + 2] ?? 0) / w) * 255);
        out[d + 3] = 255;
      }
    }
    acc.copyWithin(0, rows * W * 3);
    acc.fill(0, (winRows - rows) * W * 3);
    wsum.copyWithin(0, rows * W);
    wsum.fill(0, (winRows - rows) * W);
    winTop += rows;
  };
  for (let t = 0; t < rects.length; t++) {
    if (hooks.isCancelled?.()) throw new CancelledError();
    const r = rects[t] as TileRect;
    flushBelow(r.y * s);
    const result = await model.run(tileTensor(img, r, fixed));
    const [, c, rh, rw] = result.dims;
    // the network's output row width (a padded tile is wider than the part kept)
    const stride = rw ?? 0;
    const th = r.height * s;
    const tw = r.width * s;
    if (c !== 3 || rh !== (fixed?.height ?? r.height) * s || rw !== (fixed?.width ?? r.width) * s) {
      throw new Error(
        `The upscaler returned [${result.dims.join(', ')}] for a ${r.width}×${r.height} tile (expected ×${s}, 3 channels).`,
      );
    }
    const wx = edgeWeights(r.x * s, tw, W, o);
    const wy = edgeWeights(r.y * s, th, H, o);
    const plane = stride * (rh ?? 0);
    const d = result.data;
    for (let y = 0; y < th; y++) {
      const row = r.y * s + y - winTop;
      const wyv = wy[y] ?? 0;
      for (let x = 0; x < tw; x++) {
        const w = wyv * (wx[x] ?? 0);
        if (w === 0) continue;
        const p = y * stride + x;
        const X = r.x * s + x;
        const a = (row * W + X) * 3;
        // clamp to the image range before blending: the network's output is unbounded
        acc[a] = (acc[a] ?? 0) + w * Math.min(1, Math.max(0, d[p] ?? 0));
        acc[a + 1] = (acc[a + 1] ?? 0) + w * Math.min(1, Math.max(0, d[plane + p] ?? 0));
        acc[a + 2] = (acc[a + 2] ?? 0) + w * Math.min(1, Math.max(0, d[2 * plane + p] ?? 0));
        wsum[row * W + X] = (wsum[row * W + X] ?? 0) + w;
      }
    }
    hooks.onTile?.({ done: t + 1, total: rects.length, pass: pass.index, passes: pass.count });
  }
  flushBelow(H);
  return { data: out, width: W, height: H };
}

/** A1111's target size for `scale`: `int(w · scale // 8 · 8)`. */
export function upscaleTarget(width: number, height: number, scale: number): { width: number; height: number } {
  return { width: Math.floor((width * scale) / 8) * 8, height: Math.floor((height * scale) / 8) * 8 };
}

/** How many native model passes `upscaleImage` makes for `scale` (A1111: at most 3). */
export function passesFor(width: number, height: number, scale: number, native: number): number {
  const target = upscaleTarget(width, height, scale);
  let w = width;
  let h = height;
  let n = 0;
  while (n < 3 && !(w >= target.width && h >= target.height && scale !== 1)) {
    w *= native;
    h *= native;
    n++;
  }
  return n;
}

/** A1111 `Upscaler.upscale(img, scale)`: model passes until big enough, then LANCZOS to the target. */
export async function upscaleImage(
  img: RgbaImage,
  scale: number,
  upscaler: PixelUpscaler,
  hooks: UpscaleHooks = {},
): Promise<RgbaImage> {
  if (!(scale >= 1 && scale <= 8)) throw new Error(`Upscale factor must be between 1 and 8 (got ${scale}).`);
  const target = upscaleTarget(img.width, img.height, scale);
  if (target.width < 8 || target.height < 8) throw new Error('The image is too small to upscale.');
  let current = img;
  if (upscaler.kind === 'model') {
    const passes = passesFor(img.width, img.height, scale, upscaler.model.scale);
    for (let p = 0; p < passes; p++) {
      current = await upscaleTiled(current, upscaler.model, upscaler.tiles, hooks, { index: p, count: passes });
    }
  }
  if (hooks.isCancelled?.()) throw new CancelledError();
  if (current.width !== target.width || current.height !== target.height) {
    current = resizeRgba(current, target.width, target.height);
  }
  return current;
}
