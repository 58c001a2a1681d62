/**
 * Image to image in the studio (WASM): a gallery image sent to img2img keeps its shape and colour
 * at low strength and follows the prompt at high strength; inpainting a painted mask changes only
 * the masked area; variation strength 0 / 1 give the seed's / the subseed's image; the panel
 * survives a reload. One WebGPU smoke run (SwiftShader: 2 steps).
 */
import { expect, test, type Page } from '@playwright/test';
import { analyseImage } from '../../src/eval/analyse-image.ts';
import { galleryPixels, openStudio, setSlider } from './studio.ts';
import { fillForm, generateAndWait, waitSaved } from './studio-helpers.ts';

const SOURCE = 'a big red circle in the center on a white background';
const OTHER = 'a small blue square in the top left corner on a black background';

async function newest(page: Page) {
  const p = await galleryPixels(page, 0);
  if (!p) throw new Error('no gallery image');
  return p;
}

function meanDiff(a: number[], b: number[], width: number, where: (x: number) => boolean = () => true) {
  let sum = 0;
  let n = 0;
  let max = 0;
  for (let p = 0; p < a.length / 4; p++) {
    if (!where(p % width)) continue;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs((a[p * 4 + c] ?? 0) - (b[p * 4 + c] ?? 0));
      sum += d;
      max = Math.max(max, d);
      n++;
    }
  }
  return { mean: sum / n, max };
}

async function sendNewestTo(page: Page, seed: string, target: 'img2img' | 'inpaint') {
  await page
    .getByRole('button', { name: `Open image, seed ${seed}` })
    .first()
    .click();
  const dialog = page.getByRole('dialog', { name: 'Image details' });
  await dialog.getByRole('button', { name: `Send to ${target}` }).click();
  await expect(dialog).toBeHidden();
}

test('img2img: low strength keeps shape and colour, high strength follows the prompt', async ({ page }) => {
  const { errors } = await openStudio(page, 'wasm');
  await fillForm(page, { prompt: SOURCE, seed: '11', steps: 20, cfg: 6 });
  await generateAndWait(page);
  const source = await newest(page);
  expect(analyseImage(Uint8ClampedArray.from(source.data), 64, 64).object?.colour).toBe('red');
  await sendNewestTo(page, '11', 'img2img');
  await expect(page.getByRole('img', { name: 'Source image' })).toBeVisible();

  await fillForm(page, { prompt: OTHER, seed: '5', cfg: 1 });
  await setSlider(page, 'Denoising strength', 0.1);
  await generateAndWait(page);
  const low = await newest(page);
  const a = analyseImage(Uint8ClampedArray.from(low.data), 64, 64);
  const dLow = meanDiff(low.data, source.data, 64).mean;
  await setSlider(page, 'Denoising strength', 0.9);
  await generateAndWait(page);
  const high = await newest(page);
  const b = analyseImage(Uint8ClampedArray.from(high.data), 64, 64);
  const dHigh = meanDiff(high.data, source.data, 64).mean;
  console.log(`e2e img2img: strength 0.1 mean |Δ| ${dLow.toFixed(1)}, 0.9 ${dHigh.toFixed(1)}`);
  expect([a.background, a.object?.colour, a.object?.shape]).toEqual(['white', 'red', 'circle']);
  expect(dLow).toBeLessThan(20);
  expect([b.background, b.object?.colour]).toEqual(['black', 'blue']);
  expect(dHigh).toBeGreaterThan(100);

  // The infotext of the img2img image carries A1111's key; the panel survives a reload.
  await waitSaved(page);
  await page.getByRole('button', { name: 'Open image, seed 5' }).first().click();
  await expect(page.getByTestId('infotext')).toContainText('Denoising strength: 0.9');
  await page.keyboard.press('Escape');
  await page.reload();
  await openStudio(page, 'wasm');
  await expect(page.getByRole('img', { name: 'Source image' })).toBeVisible();
  await expect(page.getByLabel('Denoising strength value', { exact: true })).toHaveValue('0.9');
  expect(errors).toEqual([]);
});

test('inpainting changes only the painted area', async ({ page }) => {
  const { errors } = await openStudio(page, 'wasm');
  await fillForm(page, { prompt: SOURCE, seed: '11', steps: 20, cfg: 6 });
  await generateAndWait(page);
  const source = await newest(page);
  await sendNewestTo(page, '11', 'inpaint');
  await setSlider(page, 'Mask blur', 0);
  await page.getByLabel('Brush', { exact: true }).fill('32');
  const canvas = page.getByTestId('mask-canvas');
  const box = await canvas.boundingBox();
  if (!box) throw new Error('no mask canvas');
  const at = (x: number, y: number) => ({ x: box.x + (x / 64) * box.width, y: box.y + (y / 64) * box.height });
  // Paint the left half: strokes at x = 0 … 16 with a 32-pixel brush reach x ≈ 32.
  for (const y of [4, 20, 36, 52, 62]) {
    const from = at(0, y);
    const to = at(16, y);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
  }
  await fillForm(page, { prompt: 'a big blue circle in the center on a white background', seed: '5' });
  await setSlider(page, 'Denoising strength', 1);
  await generateAndWait(page);
  const result = await newest(page);
  const inside = meanDiff(result.data, source.data, 64, (x) => x < 24);
  const outside = meanDiff(result.data, source.data, 64, (x) => x >= 40);
  console.log(`e2e inpaint: inside mean |Δ| ${inside.mean.toFixed(1)}, outside max |Δ| ${outside.max}`);
  expect(inside.mean).toBeGreaterThan(10);
  expect(outside.max).toBe(0);
  expect(errors).toEqual([]);
});

test('variation strength 0 gives the seed image, 1 the variation seed image', async ({ page }) => {
  const { errors } = await openStudio(page, 'wasm');
  await fillForm(page, { prompt: SOURCE, seed: '12', steps: 8, cfg: 6 });
  await generateAndWait(page);
  const sub = await newest(page);
  await fillForm(page, { seed: '11' });
  await generateAndWait(page);
  const seed = await newest(page);
  await page.getByText('Variation seed and interpolation').click();
  await page.getByLabel('Variation seed', { exact: true }).fill('12');
  await setSlider(page, 'Variation strength', 1);
  await generateAndWait(page);
  expect((await newest(page)).data).toEqual(sub.data);
  await setSlider(page, 'Variation strength', 0.5);
  await generateAndWait(page);
  const mid = await newest(page);
  expect(meanDiff(mid.data, seed.data, 64).mean).toBeGreaterThan(0);
  expect(meanDiff(mid.data, sub.data, 64).mean).toBeGreaterThan(0);
  await setSlider(page, 'Variation strength', 0);
  await generateAndWait(page);
  expect((await newest(page)).data).toEqual(seed.data);
  expect(errors).toEqual([]);
});

test('WebGPU smoke: img2img runs on the GPU path', async ({ page }) => {
  const { errors } = await openStudio(page, 'webgpu');
  await fillForm(page, { prompt: SOURCE, seed: '11', steps: 2, cfg: 1 });
  await generateAndWait(page);
  const source = await newest(page);
  await sendNewestTo(page, '11', 'img2img');
  await fillForm(page, { prompt: OTHER });
  await setSlider(page, 'Denoising strength', 1);
  await generateAndWait(page);
  const out = await newest(page);
  expect(meanDiff(out.data, source.data, 64).mean).toBeGreaterThan(1);
  expect(errors).toEqual([]);
});

test('interpolation job: frames land in the gallery, end frames equal the seeds’ images, GIF export', async ({
  page,
}) => {
  const { errors } = await openStudio(page, 'wasm');
  await fillForm(page, { prompt: SOURCE, seed: '12', steps: 6, cfg: 6 });
  await generateAndWait(page);
  const to = await newest(page);
  await fillForm(page, { seed: '11' });
  await generateAndWait(page);
  const from = await newest(page);
  await page.getByText('Variation seed and interpolation').click();
  await page.getByLabel('Interpolation job').check();
  await page.getByLabel('To seed', { exact: true }).fill('12');
  await page.getByLabel('Frames', { exact: true }).fill('3');
  await generateAndWait(page, 3);
  // Newest first: index 0 is the last frame (t = 1), index 2 the first (t = 0).
  expect((await newest(page)).data).toEqual(to.data);
  expect((await galleryPixels(page, 2))?.data).toEqual(from.data);
  await waitSaved(page);
  await page.getByRole('button', { name: 'Open image, seed 11' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Image details' });
  await expect(dialog.getByTestId('interpolation-strip').locator('img')).toHaveCount(3);
  await expect(dialog.getByTestId('infotext')).toContainText('Variation seed: 12, Variation seed strength: 1');
  const download = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Export animated GIF' }).click();
  expect((await download).suggestedFilename()).toMatch(/\.gif$/);
  expect(errors).toEqual([]);
});
