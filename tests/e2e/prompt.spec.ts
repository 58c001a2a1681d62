/**
 * The prompt boxes as A1111 users know them: a live token counter that grows by chunks of 75,
 * and Ctrl+↑ / Ctrl+↓ weighting the word under the cursor.
 */
import { expect, test } from '@playwright/test';
import { openStudio } from './studio.ts';

test('token counter counts with the model tokenizer and grows a chunk past 75 tokens', async ({ page }) => {
  await openStudio(page, 'wasm');
  const prompt = page.getByLabel('Prompt', { exact: true });
  const counter = page.getByLabel('Prompt tokens', { exact: true });
  await prompt.fill('a red circle');
  await expect(counter).toHaveText('3/75');
  await prompt.fill(Array.from({ length: 40 }, () => 'red circle').join(' '));
  await expect(counter).toHaveText('80/150');
  await page.getByLabel('Negative prompt', { exact: true }).fill('blue');
  await expect(page.getByLabel('Negative prompt tokens', { exact: true })).toHaveText('1/75');
});

test('Ctrl+Up and Ctrl+Down weight the word under the cursor', async ({ page }) => {
  await openStudio(page, 'wasm');
  const prompt = page.getByLabel('Prompt', { exact: true });
  await prompt.fill('a red circle');
  // Put the cursor inside "red".
  await prompt.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(3, 3));
  await prompt.press('Control+ArrowUp');
  await expect(prompt).toHaveValue('a (red:1.1) circle');
  await prompt.press('Control+ArrowUp');
  await expect(prompt).toHaveValue('a (red:1.2) circle');
  // The selection stays on the edited word, so presses in quick succession keep weighting it.
  await prompt.press('Control+ArrowDown');
  await prompt.press('Control+ArrowDown');
  await expect(prompt).toHaveValue('a red circle');
  await prompt.press('Control+ArrowDown');
  await prompt.press('Control+ArrowDown');
  await prompt.press('Control+ArrowUp');
  await expect(prompt).toHaveValue('a (red:0.9) circle');
  const selected = await prompt.evaluate((el: HTMLTextAreaElement) =>
    el.value.slice(el.selectionStart, el.selectionEnd),
  );
  expect(selected).toBe('red');
});
