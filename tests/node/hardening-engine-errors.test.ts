/**
 * Clear messages, never internals (issue 10): the engine worker's error events on the shipped
 * model through onnxruntime-node, with raw onnxruntime failures injected at the U-Net. The
 * message says what happened and what to do; the raw text is kept in `detail` (the notice bar's
 * "Details"). Sizes the backend cannot run are refused before any model call.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/protocol/messages.ts';
import type { GenerationParams } from '../../src/protocol/params.ts';
import { classifyRuntimeError } from '../../src/runtime/errors.ts';
import { loadNodeModel } from '../../src/runtime/node/ort-node.ts';
import { createEngine } from '../../src/worker/engine.ts';

const params: GenerationParams = {
  prompt: 'a red star',
  negativePrompt: '',
  seed: '1',
  steps: 2,
  cfg: 7,
  sampler: 'euler',
  width: 64,
  height: 64,
  batchCount: 1,
};

const SAFEINT =
  'failed to call OrtRun(). ERROR_CODE: 1, ERROR_MESSAGE: /mnt/azure_nvme_temp/_work/1/s/onnxruntime/core/common/safeint.h:17 static void SafeIntExceptionHandler<onnxruntime::OnnxRuntimeException>::SafeIntOnOverflow() Integer overflow';

async function run(failure: string | null, backend: 'wasm' | 'cpu', request: Partial<GenerationParams> = {}) {
  const events: EngineEvent[] = [];
  let unetCalls = 0;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const engine = createEngine({
    now: () => performance.now(),
    // As the worker entry wires it: the runtime classifies onnxruntime's failures.
    classifyError: classifyRuntimeError,
    postEvent: (event) => {
      events.push(event);
      if (event.job === 2 && ['done', 'error', 'cancelled'].includes(event.type)) finished();
    },
    loadModel: async (model) => {
      const loaded = await loadNodeModel(model.baseUrl);
      const predict = loaded.model.unet.predict.bind(loaded.model.unet);
      loaded.model.unet.predict = async (...args) => {
        unetCalls += 1;
        if (failure) throw new Error(failure);
        return predict(...args);
      };
      return { loaded, backend, adapter: null, threads: 1, crossOriginIsolated: false };
    },
  });
  engine.handle({ type: 'load', job: 1, model: { id: 'tiny-shapes', baseUrl: 'models/tiny-shapes' }, backend: 'auto' });
  engine.handle({ type: 'generate', job: 2, params: { ...params, ...request }, preview: false });
  await done;
  const error = events.find((e) => e.job === 2 && e.type === 'error');
  return { error: error?.type === 'error' ? error : null, unetCalls };
}

describe('engine error events', () => {
  it('an onnxruntime failure becomes a sentence, with the raw text as detail', async () => {
    const { error } = await run(SAFEINT, 'cpu');
    expect(error?.code).toBe('internal');
    expect(error?.message).toBe(
      'The engine failed on this job. Try again; if it keeps failing, reload the model or switch backend.',
    );
    expect(error?.message).not.toMatch(/OrtRun|safeint|\/mnt/);
    expect(error?.detail).toBe(SAFEINT);
  });
  it('an allocation failure is out-of-memory and says what to do', async () => {
    const { error } = await run('failed to call OrtRun(). ERROR_CODE: 6, ERROR_MESSAGE: std::bad_alloc', 'cpu');
    expect(error?.code).toBe('out-of-memory');
    expect(error?.message).toMatch(/ran out of memory.*smaller size/);
    expect(error?.detail).toMatch(/bad_alloc/);
  });
  it('2048×2048 on WASM is refused before the U-Net runs, naming the limit', async () => {
    const { error, unetCalls } = await run(null, 'wasm', { width: 2048, height: 2048 });
    expect(error?.code).toBe('bad-params');
    expect(error?.message).toMatch(/2048×2048 is too large for the WASM backend: it runs at most 1,982,464 pixels/);
    expect(unetCalls).toBe(0);
  });
});
