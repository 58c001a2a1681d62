/**
 * Live mode in the real app (Chromium, WASM): typing with a key every 50 ms brings images while
 * the person types — not one after a pause — on the embedded model's 4-step variant, and the last
 * image is for the final text. Live images stay out of the gallery until "Keep"; the form keeps
 * its own model and settings. No timings are asserted (scripts/bench-live.ts prints them).
 */
import { expect, test, type Page } from '@playwright/test';
import { openStudio } from './studio.ts';
import { figures, fillForm, waitSaved } from './studio-helpers.ts';

const livePanel = (page: Page) => page.getByRole('region', { name: 'Live' });

/** Records, in the page, the prompt of every Live image as it arrives. */
async function recordLiveImages(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __liveImages: string[] };
    w.__liveImages = [];
    let last = document.querySelector<HTMLElement>('section[aria-label="Live"]')?.dataset['rendered'] ?? '';
    new MutationObserver(() => {
      const panel = document.querySelector<HTMLElement>('section[aria-label="Live"]');
      const n = panel?.dataset['rendered'] ?? '';
      if (panel && n !== last) {
        last = n;
        w.__liveImages.push(panel.dataset['prompt'] ?? '');
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-rendered'] });
  });
}

const liveImages = (page: Page) =>
  page.evaluate(() => [...(window as unknown as { __liveImages: string[] }).__liveImages]);

/** RGBA bytes of a canvas. */
const pixelsOf = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const canvas = document.querySelector<HTMLCanvasElement>(sel);
    const data = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
    return data ? Array.from(data) : null;
  }, selector);

test('Live renders while you type (a key every 50 ms) and its last image is for the final text', async ({ page }) => {
  await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'warm up', seed: '21', steps: 20, cfg: 7 });
  await page.getByLabel('Live: render as you type').check();
  await expect(page.getByTestId('live-hint')).toContainText(
    /Tiny Shapes Turbo.* — 4 steps, CFG 1; Generate keeps your model/,
  );
  // The first Live image (its render loads the 4-step model in the worker).
  await expect(livePanel(page)).toHaveAttribute('data-prompt', 'warm up', { timeout: 120_000 });
  const prompt = page.getByLabel('Prompt', { exact: true });
  await prompt.fill('');
  await expect(livePanel(page)).toHaveAttribute('data-prompt', '');

  await recordLiveImages(page);
  const text = 'a big red circle on a blue background';
  await prompt.pressSequentially(text, { delay: 50 });
  const whileTyping = await liveImages(page);
  // Several images arrived during typing, each for a prefix of what was typed by then.
  expect(whileTyping.length).toBeGreaterThanOrEqual(3);
  for (const p of whileTyping) expect(text.startsWith(p)).toBe(true);
  await expect(livePanel(page)).toHaveAttribute('data-prompt', text);
  await page.waitForTimeout(500);
  const all = await liveImages(page);
  expect(all.at(-1)).toBe(text);
  await expect(livePanel(page).locator('.live-meta')).toContainText('tiny-shapes-turbo · 4 steps · CFG 1');

  // Nothing went to the gallery; the form kept its settings.
  await expect(figures(page)).toHaveCount(0);
  await expect(page.getByLabel('Steps value', { exact: true })).toHaveValue('20');
  await expect(page.getByLabel('CFG scale value', { exact: true })).toHaveValue('7');

  // Keep: the gallery gets this image — its pixels, its prompt, the turbo model's settings.
  const live = await pixelsOf(page, 'canvas[aria-label="Live image"]');
  await livePanel(page).getByRole('button', { name: 'Keep' }).click();
  await expect(figures(page)).toHaveCount(1);
  await expect(livePanel(page).getByRole('button', { name: 'Kept in the gallery' })).toBeDisabled();
  await expect(figures(page).locator('canvas')).toHaveAttribute('aria-label', text);
  expect(await pixelsOf(page, '[aria-label="Gallery"] canvas')).toEqual(live);
  await waitSaved(page);
  await page.getByRole('button', { name: 'Open image, seed 21' }).click();
  const infotext = page.getByRole('dialog', { name: 'Image details' }).getByTestId('infotext');
  await expect(infotext).toContainText(`${text}\nSteps: 4, Sampler: Euler, CFG scale: 1, Seed: 21, Size: 64x64`);
  await expect(infotext).toContainText('Model: tiny-shapes-turbo');
});
