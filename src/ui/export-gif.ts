// The module declaration must reach every tsconfig that compiles this file (main thread and Node tests).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./gifenc.d.ts" />
/**
 * The interpolation strip's animated export: frames → an endlessly looping GIF (gifenc, a small
 * pure-JS encoder). One palette for all frames (quantised from every frame together) so colours
 * do not flicker between frames; "ping-pong" plays the frames forward then back.
 */
import { applyPalette, GIFEncoder, quantize } from 'gifenc';

export interface Frame {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

export function encodeAnimatedGif(
  frames: readonly Frame[],
  options: { delayMs?: number; pingPong?: boolean } = {},
): Uint8Array {
  const first = frames[0];
  if (!first) throw new Error('No frames to export.');
  if (frames.some((f) => f.width !== first.width || f.height !== first.height)) {
    throw new Error('All frames must have the same size to export an animation.');
  }
  const all = new Uint8ClampedArray(frames.length * first.rgba.length);
  frames.forEach((f, i) => all.set(f.rgba, i * first.rgba.length));
  const palette = quantize(all, 256);
  const order = options.pingPong && frames.length > 2 ? [...frames, ...frames.slice(1, -1).reverse()] : [...frames];
  const gif = GIFEncoder();
  for (const f of order) {
    gif.writeFrame(applyPalette(f.rgba, palette), f.width, f.height, {
      palette,
      delay: options.delayMs ?? 200,
      repeat: 0,
    });
  }
  gif.finish();
  return gif.bytes();
}
