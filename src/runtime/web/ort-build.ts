/**
 * Which onnxruntime-web build runs each backend, and how many WASM threads it gets. Pure (no ORT,
 * no DOM), so the rule is unit-tested (tests/node/ort-build.test.ts); the worker feeds it
 * `navigator.hardwareConcurrency` and `crossOriginIsolated`.
 *
 * Measured on this project's 2-core machine (Chromium 156, the embedded U-Net, batch 2, warm
 * medians, `npx tsx scripts/bench-unet.ts`): the plain SIMD-threaded build
 * (`onnxruntime-web/wasm`, ort-wasm-simd-threaded.wasm) runs the CPU execution provider 2.5–4.5×
 * faster than the asyncify build that `onnxruntime-web/webgpu` ships (every call pays asyncify's
 * stack unwinding), so WASM loads the plain build and only WebGPU loads the asyncify one.
 */
import type { Backend } from '../../protocol/messages.ts';

export type OrtBuild = 'wasm' | 'webgpu';

/** The build that serves a backend: the plain wasm for the CPU EP, the native WebGPU EP's otherwise. */
export function ortBuildFor(backend: Backend): OrtBuild {
  return backend === 'webgpu' ? 'webgpu' : 'wasm';
}

export interface ThreadFacts {
  /** navigator.hardwareConcurrency (0 or missing where the browser hides it). */
  cores: number | undefined;
  /** globalThis.crossOriginIsolated: without it there is no SharedArrayBuffer, hence one thread. */
  crossOriginIsolated: boolean;
}

/**
 * WASM threads (ort.env.wasm.numThreads): every core but one, at most 4; 1 without isolation (no
 * SharedArrayBuffer; ORT would fall back anyway, with a warning).
 *
 * Why not every core: ORT's intra-op pool forks and joins on every operator, and its threads
 * spin while they wait; when any one of them is descheduled (the UI thread, the compositor,
 * another tab, another process), every operator waits for it. On this 2-core machine, shared with
 * other work, the embedded U-Net (batch 2, plain build) took 21–25 ms per call with 1 thread
 * against 44–61 ms with 2 at 8×8 latents, and 30–62 against 88–107 ms at 16×16 (three
 * interleaved rounds each, `npx tsx scripts/bench-unet.ts --thread-rounds 3`); on the same machine
 * idle, 2 threads won by only 16 % at 8×8 (10.1 against 12.0 ms, issue #15). A small, sometimes
 * lost gain against a 2× loss under load: keep one core free. Above 4 threads the fork/join cost
 * outgrows the split on graphs this size, so the cap stays where ORT's default has it.
 */
export function wasmThreadCount(facts: ThreadFacts): number {
  if (!facts.crossOriginIsolated) return 1;
  const cores =
    facts.cores !== undefined && Number.isFinite(facts.cores) && facts.cores >= 1 ? Math.floor(facts.cores) : 1;
  return Math.max(1, Math.min(4, cores - 1));
}
