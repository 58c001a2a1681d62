/**
 * Fault catalogue, headers (issue 10 item 6): the production build is served with a strict CSP,
 * nosniff and Referrer-Policy; `_headers` carries the same for static hosts; and the studio
 * generates on WASM and on WebGPU with no CSP violation in the page or its workers.
 */
import { expect, test, type Page } from '@playwright/test';
import { generateAndWait, waitIdle } from './studio-helpers.ts';
import { openStudio, setSlider } from './studio.ts';

/** Collects CSP violations: the page's securitypolicyviolation events and every console report. */
async function watchCsp(page: Page) {
  const violations: string[] = [];
  await page.exposeFunction('__cspViolation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __cspViolation: (t: string) => void }).__cspViolation(
        `${e.violatedDirective} ${e.blockedURI}`,
      );
    });
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|connect|execute|compile|create)/i.test(m.text()))
      violations.push(m.text());
  });
  return violations;
}

test('the preview server, the service worker build and _headers send the security headers', async ({
  page,
  request,
}) => {
  const response = await request.get('/');
  const csp = response.headers()['content-security-policy'] ?? '';
  for (const directive of [
    "script-src 'self' 'wasm-unsafe-eval'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "worker-src 'self'",
    "img-src 'self' blob: data:",
  ]) {
    expect(csp).toContain(directive);
  }
  expect(csp).toMatch(
    /connect-src 'self' https:\/\/huggingface\.co https:\/\/\*\.huggingface\.co https:\/\/\*\.hf\.co/,
  );
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toMatch(/'unsafe-eval'/);
  expect(response.headers()['x-content-type-options']).toBe('nosniff');
  expect(response.headers()['referrer-policy']).toBe('no-referrer');
  // The static-host file and the service worker carry the production policy, not the tests'.
  const headersFile = await (await request.get('/_headers')).text();
  expect(headersFile).toContain(`Content-Security-Policy: ${csp.replace(/ http:\/\/127\.0\.0\.1:\*/, '')}`);
  expect(headersFile).toContain('X-Content-Type-Options: nosniff');
  expect(headersFile).not.toContain('127.0.0.1');
  expect(await (await request.get('/sw.js')).text()).not.toContain('127.0.0.1');
  // No inline script in the shell.
  await page.goto('/');
  expect(await page.locator('script:not([src])').count()).toBe(0);
});

for (const backend of ['wasm', 'webgpu'] as const) {
  test(`generates on ${backend} with no CSP violation`, async ({ page }) => {
    const violations = await watchCsp(page);
    const { errors } = await openStudio(page, backend);
    await page.getByLabel('Prompt', { exact: true }).fill('a red star');
    await setSlider(page, 'Steps', backend === 'webgpu' ? 1 : 4);
    await generateAndWait(page);
    await waitIdle(page);
    // Reloaded under the service worker (precached responses, headers added by sw.ts).
    await page.evaluate(async () => navigator.serviceWorker.ready);
    await page.reload();
    await expect(page.getByRole('status', { name: 'Engine status' })).toHaveAttribute('data-phase', 'ready', {
      timeout: 120_000,
    });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  });
}
