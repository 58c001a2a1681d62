/**
 * The WebGPU device is lost in the middle of a job (here: destroyed from inside the engine
 * worker, the way a driver reset or a GPU process crash ends it): the job fails with a message,
 * the studio offers to reload the model or switch to WASM, the gallery keeps its images, and
 * WASM then generates.
 */
/// <reference types="@webgpu/types" />
import { expect, test } from '@playwright/test';
import { setSlider } from './studio.ts';

test('a device lost mid-job fails the job with a way out, and the gallery is untouched', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?backend=webgpu');
  const status = page.getByRole('status', { name: 'Engine status' });
  await expect(status).toHaveAttribute('data-phase', 'ready', { timeout: 120_000 });
  await expect(status).toHaveAttribute('data-backend', 'webgpu');

  const gallery = page.getByRole('region', { name: 'Gallery' });
  await setSlider(page, 'Steps', 1);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(gallery.locator('figure')).toHaveCount(1, { timeout: 120_000 });

  // Find ORT's GPUDevice from inside the engine worker: it creates a command encoder per run.
  const engine = page.workers().find((w) => w.url().includes('engine.worker'));
  if (!engine) throw new Error('no engine worker');
  await engine.evaluate(() => {
    const proto = GPUDevice.prototype as GPUDevice & { __patched?: boolean };
    if (proto.__patched) return;
    proto.__patched = true;
    const original = proto.createCommandEncoder;
    proto.createCommandEncoder = function (this: GPUDevice, ...args: Parameters<GPUDevice['createCommandEncoder']>) {
      (self as unknown as { ortDevice?: GPUDevice }).ortDevice = this;
      return original.apply(this, args);
    };
  });

  await setSlider(page, 'Steps', 40);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('progress-text')).toContainText(/step [1-9]/i, { timeout: 60_000 });
  await engine.evaluate(() => (self as unknown as { ortDevice?: GPUDevice }).ortDevice?.destroy());

  const notice = page.getByTestId('notice');
  await expect(notice).toContainText(/GPU device was lost/i, { timeout: 60_000 });
  await expect(notice.getByRole('button', { name: 'Reload model' })).toBeVisible();
  await expect(notice.getByRole('button', { name: 'Use WASM' })).toBeVisible();
  await expect(gallery.locator('figure')).toHaveCount(1);

  await notice.getByRole('button', { name: 'Use WASM' }).click();
  await expect(status).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect(status).toHaveAttribute('data-phase', 'ready');
  await setSlider(page, 'Steps', 2);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(gallery.locator('figure')).toHaveCount(2, { timeout: 120_000 });
  expect(errors).toEqual([]);
});
