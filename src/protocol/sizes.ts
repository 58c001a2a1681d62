/**
 * Image sizes a model accepts (multiples of its `sizeMultiple`) and aspect-ratio presets. A
 * preset keeps the longer side and rounds the shorter one to the nearest accepted multiple, so
 * coarse multiples give the closest aspect the model can make.
 */
import { LIMITS } from './limits.ts';
import type { Backend } from './messages.ts';

export interface Aspect {
  label: string;
  /** width / height */
  ratio: number;
}

export const ASPECTS: readonly Aspect[] = [
  { label: '1:1', ratio: 1 },
  { label: '4:3', ratio: 4 / 3 },
  { label: '3:4', ratio: 3 / 4 },
  { label: '3:2', ratio: 3 / 2 },
  { label: '2:3', ratio: 2 / 3 },
  { label: '16:9', ratio: 16 / 9 },
  { label: '9:16', ratio: 9 / 16 },
];

/** Accepted side lengths, smallest first: multiples of `multiple` up to 16 of them (and the limit). */
export function sizeChoices(multiple: number, count = 16): number[] {
  const out: number[] = [];
  for (let n = multiple; n <= LIMITS.size.max && out.length < count; n += multiple) {
    if (n >= LIMITS.size.min) out.push(n);
  }
  return out;
}

const snap = (value: number, multiple: number) =>
  Math.min(
    Math.floor(LIMITS.size.max / multiple) * multiple,
    Math.max(Math.ceil(LIMITS.size.min / multiple) * multiple, Math.round(value / multiple) * multiple),
  );

/** The size for `ratio` with the given longer side, both sides multiples of `multiple`. */
export function aspectSize(ratio: number, longSide: number, multiple: number): { width: number; height: number } {
  const long = snap(longSide, multiple);
  return ratio >= 1
    ? { width: long, height: snap(long / ratio, multiple) }
    : { width: snap(long * ratio, multiple), height: long };
}

/** The preset that yields exactly this size from its longer side, nearest in ratio; null if none. */
export function aspectOf(width: number, height: number, multiple: number): Aspect | null {
  const long = Math.max(width, height);
  const actual = Math.log(width / height);
  const matches = ASPECTS.filter((a) => {
    const size = aspectSize(a.ratio, long, multiple);
    return size.width === width && size.height === height;
  });
  matches.sort((a, b) => Math.abs(Math.log(a.ratio) - actual) - Math.abs(Math.log(b.ratio) - actual));
  return matches[0] ?? null;
}

/**
 * What each backend can run, in pixels per image (width × height). The self-attention scores
 * grow with the square of the pixel count, so the limit is on pixels, not on either side.
 * WASM, measured with the embedded model in Chromium 156 (`scripts/measure-size-limits.ts`, one
 * fresh page per size, 1 step, CFG batch 2): 1024² ok (23 s), 1280² ok (45 s), 1408² ok (96 s);
 * 1472² and 1536² fail with "std::bad_alloc" (the 4 GiB wasm32 heap), 2048² with onnxruntime's
 * "safeint.h … Integer overflow" (2·4·16384² attention scores = 2³¹). All of those failed only
 * after the job had started; now they are refused before. WebGPU and the Node CLI are bounded by
 * the device and held to LIMITS.size only.
 */
export const BACKEND_MAX_PIXELS: Readonly<Record<Backend, number | null>> = {
  wasm: 1408 * 1408,
  webgpu: null,
  cpu: null,
};

/** A sentence naming the limit when `backend` cannot run a width × height image, else null. */
export function backendSizeProblem(width: number, height: number, backend: Backend): string | null {
  const max = BACKEND_MAX_PIXELS[backend];
  if (max === null || width * height <= max) return null;
  const side = Math.floor(Math.sqrt(max));
  return `${width}×${height} is too large for the ${backend.toUpperCase()} backend: it runs at most ${max.toLocaleString('en-US')} pixels per image (e.g. ${side}×${side}). Choose a smaller size, or use WebGPU.`;
}
