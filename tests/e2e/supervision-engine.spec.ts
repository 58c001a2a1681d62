/**
 * A supervised engine, in Chromium on WASM: the engine worker dies silently (`self.close()`),
 * crashes (an uncaught error) or hangs (a busy loop) in the middle of a job. Each is detected
 * (heartbeat; the worker's `error` event), the worker is replaced, the running job ends with a
 * clear message, the queued job survives and runs once the model has loaded again, and the page
 * is never reloaded. The faults are injected inside the real worker through the DevTools
 * protocol (Playwright's Worker.evaluate); the app has no test hook. `?engineTimeoutMs=4000`
 * shortens the hang timeout (120 s by default).
 */
import { expect, test, type Page } from '@playwright/test';
import { figures, fillForm, generateButton, waitIdle } from './studio-helpers.ts';

/** Prompts of the gallery's images, newest first. */
const labels = (page: Page) =>
  figures(page)
    .locator('canvas')
    .evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')));

const status = (page: Page) => page.getByRole('status', { name: 'Engine status' });

async function open(page: Page) {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?backend=wasm&engineTimeoutMs=4000');
  await expect(status(page)).toHaveAttribute('data-phase', 'ready', { timeout: 120_000 });
  return { errors };
}

const engineWorker = (page: Page) => {
  const worker = page.workers().find((w) => w.url().includes('engine.worker'));
  if (!worker) throw new Error('no engine worker');
  return worker;
};

/** A long job runs (past its first step) with one short job queued behind it. */
async function longJobWithOneQueued(page: Page) {
  await fillForm(page, { prompt: 'the long job', seed: '5', steps: 150, batch: 4 });
  await generateButton(page).click();
  await fillForm(page, { prompt: 'the queued job', steps: 2, batch: 1 });
  await generateButton(page).click();
  await expect(page.getByTestId('queue-count')).toHaveText('1 queued');
  await expect(page.getByTestId('progress-text')).toContainText(/step [1-9]/, { timeout: 60_000 });
}

/** After the fault: a message, the queue kept, the model back, the queued job done, page not reloaded. */
async function recovers(page: Page, message: RegExp, errors: string[]) {
  const marker = await page.evaluate(() => ((window as { marker?: number }).marker = Math.random()));
  const notice = page.getByTestId('notice');
  await expect(notice).toContainText(message, { timeout: 30_000 });
  await expect(notice).toContainText(/restarted/);
  await expect(status(page)).toHaveAttribute('data-phase', 'ready', { timeout: 120_000 });
  await waitIdle(page);
  expect(await labels(page)).toContain('the queued job');
  expect(await labels(page)).not.toContain('the long job');
  // And the studio carries on: a new job works.
  await fillForm(page, { prompt: 'after the restart', steps: 2 });
  await generateButton(page).click();
  await waitIdle(page);
  expect((await labels(page))[0]).toBe('after the restart');
  expect(await page.evaluate(() => (window as { marker?: number }).marker)).toBe(marker);
  expect(errors).toEqual([]);
}

test('a worker that dies silently mid-job is found by the heartbeat and replaced; the queue survives', async ({
  page,
}) => {
  const { errors } = await open(page);
  await longJobWithOneQueued(page);
  const dead = engineWorker(page);
  await dead.evaluate(() => self.close()).catch(() => undefined);
  await recovers(page, /engine stopped responding while generating/i, errors);
  expect(page.workers()).not.toContain(dead);
});

test('a worker that crashes (uncaught error) mid-job is replaced at once; the queue survives', async ({ page }) => {
  const { errors } = await open(page);
  await longJobWithOneQueued(page);
  await engineWorker(page).evaluate(() => {
    setTimeout(() => {
      throw new Error('simulated crash inside the engine worker');
    }, 0);
  });
  await recovers(page, /engine stopped unexpectedly while generating/i, errors);
});

test('a worker stuck in a loop mid-job is terminated and replaced; the queue survives', async ({ page }) => {
  const { errors } = await open(page);
  await longJobWithOneQueued(page);
  const stuck = engineWorker(page);
  // Never returns: the worker's event loop is blocked until the page terminates it.
  void stuck
    .evaluate(() => {
      for (;;) {
        // spin
      }
    })
    .catch(() => undefined);
  await recovers(page, /engine stopped responding while generating/i, errors);
  await expect(figures(page)).toHaveCount(2);
});
