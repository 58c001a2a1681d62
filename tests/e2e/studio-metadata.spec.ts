/**
 * PNG metadata both ways: Download writes A1111's `parameters` chunk and importing that file
 * restores every field; a PNG as A1111 writes it (built here with pngjs and png-chunks-*, not the
 * app's code) imports; pasted infotext imports; files without or with broken metadata change
 * nothing and say why; HTML in metadata stays text and never runs.
 */
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';
import { PNG } from 'pngjs';
import encodeChunks from 'png-chunks-encode';
import extractChunks from 'png-chunks-extract';
import * as pngText from 'png-chunk-text';
import { openStudio } from './studio.ts';
import { fillForm, figures, generateAndWait, readForm, waitSaved } from './studio-helpers.ts';

/** A 64×64 PNG from another tool, with text chunks inserted before IDAT as Pillow does. */
function foreignPng(chunks: { name: string; data: Uint8Array }[] = []): Buffer {
  const png = new PNG({ width: 64, height: 64 });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([i % 251, 90, 160, 255], i);
  const all = extractChunks(new Uint8Array(PNG.sync.write(png)));
  all.splice(1, 0, ...chunks);
  return Buffer.from(encodeChunks(all));
}

/** iTXt as Pillow writes non-Latin-1 text: uncompressed, empty language and translated keyword. */
function itxt(keyword: string, text: string) {
  return {
    name: 'iTXt',
    data: new Uint8Array([...Buffer.from(keyword, 'latin1'), 0, 0, 0, 0, 0, ...Buffer.from(text, 'utf8')]),
  };
}

const pick = (page: Page) => page.getByLabel('PNG with parameters (or drop one anywhere)');
const importPng = (page: Page, name: string, buffer: Buffer) =>
  pick(page).setInputFiles({ name, mimeType: 'image/png', buffer });

const A1111_TEXT = `a big red circle on a blue background, (masterpiece:1.2)
Negative prompt: lowres, blurry
Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 2843525023, Size: 128x192, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Clip skip: 2, Version: v1.6.0`;

test('Download writes A1111 parameters; importing the file restores every field', async ({ page }) => {
  const { errors } = await openStudio(page, 'wasm');
  const original = {
    prompt: 'a red, "quoted" star: big\nsecond line',
    negative: 'blurry, green: no',
    seed: '987654321',
    steps: 3,
    cfg: 6.5,
    sampler: 'Euler a',
    width: 128,
    height: 64,
  };
  await fillForm(page, original);
  await generateAndWait(page);
  await waitSaved(page);
  const expectedForm = await readForm(page);

  await page.getByRole('button', { name: 'Open image, seed 987654321' }).click();
  const dialog = page.getByRole('dialog', { name: 'Image details' });
  const downloading = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Download PNG' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('latent-studio-987654321-a-red-quoted-star-big-second-line.png');
  const bytes = readFileSync((await download.path()) ?? '');
  // Read back with png-chunks-extract + png-chunk-text (not the app's reader).
  const chunk = extractChunks(new Uint8Array(bytes)).find((c) => c.name === 'tEXt');
  expect(chunk && pngText.decode(chunk.data)).toEqual({
    keyword: 'parameters',
    text: expect.stringMatching(
      /^a red, "quoted" star: big\nsecond line\nNegative prompt: blurry, green: no\nSteps: 3, Sampler: Euler a, CFG scale: 6\.5, Seed: 987654321, Size: 128x64, Model: tiny-shapes, Version: latent-studio \d+\.\d+\.\d+$/,
    ),
  });
  const decoded = PNG.sync.read(bytes);
  expect([decoded.width, decoded.height]).toEqual([128, 64]);
  await dialog.getByRole('button', { name: 'Close' }).click();

  await fillForm(page, {
    prompt: 'other',
    negative: '',
    seed: '1',
    steps: 20,
    cfg: 7,
    sampler: 'DDIM',
    width: 64,
    height: 64,
  });
  await pick(page).setInputFiles((await download.path()) ?? '');
  await expect(page.getByTestId('notice')).toContainText('Imported from');
  await expect.poll(() => readForm(page)).toEqual(expectedForm);
  expect(errors).toEqual([]);
});

test('a PNG written by A1111 imports every field the studio knows; extras are listed as ignored', async ({ page }) => {
  await openStudio(page, 'wasm');
  await fillForm(page, { batch: 2 });
  await importPng(page, '00012-2843525023.png', foreignPng([pngText.encode('parameters', A1111_TEXT)]));
  const notice = page.getByTestId('notice');
  await expect(notice).toContainText('Imported from "00012-2843525023.png"');
  await expect(notice).toContainText('Ignored: Model hash, Clip skip.');
  await expect(notice).toContainText('made with model "v1-5-pruned-emaonly"');
  await expect
    .poll(() => readForm(page))
    .toEqual({
      prompt: 'a big red circle on a blue background, (masterpiece:1.2)',
      negative: 'lowres, blurry',
      seed: '2843525023',
      steps: '28',
      cfg: '7.5',
      sampler: 'dpmpp-2m-karras',
      width: '128',
      height: '192',
      batch: '2',
    });

  // A1111 ≥ 1.9 splits the schedule type out; Pillow stores non-Latin-1 text as iTXt.
  const modern =
    '赤い円, 青い背景\nSteps: 12, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 5, Seed: 7, Size: 64x64, Version: v1.10.1';
  await importPng(page, 'modern.png', foreignPng([itxt('parameters', modern)]));
  await expect(page.getByTestId('notice')).toContainText('Imported from "modern.png"');
  await expect
    .poll(() => readForm(page))
    .toMatchObject({
      prompt: '赤い円, 青い背景',
      negative: '',
      steps: '12',
      sampler: 'dpmpp-2m-karras',
      seed: '7',
      cfg: '5',
    });

  // Other tools compress it (zTXt, zlib).
  const zipped = new Uint8Array([
    ...Buffer.from('parameters'),
    0,
    0,
    ...deflateSync('zipped prompt\nSteps: 4, Sampler: DDIM, CFG scale: 3, Seed: 11, Size: 64x64'),
  ]);
  await importPng(page, 'zipped.png', foreignPng([{ name: 'zTXt', data: zipped }]));
  await expect(page.getByTestId('notice')).toContainText('Imported from "zipped.png"');
  await expect
    .poll(() => readForm(page))
    .toMatchObject({
      prompt: 'zipped prompt',
      steps: '4',
      sampler: 'ddim',
      seed: '11',
      cfg: '3',
    });
});

test('dropping or pasting a PNG anywhere on the page imports it', async ({ page }) => {
  await openStudio(page, 'wasm');
  const bytes = Array.from(foreignPng([pngText.encode('parameters', A1111_TEXT)]));
  const dataTransfer = await page.evaluateHandle((data) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(data)], 'dropped.png', { type: 'image/png' }));
    return transfer;
  }, bytes);
  await page.dispatchEvent('main', 'dragover', { dataTransfer });
  await expect(page.getByText('Drop a PNG to import its parameters')).toBeVisible();
  await page.dispatchEvent('main', 'drop', { dataTransfer });
  await expect(page.getByTestId('notice')).toContainText('Imported from "dropped.png"');
  await expect(page.getByText('Drop a PNG to import its parameters')).toHaveCount(0);
  await expect
    .poll(() => readForm(page))
    .toMatchObject({ seed: '2843525023', steps: '28', sampler: 'dpmpp-2m-karras' });

  // Pasting a copied PNG imports it too.
  const pasted = Array.from(
    foreignPng([pngText.encode('parameters', 'pasted\nSteps: 9, Sampler: LCM, CFG scale: 1.5, Seed: 4, Size: 64x64')]),
  );
  await page.evaluate((data) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(data)], 'image.png', { type: 'image/png' }));
    document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true }));
  }, pasted);
  await expect(page.getByTestId('notice')).toContainText('Imported from "image.png"');
  await expect
    .poll(() => readForm(page))
    .toMatchObject({ prompt: 'pasted', seed: '4', steps: '9', sampler: 'lcm', cfg: '1.5' });
});

test('pasted infotext fills the form', async ({ page }) => {
  await openStudio(page, 'wasm');
  await page
    .getByLabel('Paste parameters')
    .fill('a purple triangle\nNegative prompt: dark\nSteps: 6, Sampler: Heun, CFG scale: 4, Seed: 31337, Size: 64x128');
  await page.getByRole('button', { name: 'Apply parameters' }).click();
  await expect
    .poll(() => readForm(page))
    .toMatchObject({
      prompt: 'a purple triangle',
      negative: 'dark',
      steps: '6',
      sampler: 'heun',
      cfg: '4',
      seed: '31337',
      width: '64',
      height: '128',
    });
  await expect(page.getByLabel('Paste parameters')).toHaveValue('');
});

test('files without usable metadata change nothing and say why', async ({ page }) => {
  await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'keep me', seed: '99', steps: 7 });
  const before = await readForm(page);
  const notice = page.getByTestId('notice');
  const damaged = foreignPng([pngText.encode('parameters', A1111_TEXT)]);
  damaged[40] = (damaged[40] ?? 0) ^ 0xff;
  const cases: [string, Buffer, RegExp][] = [
    ['plain.png', foreignPng(), /plain\.png" carries no generation parameters/],
    [
      'caption.png',
      foreignPng([pngText.encode('parameters', 'just a caption, nothing else')]),
      /No generation parameters found/,
    ],
    ['other-key.png', foreignPng([pngText.encode('Description', A1111_TEXT)]), /carries no generation parameters/],
    ['photo.png', Buffer.from('GIF89a not a png at all'), /not a PNG image/],
    ['damaged.png', damaged, /damaged/],
  ];
  for (const [name, buffer, message] of cases) {
    await importPng(page, name, buffer);
    await expect(notice).toHaveText(message);
    await expect.poll(() => readForm(page)).toEqual(before);
    await page.getByRole('button', { name: 'Dismiss message' }).click();
  }
  await page.getByLabel('Paste parameters').fill('<b>not</b> parameters');
  await page.getByRole('button', { name: 'Apply parameters' }).click();
  await expect(notice).toContainText('Nothing imported from the pasted text');
  await expect.poll(() => readForm(page)).toEqual(before);
});

test('HTML in metadata is shown as text and never runs', async ({ page }) => {
  const { errors } = await openStudio(page, 'wasm');
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const prompt = '<img src=x onerror="window.pwned=1;alert(1)"><script>window.pwned=2</script>';
  const negative = '</textarea><svg onload="window.pwned=3">';
  const text = `${prompt}\nNegative prompt: ${negative}\nSteps: 2, Sampler: <b>Euler</b>, CFG scale: 7, Seed: 5, Size: 64x64, <i>Evil key</i>: "<script>window.pwned=4</script>"`;
  await importPng(page, '<img src=x onerror=alert(5)>.png', foreignPng([pngText.encode('parameters', text)]));
  const notice = page.getByTestId('notice');
  await expect(notice).toContainText('Imported from "<img src=x onerror=alert(5)>.png"');
  await expect(notice).toContainText('Sampler "<b>Euler</b>" is not available here');
  await expect.poll(() => readForm(page)).toMatchObject({ prompt, negative, seed: '5', steps: '2' });

  // Render it too: the gallery's details show the infotext literally.
  await generateAndWait(page);
  await page.getByRole('button', { name: 'Open image, seed 5' }).click();
  await expect(page.getByTestId('infotext')).toContainText(prompt);
  await expect(page.getByTestId('infotext')).toContainText(`Negative prompt: ${negative}`);
  expect(await page.locator('img[src="x"], svg[onload], script:not([src]):not([type])').count()).toBe(0);
  expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
  expect(errors).toEqual([]);
  await expect(figures(page)).toHaveCount(1);
});
