/**
 * RGBA → PNG (with an A1111 `parameters` chunk) and thumbnails, in the browser. The canvas
 * encoder makes the PNG; png-text inserts the chunk.
 */
import { withPngText } from '../metadata/png-text.ts';

export const THUMB_SIZE = 256;

async function canvasPng(rgba: Uint8ClampedArray, width: number, height: number): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas');
  context.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}

export async function encodePng(
  rgba: Uint8ClampedArray,
  width: number,
  height: number,
  parameters: string,
  /** More text chunks after `parameters` (A1111's `postprocessing` on an upscaled image). */
  extra: readonly (readonly [string, string])[] = [],
): Promise<Blob> {
  const plain = new Uint8Array(await (await canvasPng(rgba, width, height)).arrayBuffer());
  let png = withPngText(plain, 'parameters', parameters);
  for (const [keyword, text] of extra) png = withPngText(png, keyword, text);
  return new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}

/** The PNG itself when it is small; else a ≤ THUMB_SIZE WebP/PNG scaled copy at the same aspect. */
export async function makeThumbnail(png: Blob, width: number, height: number): Promise<Blob> {
  const scale = THUMB_SIZE / Math.max(width, height);
  if (scale >= 1) return png;
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const bitmap = await createImageBitmap(png, { resizeWidth: w, resizeHeight: h, resizeQuality: 'medium' });
  const canvas = new OffscreenCanvas(w, h);
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0);
  bitmap.close();
  return canvas.convertToBlob({ type: 'image/webp', quality: 0.85 });
}
