/**
 * Benchmark, not a pass/fail test (kept out of `npm test`): what the live preview costs per
 * denoising step. Runs the same job with the preview on and off, alternating, and prints the
 * denoising-loop time per step (image total minus text encoder and VAE) from each image's timings.
 *
 *   npm run bench:preview
 */
import { test } from '@playwright/test';
import { openStudio } from '../e2e/studio.ts';
import { fillForm, figures, generateAndWait } from '../e2e/studio-helpers.ts';

test('live preview cost per step', async ({ page }) => {
  test.setTimeout(600_000);
  await openStudio(page, 'wasm');
  const steps = 60;
  await fillForm(page, { prompt: 'a big red circle on a blue background', seed: '7', steps, batch: 2 });
  const toggle = page.getByLabel('Show preview while generating');
  const perStep: Record<'on' | 'off', number[]> = { on: [], off: [] };
  for (let round = 0; round < Number(process.env.ROUNDS ?? 4); round++) {
    for (const mode of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      await toggle.setChecked(mode === 'on');
      await generateAndWait(page, 2);
      const timings = await figures(page).evaluateAll((els) =>
        els.slice(0, 2).map((el) => JSON.parse(el.getAttribute('data-timings') ?? '{}')),
      );
      for (const t of timings as { totalMs: number; vaeMs: number; textEncoderMs: number; tokenizeMs: number }[]) {
        perStep[mode].push((t.totalMs - t.vaeMs - t.textEncoderMs - t.tokenizeMs) / steps);
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const on = median(perStep.on);
  const off = median(perStep.off);
  console.log(
    `per step (median of ${perStep.on.length}): preview on ${on.toFixed(2)} ms, off ${off.toFixed(2)} ms, ` +
      `cost ${(on - off).toFixed(2)} ms (${(((on - off) / off) * 100).toFixed(1)} %)`,
  );
  console.log(JSON.stringify(perStep));
});

test('Live mode: time from the last keystroke to the new image', async ({ page }) => {
  test.setTimeout(600_000);
  await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'a big red circle', seed: '7', steps: Number(process.env.LIVE_STEPS ?? 8), batch: 1 });
  await page.getByLabel('Live: render as you type').check();
  const latencies: number[] = [];
  const words = ['on', 'a', 'blue', 'background', 'top', 'left', 'small', 'ring'];
  for (const word of words) {
    const prompt = `${await page.getByLabel('Prompt', { exact: true }).inputValue()} ${word}`;
    const t0 = Date.now();
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    // Live images show in the Live panel (not the gallery), with the prompt they were made from.
    await page.locator(`section[aria-label="Live"][data-prompt="${prompt}"]`).waitFor();
    latencies.push(Date.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `Live latency, edit → image (no debounce; Live renders with the turbo variant): median ${latencies[4]} ms, all ${latencies.join(', ')}`,
  );
});
