/**
 * The studio as an installable, offline PWA, on the production build with its service worker:
 * the manifest and icons are valid and the worker activates; after one visit the studio opens
 * and generates with the network off, still crossOriginIsolated (COOP/COEP added by the service
 * worker); and a new deployment shows "Update available" instead of swapping code silently.
 */
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { startTestServer } from '../support/test-server.ts';
import { distinctColours, galleryPixels, setSlider } from './studio.ts';

// The build the e2e web server serves (playwright.config.ts builds each run into its own folder).
const dist = fileURLToPath(new URL(`../../${process.env.E2E_DIST ?? 'dist'}`, import.meta.url));

async function waitForServiceWorker(page: Page) {
  return page.evaluate(async () => {
    // The worker activates on the first visit and serves the next navigation (no claim).
    const registration = await navigator.serviceWorker.ready;
    const active = registration.active;
    if (active && active.state !== 'activated') {
      await new Promise<void>((resolve) =>
        active.addEventListener('statechange', () => active.state === 'activated' && resolve()),
      );
    }
    return { state: active?.state ?? null, script: active?.scriptURL ?? null };
  });
}

const ready = (page: Page) =>
  expect(page.getByRole('status', { name: 'Engine status' })).toHaveAttribute('data-phase', 'ready', {
    timeout: 120_000,
  });

test('the manifest is installable and the service worker activates', async ({ page, request }) => {
  await page.goto('/?backend=wasm');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).toBeTruthy();
  const response = await request.get(href as string);
  expect(response.ok()).toBe(true);
  const manifest = (await response.json()) as {
    name: string;
    short_name: string;
    display: string;
    start_url: string;
    theme_color: string;
    icons: { src: string; sizes: string; type: string; purpose?: string }[];
  };
  expect(manifest.name).toBe('Latent Studio');
  expect(manifest.short_name.length).toBeGreaterThan(0);
  expect(manifest.display).toBe('standalone');
  expect(manifest.start_url).toBeTruthy();
  expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
  // Chromium's installability criteria: a 192px and a 512px PNG; plus a maskable one.
  for (const size of ['192x192', '512x512']) {
    expect(manifest.icons.some((i) => i.sizes === size && i.type === 'image/png' && i.purpose !== 'maskable')).toBe(
      true,
    );
  }
  const maskable = manifest.icons.filter((i) => i.purpose === 'maskable');
  expect(maskable.length).toBeGreaterThan(0);
  for (const icon of manifest.icons) {
    const png = await request.get(new URL(icon.src, new URL(href as string, page.url())).href);
    expect(png.ok()).toBe(true);
    const bytes = await png.body();
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    const [w, h] = icon.sizes.split('x').map(Number);
    expect(bytes.readUInt32BE(16)).toBe(w);
    expect(bytes.readUInt32BE(20)).toBe(h);
  }
  const sw = await waitForServiceWorker(page);
  expect(sw.state).toBe('activated');
  expect(sw.script).toMatch(/\/sw\.js$/);
  await ready(page);
});

test('after one visit, the studio reloads and generates offline, still cross-origin isolated', async ({
  page,
  context,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?backend=wasm');
  await waitForServiceWorker(page);
  await ready(page);

  await context.setOffline(true);
  try {
    await page.reload();
    await ready(page);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    // COOP/COEP came from the service worker: the network is off.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await expect(page.getByRole('status', { name: 'Engine status' })).not.toContainText('not cross-origin isolated');

    await page.getByLabel('Prompt', { exact: true }).fill('a small green square');
    await setSlider(page, 'Steps', 3);
    await page.getByRole('button', { name: 'Generate' }).click();
    const gallery = page.getByRole('region', { name: 'Gallery' });
    await expect(gallery.locator('figure')).toHaveCount(1, { timeout: 120_000 });
    const pixels = await galleryPixels(page);
    expect(distinctColours(pixels?.data ?? [])).toBeGreaterThan(1);
  } finally {
    await context.setOffline(false);
  }
  expect(errors).toEqual([]);
});

test('a new deployment shows "Update available" and reloads into it only when asked', async ({ page }) => {
  // Our own static host, so the test can "deploy" a new service worker under a running page.
  const server = await startTestServer({ root: dist, isolation: true, cors: false });
  try {
    await page.goto(`${server.url}?backend=wasm`);
    await waitForServiceWorker(page);
    // The next visit is controlled by the installed version (an uncontrolled page has nothing
    // to protect: a new worker would simply activate).
    await page.reload();
    await ready(page);
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await expect(page.getByRole('status', { name: 'Update available' })).toHaveCount(0);

    // Deploy: a byte-different sw.js is a new version to the browser (as a new build's
    // precache manifest would be).
    server.setTransform((path, bytes) =>
      path === '/sw.js' ? Buffer.concat([bytes, Buffer.from('\n// build 2\n')]) : bytes,
    );
    await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      await registration.update();
    });
    const prompt = page.getByRole('status', { name: 'Update available' });
    await expect(prompt).toBeVisible({ timeout: 60_000 });
    // Nothing was swapped yet: the old worker still controls the page, the new one waits.
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting !== null)).toBe(
      true,
    );
    await page.evaluate(() => {
      (window as unknown as { beforeUpdate: boolean }).beforeUpdate = true;
    });

    await Promise.all([page.waitForEvent('load'), prompt.getByRole('button', { name: 'Reload to update' }).click()]);
    await ready(page);
    expect(await page.evaluate(() => (window as unknown as { beforeUpdate?: boolean }).beforeUpdate ?? false)).toBe(
      false,
    );
    const after = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      return { waiting: registration?.waiting ?? null, active: registration?.active?.state ?? null };
    });
    expect(after.waiting).toBeNull();
    expect(after.active).toBe('activated');
    await expect(page.getByRole('status', { name: 'Update available' })).toHaveCount(0);
  } finally {
    await server.close();
  }
});
