/**
 * Fault catalogue, catalog trust (issue 10 item 3): hostile `?catalog=` catalogs served by the
 * loopback test server, against the real app on WASM.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let root: string;
let server: TestServer;

/** Every file of the embedded model, as a catalog `files` list. */
function filesOf(dir: string): { path: string; size: number }[] {
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  return walk(dir)
    .filter(
      (p) => /\.(onnx|json|txt)$/.test(p) && !p.endsWith('eval_prompts.json') && !p.endsWith('training_meta.json'),
    )
    .map((p) => ({ path: relative(dir, p), size: statSync(p).size }));
}

test.beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ls-hostile-'));
  cpSync('models/tiny-shapes', join(root, 'copy'), { recursive: true });
  const files = filesOf(join(root, 'copy'));
  const write = (name: string, models: unknown[]) => writeFileSync(join(root, name), JSON.stringify({ models }));
  // Redefines the embedded model as served "with the app" from another origin.
  write('app.json', [{ id: 'tiny-shapes', kind: 'app', name: 'Tiny Shapes (embedded)', baseUrl: 'copy/' }]);
  // Redefines it as a downloadable model with the same id and name.
  write('shadow.json', [
    { id: 'tiny-shapes', kind: 'remote', name: 'Tiny Shapes (embedded)', baseUrl: 'copy/', files },
  ]);
});
test.beforeEach(async () => {
  server = await startTestServer({ root });
});
test.afterEach(async () => {
  await server.close();
});
test.afterAll(() => rmSync(root, { recursive: true, force: true }));

async function open(page: Page, catalogUrl: string) {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`/?backend=wasm&catalog=${encodeURIComponent(catalogUrl)}`);
  const status = page.getByRole('status', { name: 'Engine status' });
  await expect(status).toHaveAttribute('data-phase', 'ready', { timeout: 120_000 });
  return { errors, status };
}

const models = (page: Page) => page.getByRole('region', { name: 'Models' });

test('a catalog that declares the embedded model as kind "app" is refused and loads nothing', async ({ page }) => {
  const { errors, status } = await open(page, `${server.url}app.json`);
  await expect(models(page)).toContainText('declares kind "app"');
  await expect(status).toContainText('tiny-shapes');
  // Nothing but the catalog itself was fetched from the other origin.
  expect(server.log.map((r) => r.path)).toEqual(['/app.json']);
  expect(await models(page).getByRole('article').count()).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});

test('a catalog entry with a built-in id is namespaced with its origin, shown as such, and runs under that name', async ({
  page,
}) => {
  const { errors, status } = await open(page, `${server.url}shadow.json`);
  const host = `127.0.0.1:${server.port}`;
  const foreign = models(page).getByRole('article', { name: `Tiny Shapes (embedded) · from ${host}` });
  await expect(foreign).toBeVisible();
  // The built-in card is still the built-in one.
  await expect(models(page).getByRole('article', { name: 'Tiny Shapes (embedded)', exact: true })).toBeVisible();
  await foreign.getByRole('button', { name: 'Download' }).click();
  await expect(foreign).toHaveAttribute('data-state', 'stored', { timeout: 60_000 });
  await foreign.getByRole('button', { name: 'Use' }).click();
  await expect(status).toContainText(`${host}/tiny-shapes`, { timeout: 60_000 });
  await expect(status).toHaveAttribute('data-phase', 'ready');
  await page.getByLabel('Steps value', { exact: true }).fill('2');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  const figure = page.getByRole('region', { name: 'Gallery' }).locator('figure').first();
  await expect(figure).toBeVisible({ timeout: 60_000 });
  // The parameters every saved PNG carries say where the model came from.
  await figure.getByRole('button', { name: /Open image/ }).click();
  await expect(page.getByTestId('infotext')).toContainText(`Model: "${host}/tiny-shapes"`);
  expect(errors).toEqual([]);
});

test('a catalog on an origin the CSP does not allow is not fetched, and the studio says so', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  // localhost:<port> is the same server under another origin, which connect-src does not list.
  const { errors, status } = await open(page, `http://localhost:${server.port}/shadow.json`);
  await expect(models(page)).toContainText(
    `Could not read the model catalog (Could not reach localhost:${server.port}`,
  );
  await expect(models(page)).toContainText(`security policy does not list localhost:${server.port}`);
  await expect(status).toContainText('tiny-shapes');
  expect(server.log).toEqual([]);
  expect(violations.join('\n')).toMatch(/connect-src/);
  expect(errors).toEqual([]);
});
