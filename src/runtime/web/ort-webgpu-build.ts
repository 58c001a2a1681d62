/**
 * The WebGPU build of onnxruntime-web (`onnxruntime-web/webgpu`: the native C++ WebGPU EP on the
 * asyncify wasm, the one transformers.js imports too, so its tokenizer shares this module), loaded
 * only when the engine runs on WebGPU (src/runtime/web/ort-web.ts). Its wasm is served from the
 * app, never a CDN, and precached.
 */
import * as ort from 'onnxruntime-web/webgpu';
import wasmMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

ort.env.wasm.wasmPaths = { mjs: wasmMjsUrl, wasm: wasmUrl };

export { ort };
