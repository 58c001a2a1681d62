/** Helpers for the studio-* specs (gallery, metadata, queue, live), on top of studio.ts. */
import { expect, type Page } from '@playwright/test';
import { setSlider } from './studio.ts';

export const gallery = (page: Page) => page.getByRole('region', { name: 'Gallery' });
export const figures = (page: Page) => gallery(page).locator('figure');
export const cancelButton = (page: Page) => page.getByRole('button', { name: 'Cancel', exact: true });
export const generateButton = (page: Page) => page.getByRole('button', { name: 'Generate', exact: true });

/** Seeds of the gallery's images, newest first. */
export const gallerySeeds = (page: Page) =>
  figures(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-seed')));

/** Waits until no job runs and none is queued. */
export async function waitIdle(page: Page) {
  await expect(cancelButton(page)).toBeDisabled();
  await expect(page.getByTestId('queue-count')).toHaveCount(0);
}

export interface FormValues {
  prompt?: string;
  negative?: string;
  seed?: string;
  steps?: number;
  cfg?: number;
  sampler?: string;
  width?: number;
  height?: number;
  batch?: number;
}

export async function fillForm(page: Page, values: FormValues) {
  if (values.prompt !== undefined) await page.getByLabel('Prompt', { exact: true }).fill(values.prompt);
  if (values.negative !== undefined) await page.getByLabel('Negative prompt', { exact: true }).fill(values.negative);
  if (values.seed !== undefined) await page.getByLabel('Seed', { exact: true }).fill(values.seed);
  if (values.steps !== undefined) await setSlider(page, 'Steps', values.steps);
  if (values.cfg !== undefined) await setSlider(page, 'CFG scale', values.cfg);
  if (values.sampler !== undefined)
    await page.getByLabel('Sampler', { exact: true }).selectOption({ label: values.sampler });
  if (values.width !== undefined) await page.getByLabel('Width', { exact: true }).selectOption(String(values.width));
  if (values.height !== undefined) await page.getByLabel('Height', { exact: true }).selectOption(String(values.height));
  if (values.batch !== undefined) await setSlider(page, 'Batch count', values.batch);
}

/** Everything the form shows, as text, for before/after comparisons. */
export async function readForm(page: Page) {
  return {
    prompt: await page.getByLabel('Prompt', { exact: true }).inputValue(),
    negative: await page.getByLabel('Negative prompt', { exact: true }).inputValue(),
    seed: await page.getByLabel('Seed', { exact: true }).inputValue(),
    steps: await page.getByLabel('Steps value', { exact: true }).inputValue(),
    cfg: await page.getByLabel('CFG scale value', { exact: true }).inputValue(),
    sampler: await page.getByLabel('Sampler', { exact: true }).inputValue(),
    width: await page.getByLabel('Width', { exact: true }).inputValue(),
    height: await page.getByLabel('Height', { exact: true }).inputValue(),
    batch: await page.getByLabel('Batch count value', { exact: true }).inputValue(),
  };
}

/** Generates with the form as it is and waits for `count` more images and an idle studio. */
export async function generateAndWait(page: Page, count = 1) {
  const before = await figures(page).count();
  await generateButton(page).click();
  await expect(figures(page)).toHaveCount(before + count);
  await waitIdle(page);
}

/** Waits until every image in the gallery is saved in IndexedDB. */
export async function waitSaved(page: Page) {
  await expect(figures(page).and(page.locator('[data-saved="false"]'))).toHaveCount(0);
}
