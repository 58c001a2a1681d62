/**
 * Composition root: the only place that creates the engine Worker (and, later, registers the
 * service worker). Loads the embedded model from the app's own origin.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { BackendChoice } from '../protocol/messages.ts';
import { connectEngine, loadModel } from '../state/engine-bridge.ts';
import { App } from './App.tsx';
import '../ui/styles.css';

const worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
connectEngine(worker);

// `?backend=wasm|webgpu` forces a backend (used by the e2e tests and for troubleshooting).
const requested = new URLSearchParams(location.search).get('backend');
const backend: BackendChoice = requested === 'wasm' || requested === 'webgpu' ? requested : 'auto';
loadModel({ id: 'tiny-shapes', baseUrl: new URL('models/tiny-shapes/', document.baseURI).href }, backend);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
