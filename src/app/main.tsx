/**
 * Composition root: the only place that creates the engine Worker (and, later, registers the
 * service worker). Loads the embedded model from the app's own origin.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { BackendChoice } from '../protocol/messages.ts';
import { registerServiceWorker } from '../pwa/register.ts';
import { connectEngine, loadModel } from '../state/engine-bridge.ts';
import { startGallery } from '../state/gallery.ts';
import { startLive } from '../state/live.ts';
import { initModelManager, lastStoredModelChoice } from '../state/models.ts';
import { persistForm, restoreForm } from '../state/persist-form.ts';
import { setOfflineReady, setUpdateReady } from '../state/pwa.ts';
import { studio } from '../state/store.ts';
import { App } from './App.tsx';
import '../ui/styles.css';

const worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
connectEngine(worker);
// The form and settings of the last visit, the saved gallery, and Live mode (src/state).
restoreForm();
persistForm();
void startGallery();
startLive();

// `?backend=wasm|webgpu` forces a backend (used by the e2e tests and for troubleshooting).
const requested = new URLSearchParams(location.search).get('backend');
const backend: BackendChoice =
  requested === 'wasm' || requested === 'webgpu' ? requested : studio.getState().settings.backend;
const embedded = { id: 'tiny-shapes', baseUrl: new URL('models/tiny-shapes/', document.baseURI).href };
// The model manager (src/state/models.ts; downloads run in their own worker, into OPFS) brings
// back the last stored model used; without one, the embedded model loads at once.
const restoring = lastStoredModelChoice(embedded.id) !== null;
if (!restoring) loadModel(embedded, backend);
const downloads = new Worker(new URL('../storage/model-download.worker.ts', import.meta.url), {
  type: 'module',
  name: 'downloads',
});
const quota = Number(new URLSearchParams(location.search).get('storageQuota'));
initModelManager({
  port: downloads,
  catalogUrl: new URL('models/catalog.json', document.baseURI).href,
  // `?catalog=<url>` adds models from another catalog (a mirror; the e2e tests' loopback server).
  extraCatalogUrl: new URLSearchParams(location.search).get('catalog'),
  // `?storageQuota=<bytes>`: the storage seam that simulates a full disk (e2e tests, troubleshooting).
  quotaBytes: Number.isFinite(quota) && quota > 0 ? quota : null,
  defaultModelId: embedded.id,
  backend,
  onNoStoredModel: () => {
    if (restoring) loadModel(embedded, backend);
  },
}).catch((error: unknown) => {
  console.warn('model manager unavailable', error);
  if (restoring) loadModel(embedded, backend);
});

// The production build (`npm start`) registers the service worker: offline use, COOP/COEP from
// the precache, and an "Update available" prompt. The dev server skips it.
if (import.meta.env.PROD) {
  registerServiceWorker(`${import.meta.env.BASE_URL}sw.js`, {
    onOfflineReady: setOfflineReady,
    onUpdateReady: setUpdateReady,
  });
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
