/**
 * A super-resolution ONNX graph as the pipeline's `SuperResolutionModel` (src/pipeline/upscale.ts),
 * over whichever onnxruntime the caller passes (web in the worker, node in the CLI and tests).
 *
 * Folder layout (models/tiny-shapes-sr, and a downloaded Real-ESRGAN): `upscaler/model.onnx`, with
 * an optional `upscaler/config.json` giving `upscale` (the native factor). The graph's first input
 * and output are used whatever their names (`input`/`output` in Real-ESRGAN's own exports,
 * `image`/`upscaled_image` in Qualcomm's); a fixed H×W input makes the tiler pad tiles to it;
 * float16 IO is converted here.
 */
import type * as Ort from 'onnxruntime-common';
import { fromFloat16Bits, toFloat16Bits } from '../math/float16.ts';
import type { Float32Tensor } from '../math/tensor.ts';
import type { SuperResolutionModel, TileOptions } from '../pipeline/upscale.ts';
import { EngineError } from '../protocol/messages.ts';
import { readOptionalJson, type ModelFileSource, type ProgressCallback } from './model-source.ts';
import type { OrtApi } from './ort-model.ts';

export const UPSCALER_GRAPH = 'upscaler/model.onnx';

export interface LoadedUpscaler {
  model: SuperResolutionModel;
  /** Tiles that keep one run small: 128 input pixels, overlap a quarter of it. */
  tiles: TileOptions;
  release(): Promise<void>;
}

export interface UpscalerLoadOptions {
  ort: OrtApi;
  source: ModelFileSource;
  sessionOptions: Ort.InferenceSession.SessionOptions;
  /** The native factor when the folder has no config.json (the catalog's). */
  scale?: number;
  onProgress?: ProgressCallback;
}

export async function loadOrtUpscaler(options: UpscalerLoadOptions): Promise<LoadedUpscaler> {
  const config = (await readOptionalJson(options.source, 'upscaler/config.json')) as { upscale?: unknown } | null;
  const scale = typeof config?.upscale === 'number' ? config.upscale : (options.scale ?? 4);
  if (!Number.isInteger(scale) || scale < 1 || scale > 8) {
    throw new EngineError('model-unsupported', `The upscaler's factor ${String(scale)} is not 1…8.`);
  }
  const bytes = await options.source.readBytes(UPSCALER_GRAPH, options.onProgress);
  let session: Ort.InferenceSession;
  try {
    session = await options.ort.InferenceSession.create(bytes, options.sessionOptions);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new EngineError('model-corrupt', `Could not load ${UPSCALER_GRAPH}: ${message}`, UPSCALER_GRAPH);
  }
  const input = session.inputMetadata[0];
  const output = session.outputMetadata[0];
  if (!input?.isTensor || !output?.isTensor) {
    throw new EngineError('model-unsupported', 'The upscaler graph has no tensor input and output.');
  }
  const [, channels, h, w] = input.shape;
  if (channels !== 3 && typeof channels === 'number') {
    throw new EngineError('model-unsupported', `The upscaler takes ${channels} channels (expected 3, RGB).`);
  }
  const fixedInput = typeof h === 'number' && h > 0 && typeof w === 'number' && w > 0 ? { width: w, height: h } : null;
  const type = input.type;
  if (type !== 'float32' && type !== 'float16') {
    throw new EngineError('model-unsupported', `The upscaler takes ${type} (expected float32 or float16).`);
  }
  const { ort } = options;
  const model: SuperResolutionModel = {
    scale,
    fixedInput,
    async run(tile: Float32Tensor): Promise<Float32Tensor> {
      const feed =
        type === 'float16'
          ? new ort.Tensor('float16', toFloat16Bits(tile.data), tile.dims)
          : new ort.Tensor('float32', tile.data, tile.dims);
      const result = await session.run({ [input.name]: feed });
      const out = result[output.name];
      if (!out) throw new EngineError('model-unsupported', `The upscaler returned no ${output.name}.`);
      const data = out.location === 'cpu' ? out.data : await out.getData(true);
      const dims = [...out.dims];
      out.dispose();
      if (data instanceof Float32Array) return { data, dims };
      if (data instanceof Uint16Array) return { data: fromFloat16Bits(data), dims };
      return { data: Float32Array.from(data as ArrayLike<number>), dims };
    },
  };
  const tile = fixedInput ? Math.min(fixedInput.width, fixedInput.height) : 128;
  return {
    model,
    tiles: { tile, overlap: Math.max(8, Math.round(tile / 4)) },
    release: () => session.release(),
  };
}
