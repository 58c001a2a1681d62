/**
 * Running jobs: live preview frames (and the setting that turns them off, remembered), batches
 * with consecutive seeds, and the visible queue with Cancel (within a step) and Clear queue.
 * Live mode has its own spec (live.spec.ts).
 */
import { expect, test, type Page } from '@playwright/test';
import { galleryPixels, openStudio, setSlider } from './studio.ts';
import {
  cancelButton,
  fillForm,
  figures,
  gallerySeeds,
  generateAndWait,
  generateButton,
  waitIdle,
} from './studio-helpers.ts';

/** Records, every animation frame, a hash of the live preview canvas (or null when absent). */
async function watchPreview(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { previewFrames: (string | null)[]; stopWatch: boolean };
    w.previewFrames = [];
    w.stopWatch = false;
    const tick = () => {
      const canvas = document.querySelector<HTMLCanvasElement>('canvas[aria-label="Live preview"]');
      const data = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
      w.previewFrames.push(data ? Array.from(data).join(',') : null);
      if (!w.stopWatch) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  return async () =>
    page.evaluate(() => {
      const w = window as unknown as { previewFrames: (string | null)[]; stopWatch: boolean };
      w.stopWatch = true;
      return w.previewFrames;
    });
}

const labels = (page: Page) =>
  figures(page)
    .locator('canvas')
    .evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')));

test('preview frames arrive while a job runs; turning them off is remembered', async ({ page }) => {
  await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'a big white star on a black background', seed: '3', steps: 150, batch: 2 });
  let stop = await watchPreview(page);
  await generateAndWait(page, 2);
  const frames = await stop();
  const shown = frames.filter((f): f is string => f !== null);
  expect(new Set(shown).size).toBeGreaterThanOrEqual(3);
  // The preview goes away with the job.
  await expect(page.locator('canvas[aria-label="Live preview"]')).toHaveCount(0);

  const toggle = page.getByLabel('Show preview while generating');
  await expect(toggle).toBeChecked();
  await toggle.uncheck();
  stop = await watchPreview(page);
  await generateAndWait(page, 2);
  expect((await stop()).filter((f) => f !== null)).toEqual([]);

  await page.reload();
  await openStudio(page, 'wasm');
  await expect(page.getByLabel('Show preview while generating')).not.toBeChecked();
});

test('a batch of 3 yields 3 images with seeds seed, seed+1, seed+2', async ({ page }) => {
  await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'a small orange square at the bottom', seed: '500', steps: 4, batch: 3 });
  await generateAndWait(page, 3);
  await expect.poll(() => gallerySeeds(page)).toEqual(['502', '501', '500']);
  const pixels = await Promise.all([0, 1, 2].map((i) => galleryPixels(page, i)));
  expect(new Set(pixels.map((p) => p?.data.join(','))).size).toBe(3);
});

test('batch count × batch size: 2 calls of 2 images, the same pixels as one at a time, A1111 keys in the infotext', async ({
  page,
}) => {
  await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'a small orange square at the bottom', seed: '600', steps: 3, batch: 2 });
  await setSlider(page, 'Batch size', 2);
  await generateAndWait(page, 4);
  await expect.poll(() => gallerySeeds(page)).toEqual(['603', '602', '601', '600']);
  const batched = await galleryPixels(page, 2); // seed 601
  await page.getByRole('button', { name: 'Open image, seed 601' }).click();
  const dialog = page.getByRole('dialog', { name: 'Image details' });
  await expect(dialog.getByTestId('infotext')).toContainText('Seed: 601, Size: 64x64, Batch size: 2, Batch pos: 1,');
  await dialog.getByRole('button', { name: 'Close' }).click();
  // Seed 601 alone: the same image.
  await fillForm(page, { seed: '601', batch: 1 });
  await setSlider(page, 'Batch size', 1);
  await generateAndWait(page, 1);
  await expect.poll(() => gallerySeeds(page)).toEqual(['601', '603', '602', '601', '600']);
  const alone = await galleryPixels(page, 0);
  const most = batched?.data.reduce((m, v, i) => Math.max(m, Math.abs(v - (alone?.data[i] ?? 0))), 0);
  expect(most).toBeLessThanOrEqual(1);
});

test('presses queue visibly; Cancel (or Esc) stops the running job within a step; Clear queue drops the rest', async ({
  page,
}) => {
  await openStudio(page, 'wasm');
  const queue = page.getByRole('list', { name: 'Queued jobs' });
  await fillForm(page, { prompt: 'first job', seed: '1', steps: 150, batch: 16 });
  await generateButton(page).click();
  await fillForm(page, { prompt: 'second job', steps: 2, batch: 1 });
  await generateButton(page).click();
  await fillForm(page, { prompt: 'third job' });
  await generateButton(page).click();
  await expect(page.getByTestId('queue-count')).toHaveText('2 queued');
  await expect(queue.getByRole('listitem')).toHaveText([/^second job/, /^third job/]);
  await queue.getByRole('button', { name: 'Remove queued job 1' }).click();
  await expect(queue.getByRole('listitem')).toHaveText([/^third job/]);

  // Esc cancels; the step counter moves at most one step past what was on screen.
  const progress = page.getByTestId('progress-text');
  await expect(progress).toContainText(/step [1-9]/);
  const shownAtCancel = Number(/step (\d+)/.exec((await progress.textContent()) ?? '')?.[1]);
  await page.keyboard.press('Escape');
  await expect(figures(page).last()).toBeVisible();
  await waitIdle(page);
  const texts = await labels(page);
  expect(texts[0]).toBe('third job');
  expect(texts).not.toContain('second job');
  expect(texts.filter((t) => t === 'first job').length).toBeLessThan(16);

  // Clear queue: two more presses queue behind a long job, then go away.
  await fillForm(page, { prompt: 'long job', steps: 150, batch: 16 });
  await generateButton(page).click();
  await fillForm(page, { prompt: 'never runs', steps: 2, batch: 1 });
  await generateButton(page).click();
  await generateButton(page).click();
  await expect(page.getByTestId('queue-count')).toHaveText('2 queued');
  await page.getByRole('button', { name: 'Clear queue' }).click();
  await expect(queue).toHaveCount(0);
  await cancelButton(page).click();
  await waitIdle(page);
  await expect.poll(() => labels(page)).not.toContain('never runs');
  expect(shownAtCancel).toBeGreaterThan(0);
});

test('Cancel stops within one denoising step', async ({ page }) => {
  await openStudio(page, 'wasm');
  // 256×256: ~0.1 s a step here, as real models take on a GPU. At 64×64 a step (~9 ms) is shorter
  // than the main thread's message latency under load, so the step on screen can trail the worker
  // by more than one step and the count below would measure the page, not the cancel.
  await fillForm(page, { prompt: 'a gray ring', seed: '8', steps: 150, batch: 1, width: 256, height: 256 });
  await generateButton(page).click();
  const progress = page.getByTestId('progress-text');
  await expect(progress).toContainText(/step [1-9]/);
  // Read the step on screen and press Cancel in the same task, then read where the job stopped.
  const [atClick, stoppedAt] = await page.evaluate(async () => {
    const text = () => document.querySelector('[data-testid="progress-text"]')?.textContent ?? '';
    const step = (t: string) => Number(/step (\d+)/.exec(t)?.[1]);
    const before = step(text());
    Array.from(document.querySelectorAll('button'))
      .find((b) => b.textContent === 'Cancel')
      ?.click();
    while (!text().startsWith('cancelled')) await new Promise((r) => setTimeout(r, 1));
    return [before, step(text())];
  });
  // The worker finishes the model call in flight (one step), plus at most one progress event
  // that was already posted when the click happened.
  expect(stoppedAt - atClick).toBeLessThanOrEqual(2);
  expect(stoppedAt).toBeLessThan(150);
  await expect(figures(page)).toHaveCount(0);
});
