/**
 * Measures which image sizes the embedded model runs at on a backend, in Chromium, by generating
 * one 1-step image per size through the real UI (sizes set through "Import parameters", since the
 * size menus stop at 16 choices). Prints one line per size: ok + seconds, or the error shown.
 * The figures behind BACKEND_MAX_PIXELS in src/protocol/sizes.ts.
 *
 *   npx vite build --outDir /tmp/dist && npx vite preview --outDir /tmp/dist --port 4999 &
 *   npx tsx scripts/measure-size-limits.ts http://127.0.0.1:4999 wasm 1024 1280 1536 2048
 */
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../tests/support/chromium.ts';

const [base = 'http://127.0.0.1:4999', backend = 'wasm', ...sizes] = process.argv.slice(2);
const browser = await chromium.launch(chromiumLaunchOptions);
for (const size of sizes.length > 0 ? sizes : ['1024', '1536', '2048']) {
  const page = await browser.newPage();
  await page.goto(`${base}/?backend=${backend}`);
  const status = page.getByRole('status', { name: 'Engine status' });
  await status.and(page.locator('[data-phase="ready"]')).waitFor({ timeout: 120_000 });
  await page
    .getByLabel('Paste parameters')
    .fill(`a red star\nSteps: 1, Sampler: Euler, CFG scale: 7, Seed: 1, Size: ${size}x${size}`);
  await page.getByRole('button', { name: 'Apply parameters' }).click();
  const before = await page.locator('[aria-label="Gallery"] figure').count();
  const started = Date.now();
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  const outcome = await Promise.race([
    page
      .locator('[aria-label="Gallery"] figure')
      .nth(before)
      .waitFor({ timeout: 590_000 })
      .then(() => 'ok'),
    page
      .locator('.notice-error')
      .waitFor({ timeout: 590_000 })
      .then(async () => `error: ${(await page.locator('.notice-error').textContent()) ?? ''}`),
  ]).catch((error: unknown) => `no answer: ${String(error)}`);
  console.log(`${backend} ${size}x${size}: ${outcome} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  await page.close();
}
await browser.close();
