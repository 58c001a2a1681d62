import { describe, expect, it } from 'vitest';
import { bilinearResize, hiresSize } from './hires.ts';

// torch.nn.functional.interpolate(x, size=(5, 7), mode="bilinear", antialias=False) of
// x = arange(24).reshape(1, 2, 3, 4) ** 1.5 / 10 (torch 1.13, rounded to 5 decimals).
const TORCH = [
  0.0, 0.03571, 0.09286, 0.19142, 0.29976, 0.43505, 0.51962, 0.32, 0.38686, 0.49384, 0.6324, 0.77865, 0.94722, 1.05258,
  0.8, 0.91358, 1.09532, 1.29386, 1.497, 1.71548, 1.85203, 1.67765, 1.81678, 2.03939, 2.27623, 2.517, 2.77102, 2.92978,
  2.26274, 2.41891, 2.66877, 2.93114, 3.19699, 3.47471, 3.64829, 4.15692, 4.34631, 4.64934, 4.96277, 5.27912, 5.60549,
  5.80947, 5.05415, 5.25483, 5.57591, 5.90687, 6.2406, 6.58389, 6.79845, 6.4, 6.6176, 6.96576, 7.32302, 7.68284, 8.0515,
  8.28191, 7.92656, 8.15913, 8.53124, 8.9119, 9.29498, 9.68638, 9.93101, 8.94427, 9.18682, 9.5749, 9.97116, 10.36974,
  10.77631, 11.03041,
];

describe('Hires. fix helpers', () => {
  it("upscales latents as torch's bilinear interpolate (A1111 'Latent')", () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => i ** 1.5 / 10);
    const out = bilinearResize({ data, dims: [1, 2, 3, 4] }, 5, 7);
    expect(out.dims).toEqual([1, 2, 5, 7]);
    out.data.forEach((v, i) => expect(v).toBeCloseTo(TORCH[i] as number, 4));
  });
  it('sizes the second pass as int(size · scale), down to what the U-Net accepts', () => {
    expect(hiresSize(64, 64, 2, 64)).toEqual({ width: 128, height: 128 });
    expect(hiresSize(512, 512, 1.5, 64)).toEqual({ width: 768, height: 768 });
    expect(hiresSize(128, 64, 1.5, 64)).toEqual({ width: 192, height: 64 });
  });
});
