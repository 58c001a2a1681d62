/**
 * The service worker (built by vite-plugin-pwa's injectManifest strategy, with Workbox).
 *
 * - Precaches the app shell, onnxruntime-web's wasm and the embedded model (models/tiny-shapes),
 *   so after one visit the studio opens and generates with the network off.
 * - Adds COOP/COEP (and CORP) and the security headers (CSP, nosniff, Referrer-Policy) to every
 *   response it serves from the precache, so the page and its module workers stay
 *   crossOriginIsolated (multi-threaded WASM) and under the CSP when served offline or from a
 *   static host that cannot send the headers itself.
 * - Never activates a new version on its own (registerType 'prompt'): the page shows "Update
 *   available" and posts SKIP_WAITING when the person agrees (src/pwa/register.ts).
 * Downloaded models are not cached here: they live in OPFS (src/storage), and cross-origin
 * model fetches pass through untouched.
 */
/// <reference lib="webworker" />
import type { WorkboxPlugin } from 'workbox-core/types';
import { addPlugins, cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { securityHeaders } from './security-headers.ts';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[];
};

const HEADERS = securityHeaders();

/**
 * A copy of `response` with the studio's headers (src/pwa/security-headers.ts) added; opaque
 * responses are left alone. A Content-Security-Policy the server already sent is kept (it is at
 * least as deliberate as ours: the e2e preview server's allows its loopback model server); one
 * is added where the host sent none.
 */
function withIsolationHeaders(response: Response): Response {
  if (response.type === 'opaque' || response.type === 'opaqueredirect') return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(HEADERS)) {
    if (name === 'Content-Security-Policy' && headers.has(name)) continue;
    headers.set(name, value);
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

const isolationPlugin: WorkboxPlugin = {
  handlerWillRespond: async ({ response }) => withIsolationHeaders(response),
};

addPlugins([isolationPlugin]);
cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);

// Every navigation (`/`, `/?backend=wasm`, deep links) gets the precached shell.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));

// The embedded model's optional files (e.g. vae_decoder/latent_rgb.json) are not in the precache
// because they do not exist: the precache is the list of what the app ships. Offline, answer
// those with a 404 rather than a network error, so the loader treats them as absent, exactly
// as it does online.
registerRoute(
  ({ url, request }) =>
    url.origin === self.location.origin && url.pathname.includes('/models/') && request.method === 'GET',
  async ({ request }) => {
    try {
      return withIsolationHeaders(await fetch(request));
    } catch {
      return withIsolationHeaders(new Response('not available offline', { status: 404, statusText: 'Not Found' }));
    }
  },
);

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const data: unknown = event.data;
  if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'SKIP_WAITING') {
    void self.skipWaiting();
  }
});

// No clients.claim(): the page (and its engine worker, mid-way through loading a model) keeps
// talking to the network until the next navigation, which the activated worker then serves.
// Switching controllers under in-flight work buys nothing: offline starts with the next load.
