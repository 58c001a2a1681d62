/**
 * The worker's engine on the shipped model through onnxruntime-node, minus the Worker shell: the
 * events it posts, a promise per job that settles on its terminal (or `ready`) event, and the
 * events of one job. Shared by the engine's Node tests.
 */
import type { EngineEvent, EngineRequest } from '../../src/protocol/messages.ts';
import { loadNodeModel } from '../../src/runtime/node/ort-node.ts';
import { loadNodeUpscaler } from '../../src/runtime/node/upscaler-node.ts';
import { createEngine } from '../../src/worker/engine.ts';

export function engineHarness() {
  const events: EngineEvent[] = [];
  const waiters: { job: number; resolve: () => void }[] = [];
  const engine = createEngine({
    now: () => performance.now(),
    postEvent: (event) => {
      events.push(event);
      if (['ready', 'done', 'error', 'cancelled'].includes(event.type)) {
        for (const w of waiters.filter((w) => w.job === event.job)) w.resolve();
      }
    },
    loadModel: async (model, _backend, onProgress) => {
      const loaded = await loadNodeModel(model.baseUrl);
      onProgress('unet/model.onnx', 1, 1);
      return { loaded, backend: 'cpu', adapter: null, threads: 2, crossOriginIsolated: false };
    },
    loadUpscaler: (ref) => loadNodeUpscaler(ref.baseUrl, { scale: ref.scale }),
  });
  const send = (request: EngineRequest) => engine.handle(request);
  const settled = (job: number) => new Promise<void>((resolve) => waiters.push({ job, resolve }));
  const of = (job: number) => events.filter((e) => e.job === job);
  return { send, settled, of, events };
}
