/**
 * A missing or corrupt model file gives a clear message, nothing throws uncaught, and once the
 * cause is fixed the next load and job work. Faults are injected at the network (page.route).
 */
import { expect, test } from '@playwright/test';

const unetUrl = '**/models/tiny-shapes/unet/model.onnx';

test('a missing U-Net file is reported and a reload recovers', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route(unetUrl, (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('notice')).toContainText('Could not load the model');
  await expect(page.getByTestId('notice')).toContainText('unet/model.onnx');
  await page.unroute(unetUrl);
  await page.getByRole('button', { name: 'Reload model' }).click();
  await expect(page.getByRole('status', { name: 'Engine status' })).toHaveAttribute('data-phase', 'ready', {
    timeout: 60_000,
  });
  await page.getByLabel('Steps value').fill('3');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByRole('region', { name: 'Gallery' }).locator('figure')).toHaveCount(1);
  expect(errors).toEqual([]);
});

test('a corrupt U-Net file is reported as corrupt, not as a crash', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route(unetUrl, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/octet-stream',
      body: Buffer.from('this is not an onnx graph'),
    }),
  );
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('notice')).toContainText('Could not load unet/model.onnx');
  await expect(page.getByRole('button', { name: 'Generate' })).toBeDisabled();
  expect(errors).toEqual([]);
});
