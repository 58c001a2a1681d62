/**
 * Stable Diffusion's own architectures (random weights, tools/replica, scale 0.25) through the
 * real app: offered by a loopback model host (`?catalog=`), downloaded into OPFS by the model
 * manager, loaded and run at 256×256 with the model's own defaults.
 *   - WASM: SD 1.5 (fp16 IO and timestep, unet/weights.pb), its 9-channel inpainting U-Net, and
 *     SD-Turbo (float32 IO around an fp16 body, int64 timestep): all three fp16 graphs.
 *   - WebGPU (SwiftShader here, no shader-f16): the fp32 SD-Turbo replica (fp16 ones are refused
 *     up front on this adapter, tests/e2e/models-webgpu.spec.ts), one step, no CFG. On a GPU with
 *     shader-f16 the fp16 replica runs the same way.
 * Replicas are built once and cached by content key (tests/support/replicas.ts).
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ensureReplica, replicaCatalogEntry, type ReplicaSpec } from '../support/replicas.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { distinctColours, galleryPixels, setSlider } from './studio.ts';

const REPLICAS: (ReplicaSpec & { id: string })[] = [
  { id: 'replica/sd15', arch: 'sd15' },
  { id: 'replica/sd15-inpaint', arch: 'sd15-inpaint' },
  { id: 'replica/sd-turbo', arch: 'sd-turbo' },
  // SwiftShader runs the scale-0.25 one at 256×256 in over 4 minutes: WebGPU gets scale 0.125 at 128×128.
  { id: 'replica/sd-turbo-fp32', arch: 'sd-turbo', dtype: 'fp32', scale: 0.125, sampleSize: 16 },
];

let root: string;
let server: TestServer;
const names = new Map<string, string>();

test.beforeAll(async () => {
  test.setTimeout(600_000);
  root = mkdtempSync(join(tmpdir(), 'ls-e2e-replicas-'));
  const models = REPLICAS.map((spec) => {
    const { dir, info } = ensureReplica(spec);
    const folder = spec.id.replace('/', '-');
    symlinkSync(dir, join(root, folder));
    const entry = replicaCatalogEntry(info, spec.id, `${folder}/`);
    names.set(spec.id, entry['name'] as string);
    return entry;
  });
  // The full-size SD 1.5 fp16 replica's files (npm run make:replica -- --arch sd15): listed only,
  // never served, since a WASM studio must refuse it before downloading a byte.
  models.push({
    id: 'replica/sd15-full',
    name: 'SD 1.5 replica (fp16, full size)',
    kind: 'remote',
    baseUrl: 'sd15-full/',
    files: [
      { path: 'model_index.json', size: 520 },
      { path: 'text_encoder/model.onnx', size: 246_263_764 },
      { path: 'unet/model.onnx', size: 1_090_079 },
      { path: 'unet/weights.pb', size: 1_718_976_000 },
      { path: 'vae_decoder/model.onnx', size: 99_062_712 },
    ],
    externalData: [{ graph: 'unet/model.onnx', data: 'unet/weights.pb' }],
    needs: { shaderF16: true, largestWeightBytes: 75_890_688 },
  });
  writeFileSync(join(root, 'catalog.json'), JSON.stringify({ version: 1, models }));
  server = await startTestServer({ root });
});
test.afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

async function useReplica(page: Page, backend: 'wasm' | 'webgpu', id: string) {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (process.env.REPLICA_DEBUG) page.on('console', (m) => console.log(`[page] ${m.text()}`));
  await page.goto(`/?backend=${backend}&catalog=${encodeURIComponent(`${server.url}catalog.json`)}`);
  const status = page.getByRole('status', { name: 'Engine status' });
  await expect(status).toHaveAttribute('data-phase', 'ready', { timeout: 120_000 });
  const model = page.getByRole('region', { name: 'Models' }).getByRole('article', { name: names.get(id) ?? id });
  await model.getByRole('button', { name: 'Download' }).click();
  await expect(model).toHaveAttribute('data-state', 'stored', { timeout: 120_000 });
  await model.getByRole('button', { name: 'Use' }).click();
  await expect(status).toContainText(id, { timeout: 120_000 });
  await expect(status).toHaveAttribute('data-phase', 'ready', { timeout: 120_000 });
  await expect(status).toHaveAttribute('data-backend', backend);
  return errors;
}

async function generate(page: Page, size = 256) {
  await page.getByRole('button', { name: 'Generate' }).click();
  const gallery = page.getByRole('region', { name: 'Gallery' });
  await expect(gallery.locator('figure').first()).toBeVisible({ timeout: 240_000 });
  const pixels = await galleryPixels(page);
  expect([pixels?.width, pixels?.height]).toEqual([size, size]);
  // Random weights draw noise, never one flat colour (a NaN anywhere decodes to one).
  expect(distinctColours(pixels?.data ?? [])).toBeGreaterThan(size * 4);
}

const defaults = async (page: Page) => ({
  steps: await page.getByLabel('Steps value', { exact: true }).inputValue(),
  cfg: await page.getByLabel('CFG scale value', { exact: true }).inputValue(),
  sampler: await page.getByLabel('Sampler', { exact: true }).inputValue(),
  width: await page.getByLabel('Width', { exact: true }).inputValue(),
});

for (const id of ['replica/sd15', 'replica/sd15-inpaint']) {
  test(`WASM: the ${id} replica downloads, loads with SD 1.5's defaults and generates 256×256`, async ({ page }) => {
    test.setTimeout(600_000);
    const errors = await useReplica(page, 'wasm', id);
    expect(await defaults(page)).toEqual({ steps: '25', cfg: '7.5', sampler: 'euler', width: '256' });
    await setSlider(page, 'Steps', id.endsWith('inpaint') ? 1 : 2);
    await generate(page);
    expect(errors).toEqual([]);
  });
}

test('WASM: the SD-Turbo replica (fp32 IO, fp16 body, int64 timestep) runs one step without CFG', async ({ page }) => {
  test.setTimeout(600_000);
  const errors = await useReplica(page, 'wasm', 'replica/sd-turbo');
  expect(await defaults(page)).toEqual({ steps: '1', cfg: '1', sampler: 'euler', width: '256' });
  await generate(page);
  expect(errors).toEqual([]);
});

test('WebGPU: the fp32 SD-Turbo replica runs its one step on the GPU, after the embedded model', async ({ page }) => {
  test.setTimeout(600_000);
  // Switching from the embedded model on WebGPU used to report the released device as lost.
  const errors = await useReplica(page, 'webgpu', 'replica/sd-turbo-fp32');
  expect(await defaults(page)).toEqual({ steps: '1', cfg: '1', sampler: 'euler', width: '128' });
  await generate(page, 128);
  expect(errors).toEqual([]);
});

test('WASM: a model bigger than the 4 GB wasm heap is refused before download, saying what can run it', async ({
  page,
}) => {
  await page.goto(`/?backend=wasm&catalog=${encodeURIComponent(`${server.url}catalog.json`)}`);
  await expect(page.getByRole('status', { name: 'Engine status' })).toHaveAttribute('data-phase', 'ready', {
    timeout: 120_000,
  });
  const model = page
    .getByRole('region', { name: 'Models' })
    .getByRole('article', { name: 'SD 1.5 replica (fp16, full size)' });
  server.log.length = 0;
  await model.getByRole('button', { name: 'Download' }).click();
  const alert = model.getByRole('alert');
  await expect(alert).toContainText("more than WebAssembly's 4.0 GB limit");
  await expect(alert).toContainText(/needs about \d+\.\d GB of memory on the WASM backend/);
  await expect(alert).toContainText('Use WebGPU on a GPU with shader-f16');
  expect(server.log.filter((r) => r.path.startsWith('/sd15-full/'))).toEqual([]);
});
