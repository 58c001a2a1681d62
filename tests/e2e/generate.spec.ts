/**
 * The walking skeleton, for real, in Chromium: type a prompt, Generate, watch the steps, get an
 * image in the Gallery — once forced to WASM and once on WebGPU (SwiftShader here).
 */
import { expect, test } from '@playwright/test';
import { distinctColours, galleryPixels, openStudio, setSlider } from './studio.ts';

for (const backend of ['wasm', 'webgpu'] as const) {
  test.describe(`on ${backend}`, () => {
    test('types a prompt, generates, and shows a non-uniform image with its seed', async ({ page }) => {
      const { errors } = await openStudio(page, backend);
      const status = page.getByRole('status', { name: 'Engine status' });
      await expect(status).toHaveAttribute('data-backend', backend);
      await expect(status).toContainText(backend === 'webgpu' ? 'WebGPU' : 'WASM');
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

      await page.getByLabel('Prompt', { exact: true }).fill('a big yellow star on a purple background');
      await page.getByLabel('Seed', { exact: true }).fill('1234');
      const steps = backend === 'webgpu' ? 2 : 8;
      await setSlider(page, 'Steps', steps);
      await page.getByRole('button', { name: 'Generate' }).click();

      const gallery = page.getByRole('region', { name: 'Gallery' });
      await expect(gallery.locator('figure')).toHaveCount(1, { timeout: 150_000 });
      await expect(gallery.locator('figcaption')).toContainText('seed 1234');
      // The job is over and its progress reached N / N (the bar keeps its final value).
      const bar = page.getByRole('progressbar', { name: 'Generation progress' });
      await expect(page.getByTestId('progress-text')).toHaveText(`done · step ${steps} / ${steps}`);
      await expect(bar).toHaveAttribute('max', String(steps));
      await expect(bar).toHaveAttribute('value', String(steps));
      const pixels = await galleryPixels(page);
      expect(pixels?.width).toBe(64);
      expect(pixels?.height).toBe(64);
      expect(distinctColours(pixels?.data ?? [])).toBeGreaterThan(1);
      expect(errors).toEqual([]);
    });
  });
}

test('Ctrl+Enter generates; progress reaches N / N while running', async ({ page }) => {
  await openStudio(page, 'wasm');
  await setSlider(page, 'Steps', 30);
  await page.getByLabel('Prompt', { exact: true }).fill('a small green ring in the top left corner');
  const seen: string[] = [];
  const watcher = (async () => {
    for (let i = 0; i < 400; i++) {
      const text = (await page.getByTestId('progress-text').textContent()) ?? '';
      seen.push(text);
      if (text === 'step 30 / 30') return;
      if (text.startsWith('done')) return;
      await page.waitForTimeout(5);
    }
  })();
  await page.getByLabel('Prompt', { exact: true }).press('Control+Enter');
  await watcher;
  await expect(page.getByRole('region', { name: 'Gallery' }).locator('figure')).toHaveCount(1);
  expect(seen.some((t) => /^step \d+ \/ 30$/.test(t))).toBe(true);
});

test('Cancel mid-run stops the job and the studio stays ready for the next one', async ({ page }) => {
  await openStudio(page, 'wasm');
  await setSlider(page, 'Steps', 150);
  await setSlider(page, 'Batch count', 4);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('progress-text')).toContainText('step');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('progress-text')).toContainText('cancelled · step');
  const gallery = page.getByRole('region', { name: 'Gallery' });
  const afterCancel = await gallery.locator('figure').count();
  expect(afterCancel).toBeLessThan(4);

  await setSlider(page, 'Steps', 4);
  await setSlider(page, 'Batch count', 1);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(gallery.locator('figure')).toHaveCount(afterCancel + 1);
});

test('bad numbers are rejected with a visible message and nothing runs', async ({ page }) => {
  await openStudio(page, 'wasm');
  await setSlider(page, 'Steps', 0);
  await page.getByLabel('CFG scale value').fill('abc');
  await page.getByLabel('Seed', { exact: true }).fill('-5');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('notice')).toContainText('Steps must be between 1 and 150');
  await expect(page.getByText('CFG scale must be a number').first()).toBeVisible();
  await expect(page.getByText('Seed must be a whole number').first()).toBeVisible();
  await expect(page.getByRole('region', { name: 'Gallery' }).locator('figure')).toHaveCount(0);
  // Fixing the inputs makes the next job work.
  await setSlider(page, 'Steps', 3);
  await page.getByLabel('CFG scale value').fill('7');
  await page.getByLabel('Seed', { exact: true }).fill('5');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByRole('region', { name: 'Gallery' }).locator('figure')).toHaveCount(1);
});
