/**
 * Draws the PWA icons (public/icons/*.png) with no image tools: a dark tile with a soft
 * "latent" blob in the studio's accent colours. The maskable variant keeps the artwork inside
 * the central 80 % safe zone and fills the whole square, as the maskable-icon spec asks.
 * Run with `npx tsx scripts/make-icons.ts`; the outputs are small and committed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';

const BG: [number, number, number] = [20, 22, 28];

function draw(size: number, { maskable }: { maskable: boolean }): Buffer {
  const png = new PNG({ width: size, height: size });
  const scale = maskable ? 0.62 : 0.8;
  const radius = maskable ? 0 : size * 0.18;
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const i = (y * size + x) * 4;
      // Rounded tile (transparent corners) for the plain icon; full square for maskable.
      const cx = Math.max(radius - x, 0, x - (size - 1 - radius));
      const cy = Math.max(radius - y, 0, y - (size - 1 - radius));
      const inside = radius === 0 || cx * cx + cy * cy <= radius * radius;
      const u = (x / size - 0.5) / scale;
      const v = (y / size - 0.5) / scale;
      // Two overlapping gaussian blobs, warm and cool, like a decoded latent.
      const a = Math.exp(-((u + 0.12) ** 2 + (v + 0.08) ** 2) / 0.045);
      const b = Math.exp(-((u - 0.14) ** 2 + (v - 0.12) ** 2) / 0.035);
      const r = BG[0] + a * 230 + b * 40;
      const g = BG[1] + a * 90 + b * 150;
      const bl = BG[2] + a * 60 + b * 220;
      png.data[i] = Math.min(255, Math.round(r));
      png.data[i + 1] = Math.min(255, Math.round(g));
      png.data[i + 2] = Math.min(255, Math.round(bl));
      png.data[i + 3] = inside ? 255 : 0;
    }
  }
  return PNG.sync.write(png);
}

mkdirSync('public/icons', { recursive: true });
for (const size of [192, 512]) {
  writeFileSync(`public/icons/icon-${size}.png`, draw(size, { maskable: false }));
  writeFileSync(`public/icons/maskable-${size}.png`, draw(size, { maskable: true }));
}
writeFileSync('public/icons/apple-touch-icon.png', draw(180, { maskable: true }));
console.log('wrote public/icons/*.png');
