/**
 * Builds a DiffusionModel (the pipeline's interfaces) from a folder in Hugging Face's diffusers
 * ONNX layout, over whichever onnxruntime the caller passes in (onnxruntime-web in the worker,
 * onnxruntime-node in the CLI). It reads each session's declared inputs and adapts to them
 * instead of assuming: int32/int64 input_ids; int64/float32/float16 timesteps; float16 or
 * float32 tensors (converted at this boundary); fixed or dynamic batch and sequence axes.
 */
import type * as Ort from 'onnxruntime-common';
import { fromFloat16Bits, toFloat16Bits } from '../math/float16.ts';
import { parseLatentRgbMap, SD_LATENT_RGB } from '../math/image.ts';
import { concatBatch, type Float32Tensor } from '../math/tensor.ts';
import type {
  DiffusionModel,
  ModelInfo,
  TextEncoderModel,
  UnetModel,
  VaeDecoderModel,
  VaeEncoderModel,
} from '../pipeline/types.ts';
import type { PromptTokenizer } from '../prompt/index.ts';
import { EngineError, type ModelSummary } from '../protocol/messages.ts';
import { defaultSamplerFor, parseSchedulerConfig, SAMPLERS } from '../schedulers/index.ts';
import { readJson, readOptionalJson, type ModelFileSource, type ProgressCallback } from './model-source.ts';
import { scanOnnxWeights } from './onnx-scan.ts';

export type OrtApi = Pick<typeof Ort, 'InferenceSession' | 'Tensor'>;

/**
 * Counts time spent in model calls, so the bench can print overhead ratios: session.run, and for
 * the U-Net also the read-back of its output (on WebGPU run() returns before the GPU is done).
 */
export interface RunStats {
  sessionRunMs: number;
  runs: number;
}

/**
 * GPU buffers for the U-Net's inputs and output (WebGPU: src/runtime/web/gpu-binding.ts). A key
 * names one buffer, made once per dtype and shape and refilled after; `read` downloads a bound
 * output (float16 as raw bits).
 */
export interface GpuTensorBinding {
  input(
    key: string,
    dataType: 'float32' | 'float16',
    data: Float32Array | Uint16Array,
    dims: readonly number[],
  ): Ort.Tensor;
  output(key: string, dataType: 'float32' | 'float16', dims: readonly number[]): Ort.Tensor;
  read(key: string): Promise<Float32Array | Uint16Array>;
  release(): void;
}

export interface LoadOptions {
  ort: OrtApi;
  source: ModelFileSource;
  id: string;
  sessionOptions: Ort.InferenceSession.SessionOptions;
  loadTokenizer: (files: { tokenizerJson: unknown; tokenizerConfig: unknown }) => Promise<PromptTokenizer>;
  onProgress?: ProgressCallback;
  now: () => number;
  /**
   * Graph files whose weights live in another file (external data): a graph path means the
   * sibling `<file>_data`; `{ graph, data }` names the data file (e.g. unet/weights.pb).
   */
  externalData?: readonly (string | { graph: string; data: string })[];
  /** Extra session options for one graph (e.g. the U-Net's output kept on the GPU). */
  sessionOptionsFor?: (path: string) => Partial<Ort.InferenceSession.SessionOptions>;
  /** Sees each graph's bytes before its session is created; throws to refuse the model. */
  inspectGraph?: (path: string, bytes: Uint8Array) => void;
  /** Binds the U-Net's tensors to GPU buffers (WebGPU); asked once the sessions exist. */
  unetBinding?: () => Promise<GpuTensorBinding | null>;
}

export interface LoadedModel {
  model: DiffusionModel;
  summary: ModelSummary;
  stats: RunStats;
  release(): Promise<void>;
}

type TensorMeta = { name: string; type: Ort.Tensor.Type; shape: readonly (number | string)[] };

function tensorMeta(session: Ort.InferenceSession, names: readonly string[], kind: 'input' | 'output'): TensorMeta {
  const list = kind === 'input' ? session.inputMetadata : session.outputMetadata;
  for (const name of names) {
    const meta = list.find((m) => m.name === name);
    if (meta?.isTensor) return { name: meta.name, type: meta.type, shape: meta.shape };
  }
  const fallback = kind === 'output' ? list[0] : undefined;
  if (fallback?.isTensor) return { name: fallback.name, type: fallback.type, shape: fallback.shape };
  throw new EngineError(
    'model-unsupported',
    `The model has no ${kind} named ${names.join(' or ')} (it has ${list.map((m) => m.name).join(', ')}).`,
  );
}

const isDynamic = (dim: number | string | undefined) => typeof dim !== 'number' || dim < 0;
const isGpuFloat = (type: Ort.Tensor.Type) => type === 'float32' || type === 'float16';
/** GPU buffers kept for text contexts (the U-Net binding): uncond and cond, with room to spare. */
const CONTEXT_SLOTS = 4;

function floatTensor(ort: OrtApi, type: Ort.Tensor.Type, t: Float32Tensor): Ort.Tensor {
  if (type === 'float16') return new ort.Tensor('float16', toFloat16Bits(t.data), t.dims);
  if (type === 'float32') return new ort.Tensor('float32', t.data, t.dims);
  throw new EngineError('model-unsupported', `Unsupported tensor type ${type} (expected float32 or float16).`);
}

async function readFloat(tensor: Ort.Tensor): Promise<Float32Tensor> {
  const data = tensor.location === 'cpu' ? tensor.data : await tensor.getData(true);
  const dims = [...tensor.dims];
  if (data instanceof Float32Array) return { data, dims };
  if (tensor.type === 'float16') {
    // Float16Array where the platform has it, raw Uint16Array bits otherwise.
    const bits = data instanceof Uint16Array ? data : null;
    return { data: bits ? fromFloat16Bits(bits) : Float32Array.from(data as ArrayLike<number>), dims };
  }
  throw new EngineError('model-unsupported', `Unsupported output type ${tensor.type}.`);
}

/** External data locations the graph names; none when it cannot be parsed (ORT then says why). */
function externalFilesOf(bytes: Uint8Array): string[] {
  try {
    return scanOnnxWeights(bytes).externalFiles;
  } catch {
    return [];
  }
}

async function createSession(options: LoadOptions, path: string): Promise<Ort.InferenceSession> {
  const bytes = await options.source.readBytes(path, options.onProgress);
  options.inspectGraph?.(path, bytes);
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    ...options.sessionOptions,
    ...options.sessionOptionsFor?.(path),
  };
  // Large exports keep weights next to the graph (model.onnx_data, weights.pb). The catalog may say
  // which; otherwise the graph's own external_data locations do (the CLI, custom models).
  const external = options.externalData?.find((e) => (typeof e === 'string' ? e : e.graph) === path);
  const folder = path.slice(0, path.lastIndexOf('/') + 1);
  const dataPaths =
    external !== undefined
      ? [typeof external === 'string' ? `${path}_data` : external.data]
      : externalFilesOf(bytes).map((location) => `${folder}${location}`);
  if (dataPaths.length > 0) {
    const files: { path: string; data: Uint8Array }[] = [];
    for (const dataPath of dataPaths) {
      const data = await options.source.readBytes(dataPath, options.onProgress);
      files.push({ path: dataPath.slice(dataPath.lastIndexOf('/') + 1), data });
    }
    sessionOptions.externalData = files;
  }
  try {
    return await options.ort.InferenceSession.create(bytes, sessionOptions);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new EngineError('model-corrupt', `Could not load ${path}: ${message}`, path);
  }
}

function timedRun(
  session: Ort.InferenceSession,
  stats: RunStats,
  now: () => number,
): (feeds: Record<string, Ort.Tensor>) => Promise<Ort.InferenceSession.ReturnType> {
  return async (feeds) => {
    const t0 = now();
    try {
      return await session.run(feeds);
    } finally {
      stats.sessionRunMs += now() - t0;
      stats.runs += 1;
    }
  };
}

function textEncoderOf(
  ort: OrtApi,
  session: Ort.InferenceSession,
  stats: RunStats,
  now: () => number,
): TextEncoderModel {
  const input = tensorMeta(session, ['input_ids'], 'input');
  const output = tensorMeta(session, ['last_hidden_state'], 'output');
  const dynamicBatch = isDynamic(input.shape[0]);
  const run = timedRun(session, stats, now);
  const idsTensor = (rows: readonly (readonly number[])[]) => {
    const width = rows[0]?.length ?? 0;
    const flat = rows.flat();
    const dims = [rows.length, width];
    if (input.type === 'int64')
      return new ort.Tensor(
        'int64',
        BigInt64Array.from(flat, (v) => BigInt(v)),
        dims,
      );
    if (input.type === 'int32') return new ort.Tensor('int32', Int32Array.from(flat), dims);
    throw new EngineError('model-unsupported', `Unsupported input_ids type ${input.type}.`);
  };
  return {
    async encode(rows) {
      const batches = dynamicBatch ? [rows] : rows.map((r) => [r]);
      const parts: Float32Tensor[] = [];
      for (const batch of batches) {
        const result = await run({ [input.name]: idsTensor(batch) });
        const out = result[output.name];
        if (!out) throw new EngineError('model-unsupported', `The text encoder returned no ${output.name}.`);
        parts.push(await readFloat(out));
        out.dispose();
      }
      return parts.length === 1 ? (parts[0] as Float32Tensor) : concatBatch(parts);
    },
  };
}

function unetOf(
  ort: OrtApi,
  session: Ort.InferenceSession,
  stats: RunStats,
  now: () => number,
  configInChannels: number | null,
  binding: GpuTensorBinding | null,
): UnetModel {
  const sample = tensorMeta(session, ['sample'], 'input');
  const timestep = tensorMeta(session, ['timestep'], 'input');
  const context = tensorMeta(session, ['encoder_hidden_states'], 'input');
  const output = tensorMeta(session, ['out_sample'], 'output');
  // Contexts already on the GPU (binding), by array identity: the pipeline passes one array per
  // image, or alternates uncond and cond for a fixed-batch U-Net, so a few slots cover it.
  let contexts: { ctx: Float32Tensor; key: string; value: Ort.Tensor }[] = [];
  let nextContextSlot = 0;
  // The graph's channel dim, else unet/config.json's in_channels (exports with a dynamic dim).
  const declared = typeof sample.shape[1] === 'number' && sample.shape[1] > 0 ? sample.shape[1] : null;
  const channels = declared ?? configInChannels ?? 4;
  const seq = context.shape[1];
  const timestepTensor = (t: number, batch: number): Ort.Tensor => {
    // A declared scalar gets a scalar; otherwise one value per batch row (or the fixed size).
    const fixed = timestep.shape[0];
    const count = timestep.shape.length === 0 ? 1 : isDynamic(fixed) ? batch : (fixed as number);
    const dims = timestep.shape.length === 0 ? [] : [count];
    switch (timestep.type) {
      case 'int64':
        return new ort.Tensor('int64', new BigInt64Array(count).fill(BigInt(Math.round(t))), dims);
      case 'int32':
        return new ort.Tensor('int32', new Int32Array(count).fill(Math.round(t)), dims);
      case 'float32':
        return new ort.Tensor('float32', new Float32Array(count).fill(t), dims);
      case 'float16':
        return new ort.Tensor('float16', toFloat16Bits(new Float32Array(count).fill(t)), dims);
      default:
        throw new EngineError('model-unsupported', `Unsupported timestep type ${timestep.type}.`);
    }
  };
  // Inpainting U-Nets take cat([latents, mask, masked-image latents]): 9 = 2·4 + 1.
  const latentChannels = channels === 9 ? 4 : channels;
  return {
    dynamicBatch: isDynamic(sample.shape[0]),
    fixedSequenceLength: isDynamic(seq) ? null : (seq as number),
    latentChannels,
    inChannels: channels,
    async predict(x, t, ctx) {
      const batch = x.dims[0] ?? 1;
      // Timed until the output is on the host: with outputs left on the GPU, run() returns
      // before the GPU has finished, and the wait would otherwise look like pipeline overhead.
      const t0 = now();
      try {
        if (binding && isGpuFloat(sample.type) && isGpuFloat(context.type) && isGpuFloat(output.type)) {
          return await predictBound(binding, x, timestepTensor(t, batch), ctx);
        }
        const result = await session.run({
          [sample.name]: floatTensor(ort, sample.type, x),
          [timestep.name]: timestepTensor(t, batch),
          [context.name]: floatTensor(ort, context.type, ctx),
        });
        const out = result[output.name];
        if (!out) throw new EngineError('model-unsupported', `The U-Net returned no ${output.name}.`);
        const value = await readFloat(out);
        out.dispose();
        return value;
      } finally {
        stats.sessionRunMs += now() - t0;
        stats.runs += 1;
      }
    },
  };

  /**
   * One step on GPU buffers: the latents go up, the context only when it is a different array
   * from the last call's (the pipeline passes one per image), the output lands in a reused buffer
   * and only it comes back.
   */
  async function predictBound(
    gpu: GpuTensorBinding,
    x: Float32Tensor,
    timestepValue: Ort.Tensor,
    ctx: Float32Tensor,
  ): Promise<Float32Tensor> {
    const upload = (key: string, type: 'float32' | 'float16', t: Float32Tensor) =>
      gpu.input(key, type, type === 'float16' ? toFloat16Bits(t.data) : t.data, t.dims);
    const sampleValue = upload('unet.sample', sample.type as 'float32' | 'float16', x);
    let held = contexts.find((c) => c.ctx === ctx);
    if (!held) {
      const key = `unet.context.${nextContextSlot}`;
      nextContextSlot = (nextContextSlot + 1) % CONTEXT_SLOTS;
      contexts = contexts.filter((c) => c.key !== key);
      held = { ctx, key, value: upload(key, context.type as 'float32' | 'float16', ctx) };
      contexts.push(held);
    }
    const contextValue = held.value;
    const [b = 1, , h = 0, w = 0] = x.dims;
    const outChannels = typeof output.shape[1] === 'number' && output.shape[1] > 0 ? output.shape[1] : latentChannels;
    const dims = [b, outChannels, h, w];
    const outType = output.type as 'float32' | 'float16';
    const outValue = gpu.output('unet.out', outType, dims);
    await session.run(
      { [sample.name]: sampleValue, [timestep.name]: timestepValue, [context.name]: contextValue },
      { [output.name]: outValue },
    );
    const data = await gpu.read('unet.out');
    return { data: data instanceof Uint16Array ? fromFloat16Bits(data) : data, dims };
  }
}

function vaeDecoderOf(ort: OrtApi, session: Ort.InferenceSession, stats: RunStats, now: () => number): VaeDecoderModel {
  const input = tensorMeta(session, ['latent_sample'], 'input');
  const output = tensorMeta(session, ['sample'], 'output');
  const run = timedRun(session, stats, now);
  return {
    async decode(latents) {
      const result = await run({ [input.name]: floatTensor(ort, input.type, latents) });
      const out = result[output.name];
      if (!out) throw new EngineError('model-unsupported', `The VAE decoder returned no ${output.name}.`);
      const value = await readFloat(out);
      out.dispose();
      return value;
    },
  };
}

/**
 * A component the model may lack: skipped when model_index.json does not list it, and null when
 * its graph is not there (catalog downloads leave vae_encoder/ out).
 */
async function createOptionalSession(
  options: LoadOptions,
  path: string,
  modelIndex: unknown,
): Promise<Ort.InferenceSession | null> {
  const component = path.slice(0, path.indexOf('/'));
  const listed = (modelIndex as Record<string, unknown> | null)?.[component];
  if (modelIndex !== null && (!Array.isArray(listed) || listed[0] === null)) return null;
  try {
    return await createSession(options, path);
  } catch (error) {
    if (error instanceof EngineError && error.code === 'model-missing-file') return null;
    throw error;
  }
}

/**
 * The VAE encoder (`vae_encoder/model.onnx`, input `sample` [b, 3, H, W] in [−1, 1]). diffusers'
 * ONNX export returns the posterior mean as `latent_sample` (c channels); an export of the full
 * `latent_dist` parameters returns 2c channels (mean, logvar), which the pipeline samples.
 */
function vaeEncoderOf(
  ort: OrtApi,
  session: Ort.InferenceSession,
  stats: RunStats,
  now: () => number,
  latentChannels: number,
): VaeEncoderModel {
  const input = tensorMeta(session, ['sample'], 'input');
  const output = tensorMeta(session, ['latent_sample', 'latent_parameters', 'latent_dist'], 'output');
  const run = timedRun(session, stats, now);
  return {
    async encode(image) {
      const result = await run({ [input.name]: floatTensor(ort, input.type, image) });
      const out = result[output.name];
      if (!out) throw new EngineError('model-unsupported', `The VAE encoder returned no ${output.name}.`);
      const value = await readFloat(out);
      out.dispose();
      const [b = 1, c = 0, h = 0, w = 0] = value.dims;
      if (c !== 2 * latentChannels) return { mean: value, logvar: null };
      const half = latentChannels * h * w;
      const mean = new Float32Array(b * half);
      const logvar = new Float32Array(b * half);
      for (let r = 0; r < b; r++) {
        mean.set(value.data.subarray(r * 2 * half, r * 2 * half + half), r * half);
        logvar.set(value.data.subarray(r * 2 * half + half, (r + 1) * 2 * half), r * half);
      }
      const dims = [b, latentChannels, h, w];
      return { mean: { data: mean, dims }, logvar: { data: logvar, dims } };
    },
  };
}

const numberOr = (value: unknown, fallback: number) =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;

/** Loads tokenizer, configs and the three sessions of a diffusers ONNX folder. */
export async function loadOrtModel(options: LoadOptions): Promise<LoadedModel> {
  const { source } = options;
  const [schedulerJson, tokenizerJson, tokenizerConfig, vaeConfig, unetConfig, latentRgbJson, modelIndex] =
    await Promise.all([
      readJson(source, 'scheduler/scheduler_config.json'),
      readJson(source, 'tokenizer/tokenizer.json'),
      readOptionalJson(source, 'tokenizer/tokenizer_config.json'),
      readOptionalJson(source, 'vae_decoder/config.json'),
      readOptionalJson(source, 'unet/config.json'),
      readOptionalJson(source, 'vae_decoder/latent_rgb.json'),
      readOptionalJson(source, 'model_index.json'),
    ]);
  let schedulerConfig;
  try {
    schedulerConfig = parseSchedulerConfig(schedulerJson);
  } catch (error) {
    throw new EngineError(
      'model-corrupt',
      `scheduler/scheduler_config.json: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  let tokenizer: PromptTokenizer;
  try {
    tokenizer = await options.loadTokenizer({ tokenizerJson, tokenizerConfig: tokenizerConfig ?? {} });
  } catch (error) {
    throw new EngineError('model-corrupt', `tokenizer/: ${error instanceof Error ? error.message : String(error)}`);
  }
  const vae = (vaeConfig ?? {}) as Record<string, unknown>;
  const unetCfg = (unetConfig ?? {}) as Record<string, unknown>;
  const blockOut = Array.isArray(vae['block_out_channels']) ? vae['block_out_channels'].length : 4;
  const vaeFactor = numberOr(vae['vae_scale_factor'], 2 ** Math.max(0, blockOut - 1));

  const stats: RunStats = { sessionRunMs: 0, runs: 0 };
  // WebGPU sessions must be created one at a time (concurrent creation on one device fails in
  // onnxruntime-web 1.30); sequential on every backend.
  const textSession = await createSession(options, 'text_encoder/model.onnx');
  const unetSession = await createSession(options, 'unet/model.onnx');
  const vaeSession = await createSession(options, 'vae_decoder/model.onnx');
  // Optional: models without it generate from text only (the UI says why image input is off).
  const encoderSession = await createOptionalSession(options, 'vae_encoder/model.onnx', modelIndex);

  const configInChannels = typeof unetCfg['in_channels'] === 'number' ? unetCfg['in_channels'] : null;
  const binding = (await options.unetBinding?.()) ?? null;
  const unet = unetOf(options.ort, unetSession, stats, options.now, configInChannels, binding);
  const sampleShape = tensorMeta(unetSession, ['sample'], 'input').shape;
  const declaredSize = typeof sampleShape[2] === 'number' && sampleShape[2] > 0 ? sampleShape[2] : null;
  const sampleSize = numberOr(unetCfg['sample_size'], declaredSize ?? 64);
  const info: ModelInfo = {
    id: options.id,
    scalingFactor: numberOr(vae['scaling_factor'], 0.18215),
    vaeFactor,
    sampleSize,
    latentRgb: parseLatentRgbMap(latentRgbJson) ?? SD_LATENT_RGB,
  };
  const model: DiffusionModel = {
    info,
    tokenizer,
    textEncoder: textEncoderOf(options.ort, textSession, stats, options.now),
    unet,
    vaeDecoder: vaeDecoderOf(options.ort, vaeSession, stats, options.now),
    vaeEncoder: encoderSession
      ? vaeEncoderOf(options.ort, encoderSession, stats, options.now, unet.latentChannels)
      : null,
    schedulerConfig,
  };
  const defaultSampler = defaultSamplerFor(schedulerConfig);
  const summary: ModelSummary = {
    id: options.id,
    width: sampleSize * vaeFactor,
    height: sampleSize * vaeFactor,
    sizeMultiple: vaeFactor * 8,
    defaultSampler: SAMPLERS.some((s) => s.id === defaultSampler) ? defaultSampler : 'euler',
    maxTokens: 77,
    fixedSequence: unet.fixedSequenceLength !== null,
    vaeEncoder: encoderSession !== null,
    unetInChannels: unet.inChannels ?? unet.latentChannels,
  };
  return {
    model,
    summary,
    stats,
    async release() {
      binding?.release();
      await Promise.all([
        textSession.release(),
        unetSession.release(),
        vaeSession.release(),
        encoderSession?.release(),
      ]);
    },
  };
}
