/**
 * The runtime's error classification: what an onnxruntime or WebGPU failure means for the
 * person. The engine (src/worker/engine.ts) knows nothing of onnxruntime's messages; the worker
 * entry and the Node harnesses hand it `classifyRuntimeError`. A lost GPU device is described
 * here once, for both ways it shows up (a failed call whose text says so, or `device.lost`).
 */
import { EngineError } from '../protocol/messages.ts';

const DEVICE_LOST = /device (was )?lost|GPUDevice.*lost|device is lost/i;
const OUT_OF_MEMORY = /out of memory|allocation failed|OOM|bad_alloc/i;

/** The error for a lost WebGPU device, whatever noticed it first. */
export function deviceLostError(reason: string): EngineError {
  return new EngineError('device-lost', `The GPU device was lost (${reason}). Reload the model, or switch to WASM.`);
}

/**
 * Turns anything thrown by a session (or the pipeline around it) into an EngineError. Raw engine
 * text ("failed to call OrtRun() … safeint.h …", a build path) is never the headline: it goes to
 * `detail`, shown under "Details" (NoticeBar).
 */
export function classifyRuntimeError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  if (DEVICE_LOST.test(detail)) {
    const lost = deviceLostError('the browser reported it during a run');
    return new EngineError(lost.code, lost.message, undefined, detail);
  }
  if (OUT_OF_MEMORY.test(detail)) {
    return new EngineError(
      'out-of-memory',
      'The engine ran out of memory for this job. Choose a smaller size, or use WebGPU.',
      undefined,
      detail,
    );
  }
  return new EngineError(
    'internal',
    'The engine failed on this job. Try again; if it keeps failing, reload the model or switch backend.',
    undefined,
    detail,
  );
}
