import { describe, expect, it } from 'vitest';
import { dab, emptyMask, invertPlane, planeToRgba, rgbaToPlane, strokeSegment } from '../../src/ui/mask-brush.ts';

describe('mask brush', () => {
  it('a dab paints a disc, erase clears it, invert flips, RGBA round-trips', () => {
    const m = emptyMask(16, 16);
    dab(m, 8, 8, 3, 255);
    expect(m.data[8 * 16 + 8]).toBe(255);
    expect(m.data[0]).toBe(0);
    const painted = m.data.reduce((a, v) => a + (v ? 1 : 0), 0);
    expect(painted).toBeGreaterThan(20);
    expect(painted).toBeLessThan(36);
    dab(m, 8, 8, 1, 0);
    expect(m.data[8 * 16 + 8]).toBe(0);
    expect(invertPlane(m).data[0]).toBe(255);
    expect(rgbaToPlane(planeToRgba(m)).data).toEqual(m.data);
  });
  it('a fast stroke leaves no gaps', () => {
    const m = emptyMask(64, 8);
    strokeSegment(m, { x: 2, y: 4 }, { x: 62, y: 4 }, 2, 255);
    for (let x = 2; x < 62; x++) expect(m.data[4 * 64 + x], `x=${x}`).toBe(255);
  });
});
