/**
 * A catalog upscaler (issue #16: "Real-ESRGAN general x4v3 as a catalog download") in Chromium,
 * WASM: the `?catalog=` test catalog lists the random-weight x4v3 replica (tools/replica/make_srvgg.py,
 * the real architecture and size) on a loopback host; the person downloads it under Models →
 * Upscalers, picks it in the image dialog, and gets a ×4 gallery image whose infotext names it.
 * The replica has the interface of the file the shipped entry names (fixed 128×128 input, no
 * config.json), so the 64×64 pictures are padded to the graph's shape and cropped back.
 * After a reload it is still stored and still offered; deleting it withdraws it again.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { readWithC2paRs } from '../support/c2pa-rs-reader.ts';
import { ensureSrvggReplica } from '../support/sr-replica.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { distinctColours, galleryPixels } from './studio.ts';
import { figures, fillForm, generateAndWait, waitIdle, waitSaved } from './studio-helpers.ts';

let root = '';
let server: TestServer | null = null;
const NAME = 'R-ESRGAN General 4xV3 (replica)';

test.beforeAll(() => {
  // As the shipped catalog entry downloads it: Qualcomm's fixed 128×128 export, no config.json
  // (the factor comes from the catalog).
  const replica = ensureSrvggReplica({ fixed: 128 });
  root = mkdtempSync(join(tmpdir(), 'ls-e2e-upscaler-'));
  cpSync(join(replica.dir, 'upscaler'), join(root, 'esrgan', 'upscaler'), { recursive: true });
  const file = (path: string) => {
    const bytes = readFileSync(join(root, 'esrgan', path));
    return { path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  };
  const catalog = {
    version: 1,
    models: [],
    upscalers: [
      {
        id: 'realesr-general-x4v3-replica',
        name: NAME,
        description: 'Random weights, the architecture of realesr-general-x4v3.',
        kind: 'remote',
        baseUrl: 'esrgan/',
        scale: 4,
        license: 'BSD-3-Clause',
        files: [file('upscaler/model.onnx')],
      },
    ],
  };
  writeFileSync(join(root, 'catalog.json'), JSON.stringify(catalog));
});
test.beforeEach(async () => {
  server = await startTestServer({ root });
});
test.afterEach(async () => {
  await server?.close();
});
test.afterAll(() => rmSync(root, { recursive: true, force: true }));

async function open(page: Page, backend: 'wasm' | 'webgpu' = 'wasm') {
  const url = `${server?.url ?? ''}catalog.json`;
  await page.goto(`/?backend=${backend}&catalog=${encodeURIComponent(url)}`);
  await expect(page.getByRole('status', { name: 'Engine status' })).toHaveAttribute('data-phase', 'ready', {
    timeout: 120_000,
  });
}

const upscalerCard = (page: Page) =>
  page
    .getByRole('region', { name: 'Upscalers' })
    .getByRole('article', { name: `${NAME} · from 127.0.0.1:${server?.port ?? 0}` });

test('downloads Real-ESRGAN from the catalog, upscales ×4 with it, and keeps it across a reload', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await open(page);
  await fillForm(page, { prompt: 'a big blue square', seed: '11', steps: 2 });
  await generateAndWait(page);
  await waitSaved(page);

  // Not downloaded yet: listed in the dialog, but not offered.
  await page.getByRole('button', { name: 'Open image, seed 11' }).click();
  let dialog = page.getByRole('dialog', { name: 'Image details' });
  const option = dialog.getByLabel('Upscaler').locator('option', { hasText: NAME });
  await expect(option).toHaveText(/not downloaded/);
  await expect(option).toBeDisabled();
  await dialog.getByRole('button', { name: 'Close' }).click();

  const card = upscalerCard(page);
  await expect(card).toHaveAttribute('data-state', 'remote');
  await expect(card).toContainText('licence: BSD-3-Clause');
  await card.getByRole('button', { name: 'Download' }).click();
  await expect(card).toHaveAttribute('data-state', 'stored', { timeout: 60_000 });
  await expect(card).toContainText('offered by Upscale and Hires. fix');

  await page.getByRole('button', { name: 'Open image, seed 11' }).click();
  dialog = page.getByRole('dialog', { name: 'Image details' });
  await dialog.getByLabel('Upscaler').selectOption({ label: `${NAME} · from 127.0.0.1:${server?.port ?? 0}` });
  await dialog.getByRole('button', { name: 'Upscale ×4' }).click();
  await expect(figures(page)).toHaveCount(2, { timeout: 120_000 });
  await waitIdle(page);
  const newest = figures(page).first();
  await expect(newest).toContainText('256×256');
  await expect(newest).toContainText(`upscaled ×4 (${NAME}`);
  const pixels = await galleryPixels(page);
  expect(pixels?.width).toBe(256);
  // The replica adds texture on top of the upscaled picture: far more colours than the source's.
  expect(distinctColours(pixels?.data ?? [])).toBeGreaterThan(100);
  await waitSaved(page);
  await newest.getByRole('button').click();
  await expect(page.getByRole('dialog', { name: 'Image details' }).getByTestId('infotext')).toContainText(
    // the name says where the upscaler came from; A1111 quotes a value with ":" in it
    `Postprocess upscale by: 4, Postprocess upscaler: "${NAME} · from 127.0.0.1:${server?.port ?? 0}"`,
  );
  // Its C2PA manifest (checked by c2pa-rs, not the app's reader) continues the source's: the
  // gallery image it came from is its parentOf ingredient, then opened and resized.
  const downloading = page.waitForEvent('download');
  await page.getByRole('dialog', { name: 'Image details' }).getByRole('button', { name: 'Download PNG' }).click();
  const report = await readWithC2paRs(new Uint8Array(readFileSync((await (await downloading).path()) ?? '')));
  expect(report.validation_state).toBe('Valid');
  expect(new Set((report.validation_status ?? []).map((e) => e.code))).toEqual(
    new Set(['signingCredential.untrusted']),
  );
  const actionsIn = (label: string | undefined) =>
    report.manifests[label ?? '']?.assertions.find((a) => a.label.startsWith('c2pa.actions'))?.data.actions;
  const actions = actionsIn(report.active_manifest);
  expect(actions?.map((a) => a['action'])).toEqual(['c2pa.opened', 'c2pa.resized']);
  expect(actions?.[1]).toMatchObject({ parameters: { scale: 4, upscaler: expect.stringContaining(NAME) } });
  const [ingredient] =
    (report.manifests[report.active_manifest ?? ''] as { ingredients?: Record<string, string>[] }).ingredients ?? [];
  expect(ingredient).toMatchObject({ title: 'gallery image 11', relationship: 'parentOf', format: 'image/png' });
  expect(ingredient?.['active_manifest']).not.toBe(report.active_manifest);
  expect(actionsIn(ingredient?.['active_manifest'])?.[0]).toMatchObject({
    action: 'c2pa.created',
    parameters: { model: 'tiny-shapes' },
  });
  await page.getByRole('dialog', { name: 'Image details' }).getByRole('button', { name: 'Close' }).click();

  // A reload keeps it (OPFS), offered in the Hires. fix menu too.
  await page.reload();
  await expect(page.getByRole('status', { name: 'Engine status' })).toHaveAttribute('data-phase', 'ready', {
    timeout: 120_000,
  });
  await expect(upscalerCard(page)).toHaveAttribute('data-state', 'stored');
  await page.getByRole('checkbox', { name: 'Hires. fix' }).check();
  const hires = page.getByLabel('Hires upscaler', { exact: true });
  await hires.selectOption({ label: `${NAME} · from 127.0.0.1:${server?.port ?? 0}` });
  await page.getByLabel('Hires steps value', { exact: true }).fill('1');
  await fillForm(page, { prompt: 'a small red ring', seed: '12', steps: 1 });
  await generateAndWait(page);
  await expect(figures(page).first()).toContainText('128×128');
  await waitSaved(page);
  await page.getByRole('button', { name: 'Open image, seed 12' }).click();
  // A1111 writes the upscaler's name; a `?catalog=` one is recorded by its namespaced id
  await expect(page.getByRole('dialog', { name: 'Image details' }).getByTestId('infotext')).toContainText(
    `Hires upscaler: "127.0.0.1:${server?.port ?? 0}/realesr-general-x4v3-replica"`,
  );
  await page.getByRole('dialog', { name: 'Image details' }).getByRole('button', { name: 'Close' }).click();

  // Deleting it withdraws it: Hires. fix falls back to Latent and says why.
  await upscalerCard(page).getByRole('button', { name: 'Delete' }).click();
  await expect(upscalerCard(page)).toHaveAttribute('data-state', 'remote');
  await expect(hires).toHaveValue('latent');
  await expect(page.getByTestId('notice')).toContainText('its upscaler was deleted');
  expect(errors).toEqual([]);
});

test('the downloaded Real-ESRGAN upscales on WebGPU too', async ({ page }) => {
  await open(page, 'webgpu');
  await fillForm(page, { prompt: 'a big green square', seed: '4', steps: 1 });
  await generateAndWait(page);
  const card = upscalerCard(page);
  await card.getByRole('button', { name: 'Download' }).click();
  await expect(card).toHaveAttribute('data-state', 'stored', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Open image, seed 4' }).click();
  const dialog = page.getByRole('dialog', { name: 'Image details' });
  await dialog.getByLabel('Upscaler').selectOption({ label: `${NAME} · from 127.0.0.1:${server?.port ?? 0}` });
  await dialog.getByRole('button', { name: 'Upscale ×4' }).click();
  await expect(figures(page)).toHaveCount(2, { timeout: 150_000 });
  await expect(figures(page).first()).toContainText('256×256');
  await expect(page.locator('.notice-error')).toHaveCount(0);
  expect(distinctColours((await galleryPixels(page))?.data ?? [])).toBeGreaterThan(100);
});
