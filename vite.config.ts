import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { modelsPlugin } from './scripts/vite-models-plugin.ts';
import { pwaOptions } from './src/pwa/pwa-options.ts';
import { headersFile, ISOLATION_HEADERS, securityHeaders } from './src/pwa/security-headers.ts';

/**
 * COOP/COEP make the page crossOriginIsolated, which multi-threaded WASM needs; both servers send
 * them. `vite preview` (the README's start command) also sends the security headers, CSP included
 * (src/pwa/security-headers.ts). The dev server does not send the CSP: React's hot reload injects
 * an inline script.
 *
 * LS_CSP_EXTRA_CONNECT (space-separated sources) widens connect-src on the preview server only;
 * the e2e tests set it for their loopback model server (playwright.config.ts).
 */
const extraConnect = (process.env.LS_CSP_EXTRA_CONNECT ?? '').split(/\s+/).filter(Boolean);

/** Writes `_headers` (static hosts) into the build, from the same source as the servers' headers. */
const headersFilePlugin: Plugin = {
  name: 'latent-studio-headers-file',
  apply: 'build',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: '_headers', source: headersFile() });
  },
};

const port = Number(process.env.PORT ?? 5173);

export default defineConfig({
  plugins: [react(), modelsPlugin(), VitePWA(pwaOptions), headersFilePlugin],
  server: { port, headers: { ...ISOLATION_HEADERS } },
  preview: { port, headers: securityHeaders(extraConnect) },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  // C2PA (src/provenance → @trustnxt/c2pa-ts → cbor-x): cbor-x probes `new Function('')` at load,
  // which the app's CSP (no 'unsafe-eval') reports as a violation; its no-eval build never does.
  resolve: { alias: [{ find: /^cbor-x$/, replacement: 'cbor-x/index-no-eval' }] },
});
