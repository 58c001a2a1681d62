import { describe, expect, it } from 'vitest';
import { encodeAnimatedGif } from '../../src/ui/export-gif.ts';

const frame = (v: number) => ({
  rgba: new Uint8ClampedArray(8 * 8 * 4).map((_, i) => (i % 4 === 3 ? 255 : v)),
  width: 8,
  height: 8,
});
/** Image descriptors (0x2C) preceded by a graphic control extension (0x21 0xF9): one per frame. */
const frameCount = (gif: Uint8Array) => {
  let n = 0;
  for (let i = 0; i + 3 < gif.length; i++) if (gif[i] === 0x21 && gif[i + 1] === 0xf9 && gif[i + 2] === 4) n++;
  return n;
};

describe('animated GIF export', () => {
  it('writes a looping GIF89a with one frame per image (ping-pong adds the way back)', () => {
    const frames = [frame(0), frame(128), frame(255)];
    const gif = encodeAnimatedGif(frames);
    expect(new TextDecoder().decode(gif.subarray(0, 6))).toBe('GIF89a');
    expect(new TextDecoder().decode(gif)).toContain('NETSCAPE2.0');
    expect(frameCount(gif)).toBe(3);
    expect(frameCount(encodeAnimatedGif(frames, { pingPong: true }))).toBe(4);
  });
  it('refuses frames of different sizes', () => {
    expect(() =>
      encodeAnimatedGif([frame(0), { ...frame(0), width: 4, rgba: new Uint8ClampedArray(4 * 8 * 4) }]),
    ).toThrow(/same size/);
  });
});
