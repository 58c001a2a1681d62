/**
 * The X/Y/Z plot in the app: bad axis values say what is wrong and queue nothing; a 2-cell CFG
 * plot runs as one job, keeps both cells and adds the labelled grid, whose PNG carries A1111's
 * grid infotext and C2PA credentials (read here with c2pa-rs, not the app's code).
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import extractChunks from 'png-chunks-extract';
import * as pngText from 'png-chunk-text';
import { readWithC2paRs } from '../support/c2pa-rs-reader.ts';
import { openStudio } from './studio.ts';
import { figures, fillForm, waitIdle, waitSaved } from './studio-helpers.ts';

test('an X/Y/Z plot makes its cells and a labelled grid in the gallery', async ({ page }) => {
  const { errors } = await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'a red star', seed: '11', steps: 1 });
  const panel = page.getByRole('region', { name: 'X/Y/Z plot' });
  await panel.getByLabel('X type').selectOption('CFG Scale');
  await panel.getByLabel('X values').fill('3, x');
  await panel.getByRole('button', { name: 'Run X/Y/Z plot' }).click();
  await expect(panel.getByRole('alert')).toHaveText('X axis: "x" is not a number (CFG Scale)');
  await expect(figures(page)).toHaveCount(0);

  await panel.getByLabel('X values').fill('3, 7');
  await panel.getByRole('button', { name: 'Run X/Y/Z plot' }).click();
  await expect(panel.getByRole('alert')).toHaveCount(0);
  await expect(panel.getByTestId('xyz-status')).toHaveText('Plot done: the grid is in the gallery.');
  await expect(figures(page)).toHaveCount(3);
  await waitIdle(page);
  await waitSaved(page);

  // Newest first: the grid.
  await figures(page).first().getByRole('button').first().click();
  const dialog = page.getByRole('dialog', { name: 'Image details' });
  const downloading = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Download PNG' }).click();
  const bytes = readFileSync((await (await downloading).path()) ?? '');
  const text = extractChunks(new Uint8Array(bytes))
    .filter((c) => c.name === 'tEXt')
    .map((c) => pngText.decode(c.data))
    .find((t) => t.keyword === 'parameters')?.text;
  expect(text).toMatch(
    /^a red star\nSteps: 1, .*CFG scale: 3, Seed: 11, .*, Script: X\/Y\/Z plot, X Type: CFG Scale, X Values: "3, 7"$/,
  );
  const grid = PNG.sync.read(bytes);
  // Two 64 px cells side by side under a row of labels.
  expect(grid.width).toBe(128);
  expect(grid.height).toBeGreaterThan(64);
  const report = await readWithC2paRs(new Uint8Array(bytes));
  expect(report.validation_state).toBe('Valid');
  expect(errors).toEqual([]);
});

test('a running plot is one queue entry; cancelling it keeps the cells made and adds no grid', async ({ page }) => {
  const { errors } = await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'a blue circle', steps: 8 });
  const panel = page.getByRole('region', { name: 'X/Y/Z plot' });
  await panel.getByLabel('X type').selectOption('Seed');
  await panel.getByLabel('X values').fill('1-4');
  await panel.getByRole('button', { name: 'Run X/Y/Z plot' }).click();
  const queued = page.getByRole('list', { name: 'Queued jobs' });
  await expect(queued.getByRole('listitem')).toHaveCount(1);
  await expect(queued).toContainText('X/Y/Z plot (4 images)');
  await panel.getByRole('button', { name: 'Cancel plot' }).click();
  await expect(panel.getByTestId('xyz-status')).toHaveText(/^Plot cancelled after [0-3] of 4 images\.$/);
  await waitIdle(page);
  const made = await figures(page).count();
  expect(made).toBeLessThan(4);
  await expect(page.getByTestId('queue-count')).toHaveCount(0);
  expect(errors).toEqual([]);
});
