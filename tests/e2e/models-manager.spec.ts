/**
 * The model manager in Chromium, against a loopback model host (tests/support/test-server.ts)
 * serving models the tests build with the real exports' interfaces: download into OPFS with
 * progress, store, use and generate (also offline, after a reload); resume an interrupted
 * download with a Range request; recover a stored file that fails to load; a quota error that
 * removes only the partial file; a 404 reported clearly.
 */
import { expect, test, type Page } from '@playwright/test';
import { loopbackModelHost } from './model-host.ts';
import { distinctColours, galleryPixels, setSlider } from './studio.ts';

const host = loopbackModelHost('ls-e2e-models-');

async function openWithTestCatalog(page: Page, extra = '') {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`/?backend=wasm&catalog=${encodeURIComponent(`${host.server.url}catalog.json`)}${extra}`);
  await expect(page.getByRole('status', { name: 'Engine status' })).toHaveAttribute('data-phase', 'ready', {
    timeout: 120_000,
  });
  return { errors };
}

/** Ids from the `?catalog=` test catalog carry its host (catalog trust, src/storage/model-catalog.ts). */
const namespaced = (id: string) => `127.0.0.1:${host.server.port}/${id}`;

const card = (page: Page, name: string) => page.getByRole('region', { name: 'Models' }).getByRole('article', { name });

/** Paths stored in OPFS for a model (read directly from the origin's file system). */
async function opfsFiles(page: Page, modelId: string): Promise<Record<string, number>> {
  return page.evaluate(async (id) => {
    const out: Record<string, number> = {};
    const walk = async (dir: FileSystemDirectoryHandle, prefix: string) => {
      for await (const [name, handle] of (
        dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
      ).entries()) {
        if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${prefix}${name}/`);
        else out[`${prefix}${name}`] = (await (handle as FileSystemFileHandle).getFile()).size;
      }
    };
    try {
      const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('latent-studio-models');
      await walk(await root.getDirectoryHandle(encodeURIComponent(id)), '');
    } catch {
      // no such model
    }
    return out;
  }, modelId);
}

async function generateOne(page: Page) {
  await setSlider(page, 'Steps', 2);
  await page.getByRole('button', { name: 'Generate' }).click();
  const gallery = page.getByRole('region', { name: 'Gallery' });
  await expect(gallery.locator('figure').first()).toBeVisible({ timeout: 120_000 });
  const pixels = await galleryPixels(page);
  expect(pixels?.width).toBe(64);
  expect(distinctColours(pixels?.data ?? [])).toBeGreaterThan(1);
}

test('downloads a model into OPFS, uses it, generates, and still has it offline after a reload', async ({
  page,
  context,
}) => {
  const { errors } = await openWithTestCatalog(page);
  const model = card(page, 'Test SD 1.5-like (fp16)');
  await expect(model).toHaveAttribute('data-state', 'remote');
  await model.getByRole('button', { name: 'Download' }).click();
  await expect(model).toHaveAttribute('data-state', 'stored', { timeout: 60_000 });
  await expect(page.getByRole('status', { name: 'Storage' })).toContainText(/Models stored: \d/);
  const files = await opfsFiles(page, namespaced('test/sd15-fp16-like'));
  expect(files['unet/weights.pb']).toBeGreaterThan(0);
  expect(files['text_encoder/model.onnx']).toBeGreaterThan(1_000_000);

  await model.getByRole('button', { name: 'Use' }).click();
  const status = page.getByRole('status', { name: 'Engine status' });
  await expect(status).toContainText('test/sd15-fp16-like', { timeout: 60_000 });
  await expect(status).toHaveAttribute('data-phase', 'ready');
  await generateOne(page);

  // The stored model, not the network: reload offline and it is brought back and runs.
  await page.evaluate(async () => navigator.serviceWorker.ready);
  await context.setOffline(true);
  try {
    await page.reload();
    await expect(status).toHaveAttribute('data-phase', 'ready', { timeout: 120_000 });
    await expect(status).toContainText('test/sd15-fp16-like');
    await generateOne(page);
  } finally {
    await context.setOffline(false);
  }
  expect(errors).toEqual([]);
});

test('shows bytes, speed and ETA, pauses, and resumes after a reload with Range: bytes=N-', async ({ page }) => {
  await openWithTestCatalog(page);
  host.server.setThrottle(250_000);
  const model = card(page, 'Test SD-Turbo-like');
  await model.getByRole('button', { name: 'Download' }).click();
  const text = model.getByTestId('download-text');
  await expect(text).toContainText(/of \d/);
  await expect(text).toContainText(/\/s/, { timeout: 30_000 });
  await expect(text).toContainText(/left/);
  await model.getByRole('button', { name: 'Pause' }).click();
  await expect(model.getByRole('button', { name: 'Resume download' })).toBeVisible();

  // Resume, let some bytes of the big file arrive, then reload mid-file.
  await model.getByRole('button', { name: 'Resume download' }).click();
  await expect
    .poll(async () => (await opfsFiles(page, namespaced('test/sd-turbo-like')))['text_encoder/model.onnx'] ?? 0, {
      timeout: 30_000,
    })
    .toBeGreaterThan(200_000);
  await page.reload();
  await expect(model).toHaveAttribute('data-state', 'partial', { timeout: 30_000 });
  const partial = (await opfsFiles(page, namespaced('test/sd-turbo-like')))['text_encoder/model.onnx'] ?? 0;
  expect(partial).toBeGreaterThan(0);
  host.server.setThrottle(0);
  host.server.log.length = 0;
  await model.getByRole('button', { name: 'Resume download' }).click();
  await expect(model).toHaveAttribute('data-state', 'stored', { timeout: 60_000 });
  const resumed = host.server.log.find((r) => r.path === '/sd-turbo-like/text_encoder/model.onnx');
  expect(resumed?.range).toMatch(/^bytes=\d+-$/);
  expect(Number(/=(\d+)-/.exec(resumed?.range ?? '')?.[1])).toBeGreaterThanOrEqual(partial - 8 * 1024 * 1024);
  expect(resumed?.status).toBe(206);
  // Files finished before the reload were not fetched again.
  expect(host.server.log.some((r) => r.path === '/sd-turbo-like/model_index.json')).toBe(false);
});

test('a stored file that fails to load is detected, downloaded again, and the model loads', async ({ page }) => {
  await openWithTestCatalog(page);
  const model = card(page, 'Test SD 1.5-like (fp32, external data)');
  await model.getByRole('button', { name: 'Download' }).click();
  await expect(model).toHaveAttribute('data-state', 'stored', { timeout: 60_000 });
  // Damage the stored VAE decoder on "disk" (what a failing drive or a buggy writer would do).
  await page.evaluate(async (id) => {
    const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('latent-studio-models');
    const dir = await (await root.getDirectoryHandle(encodeURIComponent(id))).getDirectoryHandle('vae_decoder');
    const handle = await dir.getFileHandle('model.onnx');
    const size = (await handle.getFile()).size;
    const writable = await handle.createWritable();
    await writable.write(new Uint8Array(size).fill(7));
    await writable.close();
  }, namespaced('test/sd15-like'));
  host.server.log.length = 0;
  await model.getByRole('button', { name: 'Use' }).click();
  await expect(page.getByTestId('notice')).toContainText(/damaged.*downloading it again/, { timeout: 60_000 });
  const status = page.getByRole('status', { name: 'Engine status' });
  await expect(status).toContainText('test/sd15-like', { timeout: 60_000 });
  await expect(status).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
  expect(host.server.log.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual([
    '/sd15-like/vae_decoder/model.onnx',
  ]);
  await generateOne(page);
});

test('quota exceeded: a clear message, the partial file removed, the stored files kept', async ({ page }) => {
  await openWithTestCatalog(page, '&storageQuota=600000');
  const model = card(page, 'Test SD 1.5-like (fp32, external data)');
  await model.getByRole('button', { name: 'Download' }).click();
  const alert = model.getByRole('alert');
  await expect(alert).toContainText(/quota exceeded/i, { timeout: 60_000 });
  await expect(alert).toContainText('text_encoder/model.onnx');
  await expect(model).toHaveAttribute('data-state', 'error');
  const files = await opfsFiles(page, namespaced('test/sd15-like'));
  expect(files['text_encoder/model.onnx']).toBeUndefined();
  expect(files['model_index.json']).toBeGreaterThan(0);
  expect(files['scheduler/scheduler_config.json']).toBeGreaterThan(0);
  // The studio keeps working with what it has.
  await expect(page.getByRole('status', { name: 'Engine status' })).toHaveAttribute('data-phase', 'ready');
});

test('a missing file on the server is reported by name', async ({ page }) => {
  await openWithTestCatalog(page);
  host.server.fault('/sd15-like/unet/model.onnx_data', { kind: 'status', status: 404, times: 100 });
  const model = card(page, 'Test SD 1.5-like (fp32, external data)');
  await model.getByRole('button', { name: 'Download' }).click();
  await expect(model.getByRole('alert')).toContainText('unet/model.onnx_data was not found', { timeout: 60_000 });
  await expect(model.getByRole('button', { name: 'Resume download' })).toBeVisible();
});

test('a custom model folder is inspected, downloaded, listed after a reload, and deleted', async ({ page }) => {
  await openWithTestCatalog(page);
  const custom = page.getByRole('form', { name: 'Custom model' });
  await custom.getByRole('textbox').fill(`${host.server.url}sd15-fp16-like`);
  await custom.getByRole('button', { name: 'Inspect' }).click();
  await expect(custom).toContainText(/files, \d/);
  // Inspection reads sizes only: no model weights were fetched.
  expect(host.server.log.some((r) => r.method === 'GET' && r.path.endsWith('.onnx'))).toBe(false);
  const id = `127.0.0.1:${host.server.port}/sd15-fp16-like`;
  await custom.getByRole('button', { name: `Download ${id}` }).click();
  const model = card(page, id);
  await expect(model).toHaveAttribute('data-state', 'stored', { timeout: 60_000 });

  await page.reload();
  await expect(model).toHaveAttribute('data-state', 'stored', { timeout: 30_000 });
  expect(Object.keys(await opfsFiles(page, id)).length).toBeGreaterThan(5);
  await model.getByRole('button', { name: 'Delete' }).click();
  await expect(model).toHaveCount(0);
  expect(await opfsFiles(page, id)).toEqual({});
});
