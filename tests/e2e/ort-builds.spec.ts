/**
 * Each backend loads its own onnxruntime-web build and only that one (src/runtime/web/ort-build.ts):
 * WASM fetches the plain SIMD-threaded wasm, WebGPU the asyncify one, never both — also with the
 * tokenizer (transformers.js imports the WebGPU build's JavaScript) loaded. Service workers are
 * blocked here so the precache install (which fetches both, for offline use) does not count; the
 * last test checks that the precache lists both.
 */
import { expect, test, type Page } from '@playwright/test';
import { openStudio, setSlider } from './studio.ts';

test.use({ serviceWorkers: 'block' });

function wasmRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const name = new URL(request.url()).pathname.split('/').pop() ?? '';
    if (name.endsWith('.wasm')) seen.push(name);
  });
  return seen;
}

const plain = /^ort-wasm-simd-threaded-[\w-]+\.wasm$/;
const asyncify = /^ort-wasm-simd-threaded\.asyncify-[\w-]+\.wasm$/;

for (const backend of ['wasm', 'webgpu'] as const) {
  test(`${backend} loads only its own ORT build and generates`, async ({ page }) => {
    const seen = wasmRequests(page);
    const { errors } = await openStudio(page, backend);
    const status = page.getByRole('status', { name: 'Engine status' });
    await expect(status).toHaveAttribute('data-backend', backend);
    await page.getByLabel('Prompt', { exact: true }).fill('a small green square');
    await setSlider(page, 'Steps', 1);
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect(page.getByRole('region', { name: 'Gallery' }).locator('figure')).toHaveCount(1, {
      timeout: 150_000,
    });
    const want = backend === 'wasm' ? plain : asyncify;
    const other = backend === 'wasm' ? asyncify : plain;
    expect(seen.filter((name) => want.test(name))).toHaveLength(1);
    expect(seen.filter((name) => other.test(name))).toEqual([]);
    expect(errors).toEqual([]);
  });
}

test('the service worker precaches both builds, so either backend works offline', async ({ request }) => {
  const sw = await (await request.get('/sw.js')).text();
  const names = [...sw.matchAll(/ort-wasm-simd-threaded[\w.-]*\.(?:wasm|mjs)/g)].map((m) => m[0]);
  for (const pattern of [
    plain,
    asyncify,
    /^ort-wasm-simd-threaded-[\w-]+\.mjs$/,
    /^ort-wasm-simd-threaded\.asyncify-[\w-]+\.mjs$/,
  ]) {
    expect(
      names.some((name) => pattern.test(name)),
      String(pattern),
    ).toBe(true);
  }
});
