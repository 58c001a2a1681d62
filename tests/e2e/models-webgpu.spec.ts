/**
 * Real-model compatibility checks on WebGPU (SwiftShader here): the U-Net's tensors bound to reused
 * GPU buffers (src/runtime/web/gpu-binding.ts) give the same image as the CPU (WASM) path,
 * and a float16 model is refused up front on an adapter without `shader-f16`, with the reason
 * and a way out (WASM), instead of crashing in session creation.
 */
/// <reference types="@webgpu/types" />
import { rmSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { buildSdTestModels } from './model-host.ts';
import { galleryPixels, setSlider } from './studio.ts';

const ready = (page: Page) =>
  expect(page.getByRole('status', { name: 'Engine status' })).toHaveAttribute('data-phase', 'ready', {
    timeout: 120_000,
  });

async function generateSeed(page: Page, backend: 'webgpu' | 'wasm') {
  await page.goto(`/?backend=${backend}`);
  await ready(page);
  await expect(page.getByRole('status', { name: 'Engine status' })).toHaveAttribute('data-backend', backend);
  await page.getByLabel('Prompt', { exact: true }).fill('a big red circle on a blue background');
  await page.getByLabel('Seed', { exact: true }).fill('42');
  await setSlider(page, 'Steps', 2);
  const gallery = page.getByRole('region', { name: 'Gallery' });
  const before = await gallery.locator('figure').count();
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(gallery.locator('figure')).toHaveCount(before + 1, { timeout: 150_000 });
  const pixels = await galleryPixels(page, 0);
  if (!pixels) throw new Error('no image');
  return pixels;
}

test('the U-Net output kept on the GPU gives the same image as the CPU path', async ({ page }) => {
  const gpu = await generateSeed(page, 'webgpu');
  const cpu = await generateSeed(page, 'wasm');
  expect(gpu.width).toBe(cpu.width);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < gpu.data.length; i += 1) {
    if (i % 4 === 3) continue;
    const d = Math.abs((gpu.data[i] as number) - (cpu.data[i] as number));
    sum += d;
    max = Math.max(max, d);
  }
  const mean = sum / ((gpu.data.length / 4) * 3);
  // float32 on two backends: rounding differences only, no structural change.
  expect(mean).toBeLessThan(2);
  expect(max).toBeLessThan(24);
});

test.describe('a float16 model on an adapter without shader-f16', () => {
  let modelsDir: string;
  let server: TestServer;
  test.beforeAll(async () => {
    modelsDir = buildSdTestModels('ls-e2e-f16-');
    server = await startTestServer({ root: modelsDir });
  });
  test.afterAll(async () => {
    await server.close();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  test('is refused with the reason, and "Use WASM" runs it', async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`/?backend=webgpu&catalog=${encodeURIComponent(`${server.url}catalog.json`)}`);
    await ready(page);
    const hasF16 = await page.evaluate(async () => {
      const adapter = await navigator.gpu?.requestAdapter();
      return adapter?.features.has('shader-f16') ?? false;
    });
    test.skip(hasF16, 'this adapter supports shader-f16');

    const model = page.getByRole('region', { name: 'Models' }).getByRole('article', { name: 'Test SD-Turbo-like' });
    await model.getByRole('button', { name: 'Download' }).click();
    await expect(model).toHaveAttribute('data-state', 'stored', { timeout: 60_000 });
    server.log.length = 0;
    await model.getByRole('button', { name: 'Use' }).click();
    const notice = page.getByTestId('notice');
    await expect(notice).toContainText('shader-f16', { timeout: 60_000 });
    await expect(notice).toContainText('Use WASM');
    // A refusal is not a damaged file: nothing is downloaded again.
    expect(server.log).toEqual([]);
    await notice.getByRole('button', { name: 'Use WASM' }).click();
    const status = page.getByRole('status', { name: 'Engine status' });
    await expect(status).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
    await expect(status).toContainText('test/sd-turbo-like');
    await ready(page);
    // SD-Turbo's defaults (1 step, CFG off) were applied; it generates on WASM.
    await expect(page.getByLabel('Steps value', { exact: true })).toHaveValue('1');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect(page.getByRole('region', { name: 'Gallery' }).locator('figure')).toHaveCount(1, { timeout: 120_000 });
    const pixels = await galleryPixels(page, 0);
    expect(pixels?.width).toBe(64);
    expect(errors).toEqual([]);
  });
  test('a custom float16 model (no catalog facts) is refused from its own graph', async ({ page }) => {
    await page.goto('/?backend=webgpu');
    await ready(page);
    const hasF16 = await page.evaluate(
      async () => (await navigator.gpu?.requestAdapter())?.features.has('shader-f16') ?? false,
    );
    test.skip(hasF16, 'this adapter supports shader-f16');
    const custom = page.getByRole('form', { name: 'Custom model' });
    await custom.getByRole('textbox').fill(`${server.url}sd15-fp16-like`);
    await custom.getByRole('button', { name: 'Inspect' }).click();
    const id = `127.0.0.1:${server.port}/sd15-fp16-like`;
    await custom.getByRole('button', { name: `Download ${id}` }).click();
    const model = page.getByRole('region', { name: 'Models' }).getByRole('article', { name: id });
    await expect(model).toHaveAttribute('data-state', 'stored', { timeout: 60_000 });
    await model.getByRole('button', { name: 'Use' }).click();
    await expect(page.getByTestId('notice')).toContainText(/text_encoder\/model\.onnx: .*shader-f16/, {
      timeout: 60_000,
    });
  });
});
