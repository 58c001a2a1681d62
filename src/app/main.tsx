/**
 * Composition root: the only place that creates Workers (the engine, the downloads) and
 * registers the service worker. It connects the app's one store (src/state/studio.ts) to them,
 * brings back the last visit's form, gallery and model, and mounts React.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { BackendChoice } from '../protocol/messages.ts';
import { registerServiceWorker } from '../pwa/register.ts';
import { startLive } from '../state/live.ts';
import { lastStoredModelChoice } from '../state/models-slice.ts';
import { persistImageInput, restoreImageInput } from '../state/image-slice.ts';
import { persistForm, restoreForm } from '../state/persist-form.ts';
import { openImageInputDb } from '../storage/image-input-db.ts';
import { selectUnloadRisk } from '../state/store.ts';
import { studio } from '../state/studio.ts';
import { App } from './App.tsx';
import '../ui/styles.css';

const query = new URLSearchParams(location.search);
const actions = studio.getState();

// The engine worker, supervised: the store replaces it when it crashes or hangs (engine-bridge.ts).
// `?engineTimeoutMs=<ms>` shortens the hang timeout (e2e tests, troubleshooting).
const hangTimeout = Number(query.get('engineTimeoutMs'));
actions.connectEngine(
  () => new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' }),
  Number.isFinite(hangTimeout) && hangTimeout > 0 ? { hangTimeoutMs: hangTimeout } : {},
);
// The form and settings of the last visit, the saved gallery, and Live mode (src/state).
restoreForm(studio);
persistForm(studio);
// The image panel's settings (localStorage) and its source image and mask (IndexedDB).
void openImageInputDb()
  .catch(() => null)
  .then(async (db) => {
    await restoreImageInput(studio, localStorage, db).catch(() => undefined);
    persistImageInput(studio, localStorage, db);
  });
void actions.startGallery();
startLive(studio);

// Leaving while an image is generated or saved asks first (the save finishes if the person stays).
addEventListener('beforeunload', (event) => {
  if (selectUnloadRisk(studio.getState()) === null) return;
  event.preventDefault();
  event.returnValue = '';
});

// `?backend=wasm|webgpu` forces a backend (used by the e2e tests and for troubleshooting).
const requested = query.get('backend');
const backend: BackendChoice =
  requested === 'wasm' || requested === 'webgpu' ? requested : studio.getState().settings.backend;
const embedded = { id: 'tiny-shapes', baseUrl: new URL('models/tiny-shapes/', document.baseURI).href };
// The model manager (src/state/models-slice.ts; downloads run in their own worker, into OPFS)
// brings back the last stored model used; without one, the embedded model loads at once.
const restoring = lastStoredModelChoice(embedded.id) !== null;
if (!restoring) actions.loadModel(embedded, backend);
const downloads = new Worker(new URL('../storage/model-download.worker.ts', import.meta.url), {
  type: 'module',
  name: 'downloads',
});
const quota = Number(query.get('storageQuota'));
actions
  .initModelManager({
    port: downloads,
    catalogUrl: new URL('models/catalog.json', document.baseURI).href,
    // `?catalog=<url>` adds models from another catalog (a mirror; the e2e tests' loopback server).
    extraCatalogUrl: query.get('catalog'),
    // `?storageQuota=<bytes>`: the storage seam that simulates a full disk (e2e tests, troubleshooting).
    quotaBytes: Number.isFinite(quota) && quota > 0 ? quota : null,
    defaultModelId: embedded.id,
    backend,
    onNoStoredModel: () => {
      if (restoring) actions.loadModel(embedded, backend);
    },
  })
  .catch((error: unknown) => {
    console.warn('model manager unavailable', error);
    if (restoring) actions.loadModel(embedded, backend);
  });

// The production build (`npm start`) registers the service worker: offline use, COOP/COEP from
// the precache, and an "Update available" prompt. The dev server skips it.
if (import.meta.env.PROD) {
  registerServiceWorker(`${import.meta.env.BASE_URL}sw.js`, {
    onOfflineReady: actions.setOfflineReady,
    onUpdateReady: actions.setUpdateReady,
  });
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
