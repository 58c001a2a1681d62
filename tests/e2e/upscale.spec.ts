/**
 * "Upscale ×2" on a gallery image (Chromium, WASM, the embedded SR model): a new gallery item of
 * twice the size whose infotext keeps what made the source and adds A1111's postprocessing keys;
 * the PNG carries both chunks.
 */
import { expect, test } from '@playwright/test';
import { openStudio } from './studio.ts';
import { figures, fillForm, generateAndWait, waitIdle, waitSaved } from './studio-helpers.ts';

test('Upscale ×2 makes a new gallery item of twice the size with its infotext', async ({ page }) => {
  await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'a big red circle', seed: '5', steps: 2 });
  await generateAndWait(page);
  await waitSaved(page);
  await expect(figures(page).first()).toContainText('64×64');

  await page.getByRole('button', { name: 'Open image, seed 5' }).click();
  const dialog = page.getByRole('dialog', { name: 'Image details' });
  await expect(dialog.getByLabel('Upscaler')).toHaveValue('tiny-shapes-sr');
  await dialog.getByRole('button', { name: 'Upscale ×2' }).click();

  await expect(figures(page)).toHaveCount(2);
  await waitIdle(page);
  const newest = figures(page).first();
  await expect(newest).toContainText('128×128');
  await expect(newest).toContainText('upscaled ×2 (Tiny Shapes SR 2x)');
  await waitSaved(page);

  await newest.getByRole('button').click();
  const info = page.getByRole('dialog', { name: 'Image details' }).getByTestId('infotext');
  await expect(info).toContainText('a big red circle');
  await expect(info).toContainText('Seed: 5');
  await expect(info).toContainText('Size: 64x64'); // A1111 keeps the source's parameters as they were
  await expect(info).toContainText('Postprocess upscale by: 2, Postprocess upscaler: Tiny Shapes SR 2x');
  await expect(page.getByRole('dialog', { name: 'Image details' }).locator('.image-meta')).toContainText('128×128');

  // The stored PNG is 128×128 and has both text chunks.
  const chunks = await page.evaluate(async () => {
    const open = indexedDB.open('latent-studio-gallery');
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const names = Array.from({ length: db.objectStoreNames.length }, (_, i) => db.objectStoreNames.item(i));
    const store = db.transaction(names[0] as string).objectStore(names[0] as string);
    const all = await new Promise<{ png: Blob; width: number }[]>((resolve) => {
      const r = store.getAll();
      r.onsuccess = () => resolve(r.result as { png: Blob; width: number }[]);
    });
    const big = all.find((r) => r.width === 128);
    if (!big) return null;
    const text = new TextDecoder('latin1').decode(await big.png.arrayBuffer());
    const bitmap = await createImageBitmap(big.png);
    return {
      w: bitmap.width,
      h: bitmap.height,
      parameters: text.includes('parameters\0'),
      post: text.includes('postprocessing\0Postprocess upscale by: 2'),
    };
  });
  expect(chunks).toEqual({ w: 128, h: 128, parameters: true, post: true });
});

test('Hires. fix in the form makes the image at twice the size with A1111 hires keys', async ({ page }) => {
  await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'a small blue ring', seed: '9', steps: 2 });
  await page.getByRole('checkbox', { name: 'Hires. fix' }).check();
  await page.getByLabel('Hires upscaler', { exact: true }).selectOption({ label: 'Tiny Shapes SR 2x' });
  await page.getByLabel('Hires steps value', { exact: true }).fill('2');
  await page.getByLabel('Hires denoising strength value', { exact: true }).fill('0.3');
  await generateAndWait(page);
  await expect(figures(page).first()).toContainText('128×128');
  await waitSaved(page);
  await page.getByRole('button', { name: 'Open image, seed 9' }).click();
  const info = page.getByRole('dialog', { name: 'Image details' }).getByTestId('infotext');
  await expect(info).toContainText(
    'Size: 64x64, Denoising strength: 0.3, Hires upscale: 2, Hires steps: 2, Hires upscaler: Tiny Shapes SR 2x',
  );
});

test('Upscale ×2 runs the SR model on WebGPU too', async ({ page }) => {
  await openStudio(page, 'webgpu');
  await fillForm(page, { prompt: 'a big green square', seed: '4', steps: 1 });
  await generateAndWait(page);
  await page.getByRole('button', { name: 'Open image, seed 4' }).click();
  await page.getByRole('dialog', { name: 'Image details' }).getByRole('button', { name: 'Upscale ×2' }).click();
  await expect(figures(page)).toHaveCount(2);
  await waitIdle(page);
  await expect(figures(page).first()).toContainText('128×128');
  await expect(figures(page).first()).toContainText('upscaled ×2 (Tiny Shapes SR 2x)');
  await expect(page.locator('.notice-error')).toHaveCount(0);
});
