/**
 * vite-plugin-pwa options (used by vite.config.ts): the web app manifest and the injectManifest
 * build of src/pwa/sw.ts. Kept here, next to the service worker, so the precache list and the
 * worker that serves it are read together.
 */
import type { VitePWAOptions } from 'vite-plugin-pwa';

export const pwaOptions: Partial<VitePWAOptions> = {
  strategies: 'injectManifest',
  srcDir: 'src/pwa',
  filename: 'sw.ts',
  // Never swap code under a running job: the page asks first (src/pwa/register.ts).
  registerType: 'prompt',
  // Registration happens in the composition root (src/app/main.tsx), not an injected script.
  injectRegister: false,
  includeAssets: ['icons/apple-touch-icon.png'],
  manifest: {
    name: 'Latent Studio',
    short_name: 'Latent Studio',
    description: 'Text-to-image diffusion that runs in your browser on WebGPU, offline once loaded.',
    id: './',
    start_url: './',
    scope: './',
    display: 'standalone',
    orientation: 'any',
    background_color: '#14161c',
    theme_color: '#14161c',
    categories: ['graphics', 'productivity'],
    icons: [
      { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: 'icons/maskable-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
      { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  },
  injectManifest: {
    // The app shell, ORT's wasm + its .mjs loader, icons, and the embedded model's folder
    // (emitted into the build by scripts/vite-models-plugin.ts). Downloaded models live in OPFS.
    globPatterns: [
      '**/*.{js,mjs,css,html,wasm}',
      'models/catalog.json',
      'models/tiny-shapes/**/*',
      'models/tiny-shapes-turbo/**/*',
      'models/tiny-shapes-sr/**/*',
    ],
    // Both ORT builds are precached (WASM: ort-wasm-simd-threaded.wasm ~14 MB; WebGPU: the
    // .asyncify.wasm ~27 MB), so either backend works offline; Workbox's default limit is 2 MiB.
    maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
    rollupFormat: 'iife',
  },
  devOptions: { enabled: false },
};
