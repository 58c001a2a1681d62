/**
 * Two tabs of the studio on one gallery database (Chromium, WASM): an image made in tab A
 * appears in tab B, a deletion in B disappears from A, and "Clear all" in B empties A, each
 * without a reload (BroadcastChannel). A settings write the browser refuses is reported.
 */
import { expect, test } from '@playwright/test';
import { openStudio } from './studio.ts';
import { figures, fillForm, gallerySeeds, generateButton, waitIdle } from './studio-helpers.ts';

test('gallery additions, deletions and clears reach every open tab', async ({ context }) => {
  const a = await context.newPage();
  const b = await context.newPage();
  await openStudio(a, 'wasm');
  await openStudio(b, 'wasm');
  await expect(b.getByTestId('gallery-count')).toHaveText('0 images');

  await fillForm(a, { prompt: 'made in tab A', seed: '11', steps: 2, batch: 3 });
  await generateButton(a).click();
  await waitIdle(a);
  await expect(a.getByTestId('gallery-count')).toHaveText('3 images');
  // Tab B lists them, newest first, without a reload.
  await expect.poll(() => gallerySeeds(b), { timeout: 30_000 }).toEqual(['13', '12', '11']);
  await expect(b.getByTestId('gallery-count')).toHaveText('3 images');

  // Deleting one in B removes it from A.
  await b.getByRole('button', { name: 'Open image, seed 12' }).click();
  await b.getByRole('dialog', { name: 'Image details' }).getByRole('button', { name: 'Delete image' }).click();
  await expect.poll(() => gallerySeeds(a), { timeout: 30_000 }).toEqual(['13', '11']);
  await expect(a.getByTestId('gallery-count')).toHaveText('2 images');

  // "Clear all" in B empties A, and A's database view agrees after a reload.
  await b.getByRole('button', { name: 'Clear all' }).click();
  await b
    .getByRole('group', { name: 'Confirm clearing the gallery' })
    .getByRole('button', { name: 'Delete all' })
    .click();
  await expect(figures(a)).toHaveCount(0, { timeout: 30_000 });
  await expect(a.getByTestId('gallery-count')).toHaveText('0 images');
  await a.reload();
  await openStudio(a, 'wasm');
  await expect(a.getByTestId('gallery-count')).toHaveText('0 images');
});

test('a settings write the browser refuses is reported, not swallowed', async ({ page }) => {
  await page.addInitScript(() => {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key: string, value: string) {
      if ((window as { storageFull?: boolean }).storageFull) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      setItem.call(this, key, value);
    };
  });
  await openStudio(page, 'wasm');
  await page.evaluate(() => ((window as { storageFull?: boolean }).storageFull = true));
  await fillForm(page, { prompt: 'remember me' });
  const notice = page.getByTestId('notice');
  await expect(notice).toContainText('Your settings could not be saved for the next visit');
  await expect(notice).toHaveAttribute('role', 'alert');
  // The studio keeps working in this tab.
  await fillForm(page, { steps: 2 });
  await generateButton(page).click();
  await expect(figures(page)).toHaveCount(1, { timeout: 60_000 });
});
