/**
 * onnxruntime-web in the engine worker: the only browser module that imports onnxruntime.
 * Two builds, one per backend, each loaded only when its backend is chosen (a dynamic import, so
 * each is a chunk of its own): WASM runs on the plain SIMD-threaded build (`onnxruntime-web/wasm`,
 * the fastest for the CPU execution provider, measured), WebGPU on `onnxruntime-web/webgpu` (the
 * native WebGPU EP on the asyncify wasm, the build transformers.js imports, so the tokenizer shares
 * it). Both are onnxruntime-web 1.30 (package.json pins one version). The wasm files are served
 * from the app (Vite `?url` imports in ort-wasm-build.ts / ort-webgpu-build.ts), never a CDN.
 * The tokenizer chunk (transformers.js) imports the WebGPU build's JavaScript even on WASM, but it
 * never creates a session there, so that build's wasm is never fetched and there is one heap
 * (tests/e2e/ort-builds.spec.ts checks which wasm each backend fetches).
 */
/// <reference types="@webgpu/types" />
import type * as OrtWeb from 'onnxruntime-web/webgpu';
import {
  EngineError,
  type Backend,
  type BackendChoice,
  type ExternalDataRef,
  type ModelRef,
} from '../../protocol/messages.ts';
import { wasmMemoryProblem } from '../../protocol/wasm-memory.ts';
import { adapterProblem, assertAdapterCanRun } from '../adapter-check.ts';
import { loadClipTokenizer } from '../clip-tokenizer.ts';
import { httpModelSource, type ModelFileSource } from '../model-source.ts';
import { scanOnnxWeights } from '../onnx-scan.ts';
import { loadOrtModel, type LoadedModel } from '../ort-model.ts';
import { createGpuBinding } from './gpu-binding.ts';
import { ortBuildFor, wasmThreadCount, type OrtBuild } from './ort-build.ts';
import { opfsModelSource } from './opfs-model-source.ts';

const isolated = globalThis.crossOriginIsolated === true;
const threads = wasmThreadCount({ cores: navigator.hardwareConcurrency, crossOriginIsolated: isolated });

type OrtModule = typeof OrtWeb;
const builds = new Map<OrtBuild, Promise<OrtModule>>();

/** The onnxruntime-web build for a backend, imported on first use (one chunk per build). */
export function ortFor(backend: Backend): Promise<OrtModule> {
  const build = ortBuildFor(backend);
  let loading = builds.get(build);
  if (!loading) {
    loading = (
      build === 'wasm'
        ? import('./ort-wasm-build.ts').then((m) => m.ort)
        : import('./ort-webgpu-build.ts').then((m) => m.ort)
    ).then((ort) => {
      ort.env.wasm.numThreads = threads;
      return ort;
    });
    builds.set(build, loading);
  }
  return loading;
}

export interface WebBackend {
  backend: Backend;
  adapter: string | null;
  threads: number;
  crossOriginIsolated: boolean;
}

let adapterPromise: Promise<GPUAdapter | null> | null = null;

async function getAdapter(): Promise<GPUAdapter | null> {
  if (!('gpu' in navigator) || !navigator.gpu) return null;
  adapterPromise ??= navigator.gpu.requestAdapter().catch(() => null);
  return adapterPromise;
}

function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info;
  const parts = [info.vendor, info.architecture, info.description].filter((p) => p && p.length > 0);
  return parts.length > 0 ? parts.join(' ') : 'unknown adapter';
}

/** Picks WebGPU when an adapter exists (unless WASM is asked for), else WASM. */
export async function chooseBackend(choice: BackendChoice): Promise<WebBackend & { gpuAdapter: GPUAdapter | null }> {
  if (choice !== 'wasm') {
    const adapter = await getAdapter();
    if (adapter) {
      return {
        backend: 'webgpu',
        adapter: describeAdapter(adapter),
        gpuAdapter: adapter,
        threads,
        crossOriginIsolated: isolated,
      };
    }
    if (choice === 'webgpu') {
      throw new EngineError(
        'backend-unavailable',
        'WebGPU is not available in this browser (no adapter). Choose WASM instead.',
      );
    }
  }
  return { backend: 'wasm', adapter: null, gpuAdapter: null, threads, crossOriginIsolated: isolated };
}

export interface WebLoadOptions {
  model: ModelRef;
  choice: BackendChoice;
  source?: ModelFileSource;
  externalData?: readonly (string | ExternalDataRef)[];
  onProgress: (file: string, loaded: number, total: number) => void;
  /** Called once if the WebGPU device is lost after loading. */
  onDeviceLost?: (message: string) => void;
}

/** Counts loads, so a device-lost listener from an earlier model stays silent. */
let loads = 0;

export async function loadWebModel(options: WebLoadOptions): Promise<WebBackend & { loaded: LoadedModel }> {
  const load = ++loads;
  const chosen = await chooseBackend(options.choice);
  const facts = chosen.gpuAdapter
    ? {
        description: chosen.adapter ?? 'unknown adapter',
        features: chosen.gpuAdapter.features,
        limits: chosen.gpuAdapter.limits,
      }
    : null;
  // Refuse with the reason (no shader-f16, a weight too big to bind) before any session exists:
  // first from what the catalog says, then from each graph's own weights (custom models).
  if (facts) assertAdapterCanRun(facts, options.model.requirements);
  // On WASM, a model bigger than the wasm32 heap fails deep inside session creation (or takes
  // the tab's memory with it): refuse first, saying how much it needs and what can run it.
  const needs = options.model.requirements;
  const tooBig =
    chosen.backend === 'wasm' && needs
      ? wasmMemoryProblem({
          name: options.model.id,
          float16: needs.shaderF16 === true,
          ...(needs.wasmBytes !== undefined ? { wasmBytes: needs.wasmBytes } : {}),
          ...(needs.fileBytes !== undefined ? { fileBytes: needs.fileBytes } : {}),
        })
      : null;
  if (tooBig) throw new EngineError('model-unsupported', tooBig);
  const inspectGraph = facts
    ? (path: string, bytes: Uint8Array) => {
        let weights;
        try {
          weights = scanOnnxWeights(bytes);
        } catch {
          return; // not a readable graph: session creation reports it as damaged, naming the file
        }
        const problem = adapterProblem(facts, {
          shaderF16: weights.hasFloat16,
          largestWeightBytes: weights.largestWeightBytes,
        });
        if (problem) throw new EngineError('model-unsupported', `${path}: ${problem}`);
      }
    : undefined;
  const { model } = options;
  const externalData = options.externalData ?? model.externalData;
  const ort = await ortFor(chosen.backend);
  const loaded = await loadOrtModel({
    ort,
    source: options.source ?? (model.storage === 'opfs' ? opfsModelSource(model.id) : httpModelSource(model.baseUrl)),
    id: options.model.id,
    sessionOptions: {
      executionProviders: [chosen.backend === 'webgpu' ? 'webgpu' : 'wasm'],
      graphOptimizationLevel: 'all',
    },
    loadTokenizer: loadClipTokenizer,
    onProgress: options.onProgress,
    now: () => performance.now(),
    ...(externalData ? { externalData } : {}),
    // The U-Net's output stays in a GPU buffer until read (one download, no staging copy
    // inside run()); its values match the CPU path (tests/e2e/models-webgpu.spec.ts).
    ...(inspectGraph ? { inspectGraph } : {}),
    // WebGPU: the U-Net's inputs and output in reused GPU buffers (src/runtime/web/gpu-binding.ts).
    ...(chosen.backend === 'webgpu'
      ? {
          unetBinding: async () => {
            const device: GPUDevice | undefined = await Promise.resolve(ort.env.webgpu.device).catch(() => undefined);
            return device ? createGpuBinding(ort, device) : null;
          },
        }
      : {}),
    sessionOptionsFor: (path) =>
      chosen.backend === 'webgpu' && path === 'unet/model.onnx' ? { preferredOutputLocation: 'gpu-buffer' } : {},
  });
  if (chosen.backend === 'webgpu') {
    // Typed as a promise, a plain GPUDevice at run time (onnxruntime-web 1.30): await covers both.
    const device: GPUDevice | undefined = await Promise.resolve(ort.env.webgpu.device).catch(() => undefined);
    // Only the latest load's device counts: releasing the previous model destroys its device
    // (lost, reason "destroyed") after the next load has begun, and that old listener used to
    // mark the new model's device lost, refusing every run after a model switch on WebGPU (found
    // running the SD-Turbo replica after the embedded model).
    void device?.lost.then((info) => {
      if (load === loads) options.onDeviceLost?.(info.message || info.reason || 'unknown reason');
    });
  }
  const { gpuAdapter: _unused, ...backend } = chosen;
  return { ...backend, loaded };
}
