/**
 * The mask painter's pixels, without the DOM: one byte per source pixel (255 = repaint), round
 * dabs stamped along each pointer segment so fast strokes have no gaps.
 */
export interface MaskPlane {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

export function emptyMask(width: number, height: number): MaskPlane {
  return { data: new Uint8ClampedArray(width * height), width, height };
}

/** Stamps a filled circle of `radius` pixels at (x, y) with `value` (255 paint, 0 erase). */
export function dab(mask: MaskPlane, x: number, y: number, radius: number, value: number): void {
  const r = Math.max(0.5, radius);
  const x0 = Math.max(0, Math.floor(x - r));
  const x1 = Math.min(mask.width - 1, Math.ceil(x + r));
  const y0 = Math.max(0, Math.floor(y - r));
  const y1 = Math.min(mask.height - 1, Math.ceil(y + r));
  for (let py = y0; py <= y1; py++) {
    for (let px = x0; px <= x1; px++) {
      const dx = px + 0.5 - x;
      const dy = py + 0.5 - y;
      if (dx * dx + dy * dy <= r * r) mask.data[py * mask.width + px] = value;
    }
  }
}

/** Dabs from (ax, ay) to (bx, by), spaced a quarter of the radius apart. */
export function strokeSegment(
  mask: MaskPlane,
  a: { x: number; y: number },
  b: { x: number; y: number },
  radius: number,
  value: number,
): void {
  const dist = Math.hypot(b.x - a.x, b.y - a.y);
  const steps = Math.max(1, Math.ceil(dist / Math.max(0.5, radius / 4)));
  for (let i = 0; i <= steps; i++)
    dab(mask, a.x + ((b.x - a.x) * i) / steps, a.y + ((b.y - a.y) * i) / steps, radius, value);
}

export function invertPlane(mask: MaskPlane): MaskPlane {
  return { ...mask, data: mask.data.map((v) => 255 - v) };
}

/** As RGBA (white = repaint, opaque), the form the pipeline and the CLI read. */
export function planeToRgba(mask: MaskPlane): { rgba: Uint8ClampedArray; width: number; height: number } {
  const rgba = new Uint8ClampedArray(mask.width * mask.height * 4);
  for (let p = 0; p < mask.data.length; p++) {
    const v = mask.data[p] ?? 0;
    rgba[p * 4] = v;
    rgba[p * 4 + 1] = v;
    rgba[p * 4 + 2] = v;
    rgba[p * 4 + 3] = 255;
  }
  return { rgba, width: mask.width, height: mask.height };
}

export function rgbaToPlane(p: { rgba: Uint8ClampedArray; width: number; height: number }): MaskPlane {
  const data = new Uint8ClampedArray(p.width * p.height);
  for (let i = 0; i < data.length; i++) data[i] = p.rgba[i * 4] ?? 0;
  return { data, width: p.width, height: p.height };
}

/** Source pixels with the mask shown as a translucent red wash, for the painter's canvas. */
export function composeOverlay(
  source: { rgba: Uint8ClampedArray; width: number; height: number },
  mask: MaskPlane,
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(source.rgba);
  for (let p = 0; p < mask.data.length; p++) {
    const a = ((mask.data[p] ?? 0) / 255) * 0.55;
    if (a === 0) continue;
    out[p * 4] = Math.round((out[p * 4] ?? 0) * (1 - a) + 255 * a);
    out[p * 4 + 1] = Math.round((out[p * 4 + 1] ?? 0) * (1 - a));
    out[p * 4 + 2] = Math.round((out[p * 4 + 2] ?? 0) * (1 - a));
  }
  return out;
}
