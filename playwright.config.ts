import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './tests/support/chromium.ts';

/**
 * End-to-end tests drive the production build (what `npm start` serves) in Debian's Chromium.
 * SwiftShader gives WebGPU on the CPU here: real but slow, so WebGPU runs use 1–2 steps.
 */
// Each run builds into its own folder on its own port, so runs never serve a half-written build.
// Set once in the runner; the worker processes inherit the environment.
process.env.E2E_PORT ??= String(4300 + (process.pid % 600));
process.env.E2E_DIST ??= `.e2e-dist/${process.pid}`;
const port = Number(process.env.E2E_PORT);
const outDir = process.env.E2E_DIST;

export default defineConfig({
  testDir: 'tests/e2e',
  globalTeardown: './tests/e2e/global-teardown.ts',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: chromiumLaunchOptions,
  },
  webServer: {
    command: `npx vite build --outDir ${outDir} --emptyOutDir --logLevel warn && npx vite preview --outDir ${outDir} --strictPort --port ${port} --host 127.0.0.1`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: false,
    timeout: 180_000,
    // The specs' loopback model servers (tests/support/test-server.ts) listen on 127.0.0.1 at
    // random ports: other origins, so the preview server's connect-src must list them. Only this
    // server gets it; the build's sw.js and _headers keep the production policy.
    env: { LS_CSP_EXTRA_CONNECT: 'http://127.0.0.1:*' },
  },
});
