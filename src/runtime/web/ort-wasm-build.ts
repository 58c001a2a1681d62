/**
 * The CPU build of onnxruntime-web (`onnxruntime-web/wasm`: ort-wasm-simd-threaded.{mjs,wasm}, no
 * WebGPU, no asyncify), loaded only when the engine runs on WASM (src/runtime/web/ort-web.ts picks
 * it with a dynamic import). Its wasm is served from the app, never a CDN, and precached.
 */
import * as ort from 'onnxruntime-web/wasm';
import wasmMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';

ort.env.wasm.wasmPaths = { mjs: wasmMjsUrl, wasm: wasmUrl };

export { ort };
