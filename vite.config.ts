import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { modelsPlugin } from './scripts/vite-models-plugin.ts';
import { pwaOptions } from './src/pwa/pwa-options.ts';

/**
 * COOP/COEP make the page crossOriginIsolated, which multi-threaded WASM needs. Both the dev
 * server and `vite preview` (the README's start command) send them.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const port = Number(process.env.PORT ?? 5173);

export default defineConfig({
  plugins: [react(), modelsPlugin(), VitePWA(pwaOptions)],
  server: { port, headers: isolationHeaders },
  preview: { port, headers: isolationHeaders },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
