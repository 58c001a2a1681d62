/**
 * Pixel operations of image-to-image, pure (no canvas): what diffusers' `VaeImageProcessor` and
 * A1111's `modules/images.py` / `modules/masking.py` / `processing.py` do with PIL and cv2.
 *
 * - `resizeRgba`: PIL's `Image.resize(..., LANCZOS)` (ImagingResample: separable Lanczos-3 whose
 *   support widens by the scale when shrinking, weights normalised per output pixel, 8-bit
 *   rounding after each pass).
 * - `fitImage`: A1111's `resize_image` modes — 0 just resize, 1 crop and resize (cover, centre
 *   crop), 2 resize and fill (fit, centre, the empty bands filled by stretching the edge rows /
 *   columns, which is what resizing a zero-height box does).
 * - `imageToTensor`: diffusers' preprocess, [0, 255] → [−1, 1] NCHW float32.
 * - Masks are one float per pixel in [0, 1] (1 = repaint): `maskFromRgba` (PIL "L" luminance),
 *   `blurMask` (A1111's `cv2.GaussianBlur` with ksize 2·int(2.5σ + 0.5) + 1, BORDER_REFLECT_101),
 *   `binarizeMask` (diffusers' mask processor, ≥ 0.5 → 1), `maskToLatentGrid`
 *   (`F.interpolate(mode="nearest")`), `fillMasked` (A1111 `masking.fill`: the unmasked colours
 *   blurred into the hole at radii 256, 64, 16, 4, 2, 0 with PIL's 3-pass box Gaussian),
 *   `overlayOriginal` (A1111 `apply_overlay`: the source composited back outside the blurred mask).
 */

export interface RgbaImage {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

export type ResizeMode = 'just-resize' | 'crop-and-resize' | 'resize-and-fill';

export const RESIZE_MODES: readonly ResizeMode[] = ['just-resize', 'crop-and-resize', 'resize-and-fill'];

function lanczos3(x: number): number {
  if (x === 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
}

/** One PIL resample pass along x (horizontal) of a `channels`-interleaved byte image. */
function resamplePass(
  src: Uint8ClampedArray,
  sw: number,
  sh: number,
  dw: number,
  box: readonly [number, number],
  horizontal: boolean,
): Uint8ClampedArray {
  const inSize = horizontal ? sw : sh;
  const outSize = dw;
  const [b0, b1] = box;
  const scale = (b1 - b0) / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 3 * filterScale;
  const out = new Uint8ClampedArray((horizontal ? dw * sh : sw * dw) * 4);
  for (let o = 0; o < outSize; o++) {
    const center = b0 + (o + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
    const weights: number[] = [];
    let total = 0;
    for (let x = xmin; x < xmax; x++) {
      const wgt = lanczos3((x - center + 0.5) / filterScale);
      weights.push(wgt);
      total += wgt;
    }
    if (total !== 0) for (let k = 0; k < weights.length; k++) weights[k] = (weights[k] ?? 0) / total;
    const lines = horizontal ? sh : sw;
    for (let line = 0; line < lines; line++) {
      for (let c = 0; c < 4; c++) {
        let acc = 0;
        for (let k = 0; k < weights.length; k++) {
          const x = xmin + k;
          const idx = horizontal ? (line * sw + x) * 4 + c : (x * sw + line) * 4 + c;
          acc += (src[idx] ?? 0) * (weights[k] ?? 0);
        }
        const oi = horizontal ? (line * dw + o) * 4 + c : (o * sw + line) * 4 + c;
        out[oi] = Math.round(acc); // Uint8ClampedArray clamps to 0…255
      }
    }
  }
  return out;
}

/** PIL `resize((w, h), LANCZOS, box)`; `box` = [left, top, right, bottom] of the source (default all). */
export function resizeRgba(
  img: RgbaImage,
  width: number,
  height: number,
  box: readonly [number, number, number, number] = [0, 0, img.width, img.height],
): RgbaImage {
  if (
    width === img.width &&
    height === img.height &&
    box[0] === 0 &&
    box[1] === 0 &&
    box[2] === img.width &&
    box[3] === img.height
  ) {
    return { data: img.data.slice(), width, height };
  }
  const h1 = resamplePass(img.data, img.width, img.height, width, [box[0], box[2]], true);
  const h2 = resamplePass(h1, width, img.height, height, [box[1], box[3]], false);
  return { data: h2, width, height };
}

/** A1111 `images.resize_image(resize_mode, im, width, height)` with the LANCZOS upscaler. */
export function fitImage(img: RgbaImage, width: number, height: number, mode: ResizeMode): RgbaImage {
  if (mode === 'just-resize') return resizeRgba(img, width, height);
  const ratio = width / height;
  const srcRatio = img.width / img.height;
  const cover = mode === 'crop-and-resize';
  const byWidth = cover ? ratio > srcRatio : ratio < srcRatio;
  const srcW = byWidth ? width : Math.trunc((img.width * height) / img.height);
  const srcH = byWidth ? Math.trunc((img.height * width) / img.width) : height;
  const resized = resizeRgba(img, srcW, srcH);
  const out = new Uint8ClampedArray(width * height * 4);
  // Paste at (width//2 − srcW//2, height//2 − srcH//2), cropping what falls outside.
  const ox = Math.floor(width / 2) - Math.floor(srcW / 2);
  const oy = Math.floor(height / 2) - Math.floor(srcH / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // resize-and-fill: clamping to the edge row/column is the stretched 1-pixel band.
      const sx = Math.min(Math.max(x - ox, 0), srcW - 1);
      const sy = Math.min(Math.max(y - oy, 0), srcH - 1);
      out.set(resized.data.subarray((sy * srcW + sx) * 4, (sy * srcW + sx) * 4 + 4), (y * width + x) * 4);
    }
  }
  return { data: out, width, height };
}

/** [1, 3, H, W] in [−1, 1]: `2 · (x / 255) − 1` (diffusers' VaeImageProcessor.normalize). */
export function imageToTensor(img: RgbaImage): { data: Float32Array; dims: number[] } {
  const plane = img.width * img.height;
  const data = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) data[c * plane + p] = Math.fround(2 * ((img.data[p * 4 + c] ?? 0) / 255) - 1);
  }
  return { data, dims: [1, 3, img.height, img.width] };
}

/** PIL `convert("L")` (ITU-R 601-2 luma, integer rounding as PIL) × alpha, as [0, 1] per pixel. */
export function maskFromRgba(img: RgbaImage): Float32Array {
  const plane = img.width * img.height;
  const out = new Float32Array(plane);
  for (let p = 0; p < plane; p++) {
    const d = img.data;
    const l = Math.trunc(
      ((d[p * 4] ?? 0) * 19595 + (d[p * 4 + 1] ?? 0) * 38470 + (d[p * 4 + 2] ?? 0) * 7471 + 0x8000) / 65536,
    );
    out[p] = (l / 255) * ((d[p * 4 + 3] ?? 255) / 255);
  }
  return out;
}

export function invertMask(mask: Float32Array): Float32Array {
  return mask.map((m) => 1 - m);
}

/** diffusers' `VaeImageProcessor.binarize`: < 0.5 → 0, ≥ 0.5 → 1. */
export function binarizeMask(mask: Float32Array): Float32Array {
  return mask.map((m) => (m >= 0.5 ? 1 : 0));
}

/** BORDER_REFLECT_101 index (… 2 1 | 0 1 2 … n−1 | n−2 …). */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  let j = i;
  while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
  return j;
}

/** A1111 mask blur: `cv2.GaussianBlur(mask, (k, k), σ)` with k = 2·int(2.5σ + 0.5) + 1, separable. */
export function blurMask(mask: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return mask.slice();
  const radius = Math.trunc(2.5 * sigma + 0.5);
  const kernel: number[] = [];
  let total = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    kernel.push(v);
    total += v;
  }
  const k = kernel.map((v) => v / total);
  const tmp = new Float32Array(mask.length);
  const out = new Float32Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let i = -radius; i <= radius; i++)
        acc += (mask[y * width + reflect101(x + i, width)] ?? 0) * (k[i + radius] ?? 0);
      tmp[y * width + x] = acc;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let i = -radius; i <= radius; i++)
        acc += (tmp[reflect101(y + i, height) * width + x] ?? 0) * (k[i + radius] ?? 0);
      out[y * width + x] = acc;
    }
  }
  return out;
}

/** `F.interpolate(mask, size=(h, w))` (mode "nearest": source index floor(dst · in / out)). */
export function maskToLatentGrid(
  mask: Float32Array,
  width: number,
  height: number,
  lw: number,
  lh: number,
): Float32Array {
  const out = new Float32Array(lw * lh);
  const sx = width / lw;
  const sy = height / lh;
  for (let y = 0; y < lh; y++) {
    const yy = Math.min(Math.floor(y * sy), height - 1);
    for (let x = 0; x < lw; x++) out[y * lw + x] = mask[yy * width + Math.min(Math.floor(x * sx), width - 1)] ?? 0;
  }
  return out;
}

/** PIL's box radius for a 3-pass Gaussian of `radius` (ImageFilter.GaussianBlur → _gaussian_blur_radius). */
function pilBoxRadius(radius: number, passes = 3): number {
  const sigma2 = (radius * radius) / passes;
  const L = Math.sqrt(12 * sigma2 + 1);
  const l = Math.floor((L - 1) / 2);
  const a = ((2 * l + 1) * (l * (l + 1) - 3 * sigma2)) / (6 * (sigma2 - (l + 1) * (l + 1)));
  return l + a;
}

/** PIL's extended box blur of one float plane (edge pixels repeated), one pass along one axis. */
function boxPass(src: Float32Array, w: number, h: number, r: number, horizontal: boolean): Float32Array {
  const out = new Float32Array(src.length);
  const ri = Math.floor(r);
  const frac = r - ri;
  const norm = 1 / (2 * r + 1);
  const n = horizontal ? w : h;
  const lines = horizontal ? h : w;
  for (let line = 0; line < lines; line++) {
    const get = (i: number) => {
      const j = Math.min(Math.max(i, 0), n - 1);
      return src[horizontal ? line * w + j : j * w + line] ?? 0;
    };
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let k = -ri; k <= ri; k++) acc += get(i + k);
      acc += frac * (get(i - ri - 1) + get(i + ri + 1));
      out[horizontal ? line * w + i : i * w + line] = acc * norm;
    }
  }
  return out;
}

function gaussianPil(plane: Float32Array, w: number, h: number, radius: number): Float32Array {
  if (radius <= 0) return plane;
  const r = pilBoxRadius(radius);
  let p = plane;
  for (let pass = 0; pass < 3; pass++) p = boxPass(p, w, h, r, true);
  for (let pass = 0; pass < 3; pass++) p = boxPass(p, w, h, r, false);
  return p;
}

/**
 * A1111 `masking.fill(image, mask)`: the image with the masked area made transparent, blurred at
 * decreasing radii (premultiplied, as PIL's "RGBa"), each blur alpha-composited over the result —
 * the hole gets the surrounding colours, the rest stays the image.
 */
export function fillMasked(img: RgbaImage, mask: Float32Array): RgbaImage {
  const { width: w, height: h } = img;
  const plane = w * h;
  const alpha = new Float32Array(plane);
  const premul = [0, 1, 2].map(() => new Float32Array(plane));
  for (let p = 0; p < plane; p++) {
    const a = 1 - Math.round((mask[p] ?? 0) * 255) / 255;
    alpha[p] = a;
    for (let c = 0; c < 3; c++) (premul[c] as Float32Array)[p] = ((img.data[p * 4 + c] ?? 0) / 255) * a;
  }
  const outA = new Float32Array(plane);
  const outC = [0, 1, 2].map(() => new Float32Array(plane));
  for (const [radius, repeats] of [
    [256, 1],
    [64, 1],
    [16, 2],
    [4, 4],
    [2, 2],
    [0, 1],
  ] as const) {
    const ba = gaussianPil(alpha, w, h, radius);
    const bc = premul.map((pl) => gaussianPil(pl, w, h, radius));
    for (let rep = 0; rep < repeats; rep++) {
      for (let p = 0; p < plane; p++) {
        const sa = ba[p] ?? 0;
        if (sa <= 0) continue;
        const da = outA[p] ?? 0;
        const oa = sa + da * (1 - sa);
        for (let c = 0; c < 3; c++) {
          const sc = ((bc[c] as Float32Array)[p] ?? 0) / sa; // un-premultiply ("RGBa" → "RGBA")
          const dc = (outC[c] as Float32Array)[p] ?? 0;
          (outC[c] as Float32Array)[p] = (sc * sa + dc * da * (1 - sa)) / oa;
        }
        outA[p] = oa;
      }
    }
  }
  const data = new Uint8ClampedArray(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) data[p * 4 + c] = Math.round(((outC[c] as Float32Array)[p] ?? 0) * 255);
    data[p * 4 + 3] = 255;
  }
  return { data, width: w, height: h };
}

/**
 * A1111 `apply_overlay`: the source pasted back over the generated image with alpha 1 − mask
 * (the blurred mask), so pixels outside the mask are the source's exactly.
 */
export function overlayOriginal(generated: RgbaImage, original: RgbaImage, mask: Float32Array): RgbaImage {
  const data = new Uint8ClampedArray(generated.data.length);
  for (let p = 0; p < generated.width * generated.height; p++) {
    const m = Math.round((mask[p] ?? 0) * 255) / 255;
    for (let c = 0; c < 3; c++) {
      data[p * 4 + c] = Math.round((original.data[p * 4 + c] ?? 0) * (1 - m) + (generated.data[p * 4 + c] ?? 0) * m);
    }
    data[p * 4 + 3] = 255;
  }
  return { data, width: generated.width, height: generated.height };
}

export interface OutpaintExtents {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * Outpainting's canvas: the image placed in a larger one, the new bands filled with the nearest
 * edge pixels, and a mask that is 1 on the new area and 0 on the original.
 */
export function extendCanvas(img: RgbaImage, e: OutpaintExtents): { image: RgbaImage; mask: Float32Array } {
  for (const v of [e.left, e.right, e.top, e.bottom]) {
    if (!Number.isInteger(v) || v < 0) throw new Error('Outpaint amounts must be whole, non-negative pixel counts.');
  }
  const width = img.width + e.left + e.right;
  const height = img.height + e.top + e.bottom;
  const data = new Uint8ClampedArray(width * height * 4);
  const mask = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = Math.min(Math.max(x - e.left, 0), img.width - 1);
      const sy = Math.min(Math.max(y - e.top, 0), img.height - 1);
      const inside = x - e.left === sx && y - e.top === sy;
      mask[y * width + x] = inside ? 0 : 1;
      data.set(img.data.subarray((sy * img.width + sx) * 4, (sy * img.width + sx) * 4 + 4), (y * width + x) * 4);
    }
  }
  return { image: { data, width, height }, mask };
}
