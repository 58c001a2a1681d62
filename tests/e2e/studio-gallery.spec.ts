/**
 * The persistent gallery (IndexedDB): images, their settings and pixels survive a reload; an
 * image opens large, its settings go back into the form, its seed to the clipboard; one image or
 * all of them (after a confirmation) can be deleted; hundreds of images page in lazily; a full
 * disk costs only the new image's persistence.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test } from '@playwright/test';
import { distinctColours, galleryPixels, openStudio } from './studio.ts';
import { fillForm, figures, gallery, gallerySeeds, generateAndWait, readForm, waitSaved } from './studio-helpers.ts';

/** Gallery pixels once the canvas has been drawn (saved images draw when scrolled into view). */
async function drawnPixels(page: import('@playwright/test').Page, index: number) {
  let pixels = await galleryPixels(page, index);
  await expect
    .poll(async () => {
      pixels = await galleryPixels(page, index);
      return pixels ? distinctColours(pixels.data) : 0;
    })
    .toBeGreaterThan(1);
  return pixels;
}

test('images, their settings and the form survive a reload', async ({ page }) => {
  const { errors } = await openStudio(page, 'wasm');
  await fillForm(page, {
    prompt: 'a big yellow star on a purple background',
    seed: '1234',
    steps: 4,
    sampler: 'Euler a',
    width: 128,
    batch: 2,
  });
  await generateAndWait(page, 2);
  await waitSaved(page);
  const seeds = await gallerySeeds(page);
  expect(seeds).toEqual(['1235', '1234']);
  const before = [await drawnPixels(page, 0), await drawnPixels(page, 1)];
  const formBefore = await readForm(page);

  await page.reload();
  await openStudio(page, 'wasm');
  await expect(figures(page)).toHaveCount(2);
  await expect.poll(() => gallerySeeds(page)).toEqual(seeds);
  await expect(page.getByTestId('gallery-count')).toHaveText('2 images');
  const after = [await drawnPixels(page, 0), await drawnPixels(page, 1)];
  expect(after).toEqual(before);
  await expect(gallery(page).locator('figcaption').first()).toContainText('seed 1235 · Euler a · 4 steps · 128×64');
  await expect.poll(() => readForm(page)).toEqual(formBefore);
  expect(errors).toEqual([]);
});

test('open large, reuse settings, copy seed, delete one, clear all after confirming', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openStudio(page, 'wasm');
  await fillForm(page, {
    prompt: 'a small green ring in the top left corner',
    negative: 'red',
    seed: '77',
    steps: 3,
    cfg: 6.5,
    sampler: 'Euler a',
    batch: 2,
  });
  await generateAndWait(page, 2);
  await waitSaved(page);
  await fillForm(page, {
    prompt: 'something else',
    negative: '',
    seed: '5',
    steps: 9,
    cfg: 3,
    sampler: 'DDIM',
    batch: 1,
  });

  await page.getByRole('button', { name: 'Open image, seed 78' }).click();
  const dialog = page.getByRole('dialog', { name: 'Image details' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('img')).toBeVisible();
  await expect(dialog.getByTestId('infotext')).toHaveText(
    /^a small green ring in the top left corner\nNegative prompt: red\nSteps: 3, Sampler: Euler a, CFG scale: 6.5, Seed: 78, Size: 64x64, Model: tiny-shapes, Version: latent-studio \d+\.\d+\.\d+/,
  );
  await dialog.getByRole('button', { name: 'Copy seed' }).click();
  await expect(dialog.getByRole('status')).toHaveText('Seed 78 copied.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('78');
  await dialog.getByRole('button', { name: 'Copy parameters' }).click();
  await expect(dialog.getByRole('status')).toHaveText('Parameters copied.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
    await dialog.getByTestId('infotext').textContent(),
  );
  await dialog.getByRole('button', { name: 'Reuse settings' }).click();
  await expect(dialog).toBeHidden();
  await expect
    .poll(() => readForm(page))
    .toEqual({
      prompt: 'a small green ring in the top left corner',
      negative: 'red',
      seed: '78',
      steps: '3',
      cfg: '6.5',
      sampler: 'euler-a',
      width: '64',
      height: '64',
      batch: '1',
    });

  // Delete one: gone now and after a reload.
  await page.getByRole('button', { name: 'Open image, seed 78' }).click();
  await dialog.getByRole('button', { name: 'Delete image' }).click();
  await expect(figures(page)).toHaveCount(1);
  await page.reload();
  await openStudio(page, 'wasm');
  await expect.poll(() => gallerySeeds(page)).toEqual(['77']);

  // Clear all asks first; "Keep them" keeps them.
  await page.getByRole('button', { name: 'Clear all' }).click();
  const confirm = page.getByRole('group', { name: 'Confirm clearing the gallery' });
  await expect(confirm).toContainText('Delete all 1 images?');
  await confirm.getByRole('button', { name: 'Keep them' }).click();
  await expect(figures(page)).toHaveCount(1);
  await page.getByRole('button', { name: 'Clear all' }).click();
  await confirm.getByRole('button', { name: 'Delete all' }).click();
  await expect(figures(page)).toHaveCount(0);
  await page.reload();
  await openStudio(page, 'wasm');
  await expect(page.getByTestId('gallery-count')).toHaveText('0 images');
  await expect(figures(page)).toHaveCount(0);
});

test('a large gallery loads in pages as it scrolls, newest first', async ({ page }) => {
  await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'a red square', seed: '1000', steps: 1, cfg: 1, batch: 16 });
  await generateAndWait(page, 16);
  await fillForm(page, { seed: '1016', batch: 14 });
  await generateAndWait(page, 14);
  await waitSaved(page);

  await page.reload();
  await openStudio(page, 'wasm');
  await expect(page.getByTestId('gallery-count')).toHaveText('30 images');
  // The first page only; the rest arrive when the end of the gallery scrolls into view.
  await expect(figures(page)).toHaveCount(24);
  await page.getByRole('button', { name: /Load more|Loading/ }).scrollIntoViewIfNeeded();
  await expect(figures(page)).toHaveCount(30);
  const seeds = (await gallerySeeds(page)).map(Number);
  expect(seeds).toEqual(Array.from({ length: 30 }, (_, i) => 1029 - i));
  await expect(page.getByRole('button', { name: 'Load more' })).toHaveCount(0);
});

test('when the disk is full, the new image stays on screen, the message says so, and nothing else is lost', async ({
  page,
}) => {
  // The browser's own quota error, raised by IndexedDB's add() once the test says the disk is full.
  await page.addInitScript(() => {
    const add = IDBObjectStore.prototype.add;
    IDBObjectStore.prototype.add = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['add']>) {
      if ((window as { diskFull?: boolean }).diskFull) throw new DOMException('Quota exceeded', 'QuotaExceededError');
      return add.apply(this, args);
    };
  });
  await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'a blue circle', seed: '10', steps: 2 });
  await generateAndWait(page);
  await waitSaved(page);
  await page.evaluate(() => ((window as { diskFull?: boolean }).diskFull = true));
  await fillForm(page, { seed: '11' });
  await generateAndWait(page);
  await expect(page.getByTestId('notice')).toContainText('storage is full');
  await expect.poll(() => gallerySeeds(page)).toEqual(['11', '10']);
  expect(distinctColours((await galleryPixels(page, 0))?.data ?? [])).toBeGreaterThan(1);
  // The form still works, and the earlier image is still saved.
  await page.reload();
  await openStudio(page, 'wasm');
  await expect.poll(() => gallerySeeds(page)).toEqual(['10']);
});

test('the gallery survives closing and restarting the browser', async ({ browserName: _browser }, testInfo) => {
  const userDataDir = mkdtempSync(join(tmpdir(), 'latent-studio-profile-'));
  const { baseURL, launchOptions } = testInfo.project.use;
  const launch = () =>
    chromium.launchPersistentContext(userDataDir, {
      ...(launchOptions ?? {}),
      ...(baseURL ? { baseURL } : {}),
    });
  let context = await launch();
  let page = context.pages()[0] ?? (await context.newPage());
  await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'a pink star in the center', seed: '4242', steps: 3 });
  await generateAndWait(page);
  await waitSaved(page);
  const before = await drawnPixels(page, 0);
  await context.close();

  context = await launch();
  page = context.pages()[0] ?? (await context.newPage());
  await openStudio(page, 'wasm');
  await expect.poll(() => gallerySeeds(page)).toEqual(['4242']);
  expect(await drawnPixels(page, 0)).toEqual(before);
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('a pink star in the center');
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
});
