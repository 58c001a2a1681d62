/**
 * State-side defects from the fault catalogue (issue #10, item 7), in Chromium on WASM against
 * the loopback model host: a stale "Could not load the model" notice after a successful load;
 * leaving during a job asks first and loses nothing; the same download in a second tab is
 * named as such (Web Locks), never OPFS's raw createSyncAccessHandle text; a wrong
 * Content-Length is retried and, when it stays wrong, named in exact bytes on that model's card
 * only; flipped bytes in a stored graph that still parses are caught against the catalog's
 * SHA-256 before the model loads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { loopbackModelHost } from './model-host.ts';
import { openStudio } from './studio.ts';
import { figures, fillForm, generateButton, waitIdle, waitSaved } from './studio-helpers.ts';

const host = loopbackModelHost('ls-e2e-defects-');

const status = (page: Page) => page.getByRole('status', { name: 'Engine status' });
const card = (page: Page, name: string) => page.getByRole('region', { name: 'Models' }).getByRole('article', { name });
const SD15 = 'Test SD 1.5-like (fp32, external data)';
const TURBO = 'Test SD-Turbo-like';

async function openWithTestCatalog(page: Page) {
  await page.goto(`/?backend=wasm&catalog=${encodeURIComponent(`${host.server.url}catalog.json`)}`);
  await expect(status(page)).toHaveAttribute('data-phase', 'ready', { timeout: 120_000 });
}

test('a later successful load clears the "Could not load the model" notice', async ({ page }) => {
  const unetUrl = '**/models/tiny-shapes/unet/model.onnx';
  await page.route(unetUrl, (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto('/?backend=wasm');
  const notice = page.getByTestId('notice');
  await expect(notice).toContainText('Could not load the model');
  await page.unroute(unetUrl);
  await notice.getByRole('button', { name: 'Reload model' }).click();
  await expect(status(page)).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
  await expect(notice).toHaveCount(0);
});

test('leaving during a job asks first; staying keeps the job and its saved image', async ({ page }) => {
  await openStudio(page, 'wasm');
  await fillForm(page, { prompt: 'do not lose me', seed: '3', steps: 60 });
  await generateButton(page).click();
  await expect(page.getByTestId('progress-text')).toContainText(/step [1-9]/, { timeout: 60_000 });
  const dialog = new Promise<string>((resolve) =>
    page.once('dialog', (d) => {
      resolve(d.type());
      void d.dismiss();
    }),
  );
  await page.close({ runBeforeUnload: true });
  expect(await dialog).toBe('beforeunload');
  expect(page.isClosed()).toBe(false);
  await waitIdle(page);
  await expect(figures(page)).toHaveCount(1);
  await waitSaved(page);
  // Idle and saved: leaving no longer asks.
  let asked = false;
  page.on('dialog', (d) => {
    asked = true;
    void d.accept();
  });
  await page.reload();
  await openStudio(page, 'wasm');
  await expect(figures(page)).toHaveCount(1);
  expect(asked).toBe(false);
});

test('the same download started in a second tab says it runs in the other tab, then lists the model', async ({
  context,
}) => {
  const a = await context.newPage();
  const b = await context.newPage();
  await openWithTestCatalog(a);
  await openWithTestCatalog(b);
  host.server.setThrottle(1_500_000);
  await card(a, SD15).getByRole('button', { name: 'Download' }).click();
  await expect(card(a, SD15)).toHaveAttribute('data-state', 'downloading');
  await card(b, SD15).getByRole('button', { name: 'Download' }).click();
  const alert = card(b, SD15).getByRole('alert');
  await expect(alert).toContainText('already downloading in another tab', { timeout: 30_000 });
  await expect(alert).not.toContainText('createSyncAccessHandle');
  host.server.setThrottle(0);
  await expect(card(a, SD15)).toHaveAttribute('data-state', 'stored', { timeout: 60_000 });
  // Tab B hears when the lock is free and lists the model as stored.
  await expect(card(b, SD15)).toHaveAttribute('data-state', 'stored', { timeout: 30_000 });
});

test('a wrong Content-Length is retried; when it stays wrong, that card alone names both exact sizes', async ({
  page,
}) => {
  await openWithTestCatalog(page);
  const path = '/sd15-like/vae_decoder/model.onnx';
  host.server.fault(path, { kind: 'wrong-length', extra: 100 });
  await card(page, SD15).getByRole('button', { name: 'Download' }).click();
  await expect(card(page, SD15)).toHaveAttribute('data-state', 'stored', { timeout: 60_000 });
  expect(host.server.log.filter((r) => r.path === path).length).toBeGreaterThanOrEqual(2);

  const turboPath = '/sd-turbo-like/vae_decoder/model.onnx';
  host.server.fault(turboPath, { kind: 'wrong-length', extra: 100, times: 100 });
  await card(page, TURBO).getByRole('button', { name: 'Download' }).click();
  const alert = card(page, TURBO).getByRole('alert');
  await expect(alert).toContainText('vae_decoder/model.onnx: the server announces', { timeout: 60_000 });
  const text = (await alert.textContent()) ?? '';
  const [server1, catalog] = [...text.matchAll(/([\d,]+) bytes/g)].map((m) => m[1]);
  expect(server1).toBeDefined();
  expect(server1).not.toBe(catalog);
  // The other card shows no error.
  await expect(card(page, SD15).getByRole('alert')).toHaveCount(0);
});

test('flipped bytes in a stored graph that still parses are caught before the model loads', async ({ page }) => {
  await openWithTestCatalog(page);
  const model = card(page, SD15);
  await model.getByRole('button', { name: 'Download' }).click();
  await expect(model).toHaveAttribute('data-state', 'stored', { timeout: 60_000 });
  const original = readFileSync(join(host.dir, 'sd15-like/vae_decoder/model.onnx'));
  // The stored folder is named after the model's id (an extra catalog's ids may carry its host).
  const id = (await model.getAttribute('data-model-id')) ?? '';
  // Flip one byte near the end (inside the weights): the protobuf stays valid.
  await page.evaluate(
    async ({ at, id }) => {
      const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('latent-studio-models');
      const dir = await (await root.getDirectoryHandle(encodeURIComponent(id))).getDirectoryHandle('vae_decoder');
      const handle = await dir.getFileHandle('model.onnx');
      const file = await handle.getFile();
      const byte = new Uint8Array(await file.slice(at, at + 1).arrayBuffer());
      const writable = await handle.createWritable({ keepExistingData: true });
      await writable.write({ type: 'write', position: at, data: new Uint8Array([(byte[0] as number) ^ 1]) });
      await writable.close();
    },
    { at: original.length - 64, id },
  );
  host.server.log.length = 0;
  await model.getByRole('button', { name: 'Use' }).click();
  await expect(page.getByTestId('notice')).toContainText(
    'vae_decoder/model.onnx is damaged (its SHA-256 does not match the catalog); downloading it again',
    { timeout: 60_000 },
  );
  await expect(status(page)).toContainText('test/sd15-like', { timeout: 60_000 });
  await expect(status(page)).toHaveAttribute('data-phase', 'ready');
  expect(host.server.log.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual([
    '/sd15-like/vae_decoder/model.onnx',
  ]);
  await fillForm(page, { steps: 2 });
  await generateButton(page).click();
  await expect(figures(page)).toHaveCount(1, { timeout: 60_000 });
});
