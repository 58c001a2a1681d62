/**
 * Can the WASM backend hold a model? Pure, so the models slice can refuse a download before it
 * starts and the web runtime can refuse a load, with the same sentence (issue #11).
 *
 * WebAssembly's memory: every onnxruntime-web 1.30 build is wasm32, so one heap holds at most
 * 4 GiB, and it never shrinks. The WASM (CPU) backend keeps all weights in that heap, computing in
 * float32: the CPU kernels have no float16 versions of the ops SD uses, so ORT inserts Casts and
 * folds them into float32 copies of every float16 weight at session creation. Memory needed was
 * measured on the replicas (npm run bench:scale, README "Model scale").
 */
export const WASM_MEMORY_LIMIT = 4 * 1024 ** 3;

export interface WasmNeeds {
  name: string;
  /** Measured heap the WASM backend needs to load and run the model at its default size. */
  wasmBytes?: number;
  /** Total bytes of the model's files, for an estimate when nothing was measured. */
  fileBytes?: number;
  /** Float16 weights, which the CPU backend widens to float32. */
  float16?: boolean;
}

const gb = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GB`;

/**
 * Heap the WASM backend needs: the measured figure, else an estimate from the files — float32
 * weights once, float16 weights three times over (their bytes plus the float32 copies), and a
 * quarter more for activations and ORT's arenas.
 */
export function wasmBytesNeeded(needs: WasmNeeds): number | null {
  if (needs.wasmBytes !== undefined) return needs.wasmBytes;
  if (needs.fileBytes === undefined) return null;
  return Math.round(needs.fileBytes * (needs.float16 ? 3 : 1) * 1.25);
}

/** Why the WASM backend cannot hold the model (size against the limit, and what can run it), or null. */
export function wasmMemoryProblem(needs: WasmNeeds): string | null {
  const bytes = wasmBytesNeeded(needs);
  if (bytes === null || bytes <= WASM_MEMORY_LIMIT) return null;
  return (
    `${needs.name} needs about ${gb(bytes)} of memory on the WASM backend, more than WebAssembly's ` +
    `${gb(WASM_MEMORY_LIMIT)} limit, so it cannot run here on WASM. Use WebGPU` +
    `${needs.float16 ? ' on a GPU with shader-f16' : ''} (weights live in GPU memory there), or the Node CLI.`
  );
}
