/**
 * The module Web Worker that owns every model: it receives EngineRequests and posts EngineEvents,
 * transferring pixel buffers. Handlers are registered with addEventListener (an `onmessage =`
 * assignment hung when ORT's thread workers re-ran this chunk; RUNTIME-NOTES).
 */
import { transferablesOf, type EngineEvent, type EngineRequest } from '../protocol/messages.ts';
import { loadWebModel } from '../runtime/web/ort-web.ts';
import { createEngine } from './engine.ts';

declare const self: DedicatedWorkerGlobalScope;

const post = (event: EngineEvent) => self.postMessage(event, transferablesOf(event));

let deviceLost: string | null = null;

const engine = createEngine({
  postEvent: post,
  now: () => performance.now(),
  async loadModel(model, backend, onProgress) {
    deviceLost = null;
    const result = await loadWebModel({
      model,
      choice: backend,
      onProgress,
      onDeviceLost: (message) => {
        deviceLost = message;
      },
    });
    return result;
  },
});

self.addEventListener('message', (event: MessageEvent<EngineRequest>) => {
  if (deviceLost !== null && event.data.type === 'generate') {
    post({
      type: 'error',
      job: event.data.job,
      code: 'device-lost',
      message: `The GPU device was lost (${deviceLost}). Reload the model, or switch to WASM.`,
    });
    return;
  }
  engine.handle(event.data);
});
