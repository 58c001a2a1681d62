/**
 * Fault catalogue, bad input (issue 10 items 1, 2, 7): what a clumsy or hostile person types,
 * pastes or drops, against the real app on WASM. Every case must be answered with a sentence,
 * promptly, and lose nothing (the form keeps what it had unless the import was valid).
 */
import { deflateSync } from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';
import { PNG } from 'pngjs';
import encodeChunks from 'png-chunks-encode';
import extractChunks from 'png-chunks-extract';
import { fillForm, figures, generateAndWait, generateButton, readForm } from './studio-helpers.ts';
import { openStudio } from './studio.ts';

const notice = (page: Page) => page.getByTestId('notice');
const paste = async (page: Page, text: string) => {
  await page.getByLabel('Paste parameters').fill(text);
  await page.getByRole('button', { name: 'Apply parameters' }).click();
};
const pick = (page: Page) => page.getByLabel('PNG with parameters (or drop one anywhere)');

function pngWith(...chunks: { name: string; data: Uint8Array }[]): Buffer {
  const png = new PNG({ width: 4, height: 4 });
  png.data.fill(128);
  const all = extractChunks(new Uint8Array(PNG.sync.write(png)));
  all.splice(1, 0, ...chunks);
  return Buffer.from(encodeChunks(all));
}
const text = (keyword: string, body: Buffer, name = 'tEXt', extra: number[] = []) => ({
  name,
  data: new Uint8Array([...Buffer.from(keyword, 'latin1'), 0, ...extra, ...body]),
});

test('200 KB of spaces: the counter says "too long" at once, Generate refuses, and the engine stays free', async ({
  page,
}) => {
  const { errors } = await openStudio(page, 'wasm');
  const prompt = page.getByLabel('Prompt', { exact: true });
  await prompt.fill(' '.repeat(200_000));
  await expect(page.getByLabel('Prompt tokens', { exact: true })).toHaveText('too long (max 20,000 characters)', {
    timeout: 5_000,
  });
  await generateButton(page).click();
  await expect(notice(page)).toContainText('Prompt is too long (200000 characters; at most 20000)');
  expect(await figures(page).count()).toBe(0);
  // The case that hung for ~55 s: the worker must not be busy counting the spaces.
  await prompt.fill(`${' '.repeat(19_000)}a red star`);
  await expect(page.getByLabel('Prompt tokens', { exact: true })).toHaveText(/^\d+\/75$/, { timeout: 5_000 });
  await fillForm(page, { steps: 2 });
  const started = Date.now();
  await generateAndWait(page);
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(errors).toEqual([]);
});

test('an Infinity prompt weight is refused with a sentence instead of a black image', async ({ page }) => {
  await openStudio(page, 'wasm');
  await fillForm(page, { prompt: `a (red:1${'0'.repeat(320)}) star`, steps: 2 });
  await generateButton(page).click();
  await expect(notice(page)).toContainText('the weight of "red" is Infinity; weights must be between -1000 and 1000');
  expect(await figures(page).count()).toBe(0);
});

test('number fields read decimals only: 0x10, 1e1, " 12 " and 12abc are errors, not 16, 10 and 12', async ({
  page,
}) => {
  await openStudio(page, 'wasm');
  const steps = page.getByLabel('Steps value', { exact: true });
  const fieldError = page.locator('.field-error', { hasText: 'Steps must be a whole number between 1 and 150.' });
  for (const typed of ['0x10', '1e1', ' 12 ', '12abc']) {
    await steps.fill(typed);
    await generateButton(page).click();
    await expect(fieldError).toBeVisible();
    await expect(steps).toHaveValue(typed); // what was typed stays, to be corrected
    expect(await figures(page).count()).toBe(0);
  }
  await steps.fill('2');
  await generateAndWait(page);
  await expect(fieldError).toHaveCount(0);
});

test('pasted infotext: hex and exponent numbers are refused by name; oversized text is refused before parsing', async ({
  page,
}) => {
  await openStudio(page, 'wasm');
  const before = await readForm(page);
  await paste(page, 'a star\nSteps: 0x10, Sampler: Euler, CFG scale: 1e1, Seed: 5, Size: 64x64');
  await expect(notice(page)).toContainText('Steps "0x10" is not between 1 and 150; kept yours.');
  await expect(notice(page)).toContainText('CFG scale "1e1" is not between 1 and 30; kept yours.');
  expect((await readForm(page)).steps).toBe(before.steps);
  expect((await readForm(page)).cfg).toBe(before.cfg);

  const formBefore = await readForm(page);
  const started = Date.now();
  await paste(page, `${'x, '.repeat(50_000)}\nSteps: 3, Sampler: Euler, Seed: 1, Size: 64x64`);
  await expect(notice(page)).toContainText(
    'The parameters text is too long (150,047 characters; the studio reads at most 65,536).',
  );
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(await readForm(page)).toEqual(formBefore);
});

test('PNGs: huge, compressed, oversized and lying chunks are each answered with a sentence', async ({ page }) => {
  const { errors } = await openStudio(page, 'wasm');
  const formBefore = await readForm(page);
  const params = 'Steps: 3, Sampler: Euler, CFG scale: 7, Seed: 9, Size: 64x64';

  // 150 KB of parameters on one line (froze the page ~12 s): over the text cap.
  await pick(page).setInputFiles({
    name: 'long.png',
    mimeType: 'image/png',
    buffer: pngWith(text('parameters', Buffer.from(`${'a'.repeat(150_000)}\n${params}`))),
  });
  await expect(notice(page)).toContainText('Nothing imported from "long.png": The parameters text is too long');

  // A valid zTXt over 100 KB (failed with "could not be read": fromCharCode ran out of arguments).
  const zipped = deflateSync(Buffer.from(`${'b '.repeat(60_000)}\n${params}`, 'latin1'));
  await pick(page).setInputFiles({
    name: 'zipped.png',
    mimeType: 'image/png',
    buffer: pngWith(text('parameters', zipped, 'zTXt', [0])),
  });
  await expect(notice(page)).toContainText('Nothing imported from "zipped.png": The parameters text is too long');

  // A text chunk over the reader's cap, refused by size before it is decoded.
  await pick(page).setInputFiles({
    name: 'huge.png',
    mimeType: 'image/png',
    buffer: pngWith(text('parameters', Buffer.alloc(2 * 2 ** 20, 0x61))),
  });
  await expect(notice(page)).toContainText('carries a 2.0 MB text chunk; the studio reads metadata up to 1 MB');

  // A chunk that claims 4 GB.
  const lying = pngWith(text('parameters', Buffer.from(`a\n${params}`)));
  lying.writeUInt32BE(0xfffffff0, 33);
  await pick(page).setInputFiles({ name: 'lying.png', mimeType: 'image/png', buffer: lying });
  await expect(notice(page)).toContainText(
    '"lying.png": This PNG is damaged (its "tEXt" chunk runs past the end of the file).',
  );

  expect(await readForm(page)).toEqual(formBefore);

  // And a good one still imports.
  await pick(page).setInputFiles({
    name: 'good.png',
    mimeType: 'image/png',
    buffer: pngWith(text('parameters', Buffer.from(`a blue circle\n${params}`))),
  });
  await expect(notice(page)).toContainText('Imported from "good.png"');
  expect(errors).toEqual([]);
});

test('2048×2048 on WASM is refused before running, naming the limit, with no engine internals', async ({ page }) => {
  await openStudio(page, 'wasm');
  await paste(page, 'a red star\nSteps: 1, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 2048x2048');
  await expect(notice(page)).toContainText('Imported from the pasted text');
  await generateButton(page).click();
  await expect(notice(page)).toContainText(
    '2048×2048 is too large for the WASM backend: it runs at most 1,982,464 pixels per image (e.g. 1408×1408).',
  );
  await expect(notice(page)).not.toContainText(/OrtRun|safeint|\.h:\d/);
  expect(await figures(page).count()).toBe(0);
});

test('an engine failure shows a sentence, with the raw engine text only under "Details"', async ({ page }) => {
  const { errors } = await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'a red star', steps: 2 });
  await generateAndWait(page);
  // Make the engine worker's next job fail the way onnxruntime does (its clock throws ORT's text).
  const engine = page.workers().find((w) => w.url().includes('engine.worker'));
  if (!engine) throw new Error('no engine worker');
  await engine.evaluate(() => {
    performance.now = () => {
      throw new Error(
        'failed to call OrtRun(). ERROR_CODE: 1, ERROR_MESSAGE: /mnt/build/onnxruntime/core/common/safeint.h:17 Integer overflow',
      );
    };
  });
  await generateButton(page).click();
  const bar = notice(page);
  await expect(bar).toContainText('The engine failed on this job. Try again; if it keeps failing, reload the model');
  const details = page.getByTestId('notice-detail');
  await expect(details).not.toHaveAttribute('open');
  await expect(bar.locator('span').first()).not.toContainText(/OrtRun|safeint/);
  await details.getByText('Details').click();
  await expect(details.locator('pre')).toBeVisible();
  await expect(details.locator('pre')).toContainText('safeint.h:17 Integer overflow');
  expect(await figures(page).count()).toBe(1);
  expect(errors).toEqual([]);
});
