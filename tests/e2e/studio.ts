/** Shared helpers for the e2e specs: open the studio on a backend, read the gallery's pixels. */
import { expect, type Page } from '@playwright/test';

export async function openStudio(page: Page, backend: 'wasm' | 'webgpu' | 'auto' = 'wasm') {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`/?backend=${backend}`);
  const status = page.getByRole('status', { name: 'Engine status' });
  await expect(status).toHaveAttribute('data-phase', /ready|error/, { timeout: 120_000 });
  if ((await status.getAttribute('data-phase')) === 'error') {
    throw new Error(`the model did not load: ${await page.getByTestId('notice').textContent()}`);
  }
  return { errors };
}

export async function setSlider(page: Page, label: string, value: number) {
  const box = page.getByLabel(`${label} value`, { exact: true });
  await box.fill(String(value));
}

/** Pixels of the n-th gallery canvas (0 = newest) as RGBA bytes. */
export async function galleryPixels(page: Page, index = 0) {
  return page.evaluate((i) => {
    const canvases = document.querySelectorAll<HTMLCanvasElement>('[aria-label="Gallery"] canvas');
    const canvas = canvases[i];
    if (!canvas) return null;
    const context = canvas.getContext('2d');
    if (!context) return null;
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    return { width: canvas.width, height: canvas.height, data: Array.from(data) };
  }, index);
}

/** Number of distinct RGB colours; a uniform (broken) image has 1. */
export function distinctColours(data: number[]): number {
  const seen = new Set<number>();
  for (let i = 0; i < data.length; i += 4) {
    seen.add(((data[i] as number) << 16) | ((data[i + 1] as number) << 8) | (data[i + 2] as number));
  }
  return seen.size;
}
