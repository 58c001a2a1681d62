/**
 * Keyboard and accessibility: every control has a name, focus is visible, Ctrl+Enter generates
 * from any field, and the layout fits a 360 px phone as well as a desktop.
 */
import { expect, test, type Page } from '@playwright/test';
import { openStudio } from './studio.ts';
import { figures, generateAndWait, waitIdle } from './studio-helpers.ts';

/** Controls without an accessible name (label, aria-label(ledby), or text for buttons). */
const unnamedControls = (page: Page) =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('input, select, textarea, button'))
      .filter((el) => el.offsetParent !== null || el.getClientRects().length > 0)
      .filter((el) => {
        const labelled =
          ('labels' in el && (el as HTMLInputElement).labels?.length) ||
          el.getAttribute('aria-label') ||
          el.getAttribute('aria-labelledby') ||
          (el.tagName === 'BUTTON' && el.textContent?.trim());
        return !labelled;
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );

for (const viewport of [
  { name: 'a 360 px phone', width: 360, height: 740 },
  { name: 'a desktop', width: 1366, height: 900 },
]) {
  test(`fits ${viewport.name}; every control is named`, async ({ page }) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await openStudio(page, 'wasm');
    await page.getByLabel('Steps value', { exact: true }).fill('2');
    await page.getByLabel('Batch count value', { exact: true }).fill('2');
    await generateAndWait(page, 2);
    // No sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
    expect(await unnamedControls(page)).toEqual([]);

    const form = await page.getByRole('form', { name: 'Generation settings' }).boundingBox();
    const gallery = await page.getByRole('region', { name: 'Gallery' }).boundingBox();
    if (viewport.width < 720) {
      // One column: the gallery below the controls.
      expect(gallery?.y ?? 0).toBeGreaterThan((form?.y ?? 0) + (form?.height ?? 0) - 1);
    } else {
      // Two columns: the gallery beside the controls.
      expect(gallery?.x ?? 0).toBeGreaterThan((form?.x ?? 0) + (form?.width ?? 0) - 1);
    }

    // The image dialog fits too, with every action reachable.
    await figures(page).first().getByRole('button').click();
    const dialog = page.getByRole('dialog', { name: 'Image details' });
    const box = await dialog.boundingBox();
    expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= viewport.width).toBe(true);
    expect(await unnamedControls(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
  });
}

test('focus is visible when moving by keyboard; Ctrl+Enter generates from any field', async ({ page }) => {
  await openStudio(page, 'wasm');
  await page.getByLabel('Steps value', { exact: true }).fill('2');
  const seed = page.getByLabel('Seed', { exact: true });
  await seed.focus();
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const style = getComputedStyle(el);
    return { tag: el.tagName, style: style.outlineStyle, width: style.outlineWidth };
  });
  expect(outline.style).not.toBe('none');
  expect(outline.width).not.toBe('0px');

  await page.getByLabel('Negative prompt', { exact: true }).press('Control+Enter');
  await expect(figures(page)).toHaveCount(1);
  await waitIdle(page);
  await page.getByLabel('Paste parameters').press('Control+Enter');
  await expect(figures(page)).toHaveCount(2);
});

test('aspect presets pick sizes the model accepts; the gallery shows each image at its own aspect', async ({
  page,
}) => {
  await openStudio(page, 'wasm');
  const aspect = page.getByLabel('Aspect ratio');
  const width = page.getByLabel('Width', { exact: true });
  const height = page.getByLabel('Height', { exact: true });
  // Multiples of the model's size multiple (64 for tiny-shapes) only.
  const options = await width.locator('option').allTextContents();
  expect(options.map(Number).every((n) => n % 64 === 0)).toBe(true);
  await width.selectOption('256');
  await expect(aspect).toHaveValue('custom');
  await aspect.selectOption('4:3');
  await expect(width).toHaveValue('256');
  await expect(height).toHaveValue('192');
  await page.getByRole('button', { name: 'Swap width and height' }).click();
  await expect(aspect).toHaveValue('3:4');
  await aspect.selectOption('16:9');
  await expect(width).toHaveValue('256');
  await expect(height).toHaveValue('128');

  await page.getByLabel('Steps value', { exact: true }).fill('1');
  await page.getByLabel('CFG scale value', { exact: true }).fill('1');
  await generateAndWait(page);
  await aspect.selectOption('9:16');
  await expect(width).toHaveValue('128');
  await generateAndWait(page);
  const ratios = await figures(page)
    .locator('canvas')
    .evaluateAll((els) => els.map((el) => el.getBoundingClientRect().width / el.getBoundingClientRect().height));
  expect(ratios[0]).toBeCloseTo(0.5, 1);
  expect(ratios[1]).toBeCloseTo(2, 1);
  await expect(figures(page).locator('figcaption')).toHaveText([/128×256$/, /256×128$/]);
});
