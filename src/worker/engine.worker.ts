/**
 * The module Web Worker that owns every model: it receives EngineRequests and posts EngineEvents,
 * transferring pixel buffers. Handlers are registered with addEventListener: an `onmessage =`
 * assignment hung when ORT's thread workers re-ran this chunk (onnxruntime-web 1.30, Vite).
 * The main thread supervises it (src/state/engine-bridge.ts): it pings while a job runs and
 * replaces this worker when it crashes or stops answering.
 */
import { transferablesOf, type EngineEvent, type EngineRequest } from '../protocol/messages.ts';
import { classifyRuntimeError, deviceLostError } from '../runtime/errors.ts';
import { loadWebModel } from '../runtime/web/ort-web.ts';
import { loadWebUpscaler } from '../runtime/web/upscaler-web.ts';
import { createEngine } from './engine.ts';
import { withEventTurns } from './event-turns.ts';

declare const self: DedicatedWorkerGlobalScope;

const send = (event: EngineEvent) => self.postMessage(event, transferablesOf(event));

let deviceLost: string | null = null;
/** Resolves when the WebGPU device of the loaded model is lost (never, on WASM). */
let lost: Promise<void> | null = null;
let markLost: (() => void) | null = null;

const lostEvent = (job: number, reason: string): EngineEvent => {
  const error = deviceLostError(reason);
  return { type: 'error', job, code: error.code, message: error.message };
};

/**
 * A device lost in the middle of a job surfaces first as whatever WebGPU call failed ("mapAsync
 * … unmapped", a validation error) and only then through `device.lost`. So an internal error on
 * WebGPU waits briefly for `device.lost`, and is reported as `device-lost` when that is the cause,
 * so the studio offers "Reload model" / "Use WASM" instead of a bare WebGPU message.
 */
const post = (event: EngineEvent) => {
  if (event.type === 'error' && event.code === 'internal' && lost) {
    void Promise.race([lost, new Promise((resolve) => setTimeout(resolve, 1000))]).then(() =>
      send(deviceLost === null ? event : lostEvent(event.job, deviceLost)),
    );
    return;
  }
  send(event);
};

const engine = createEngine({
  postEvent: post,
  now: () => performance.now(),
  classifyError: classifyRuntimeError,
  loadUpscaler: loadWebUpscaler,
  async loadModel(model, backend, onProgress) {
    deviceLost = null;
    lost = null;
    const signal = new Promise<void>((resolve) => {
      markLost = resolve;
    });
    const result = await loadWebModel({
      model,
      choice: backend,
      onProgress,
      onDeviceLost: (message) => {
        deviceLost = message;
        markLost?.();
      },
    });
    if (result.backend === 'webgpu') lost = signal;
    // Cancel must reach the engine between steps (see event-turns.ts).
    const { model: pipelineModel } = result.loaded;
    return {
      ...result,
      loaded: { ...result.loaded, model: { ...pipelineModel, unet: withEventTurns(pipelineModel.unet) } },
    };
  },
});

self.addEventListener('message', (event: MessageEvent<EngineRequest>) => {
  if (deviceLost !== null && (event.data.type === 'generate' || event.data.type === 'upscale')) {
    post(lostEvent(event.data.job, deviceLost));
    return;
  }
  engine.handle(event.data);
});
