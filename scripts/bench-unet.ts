/**
 * The U-Net alone, call by call: the same graph and the same feeds (batch 2 = one CFG step), timed
 * in Node (onnxruntime-node) and in Chromium (onnxruntime-web on a bare page, no app around it)
 * with a choice of ORT build, thread count, session options and WebGPU I/O. `npm run bench` uses
 * it for the per-step U-Net figures (the embedded model and the scale-0.25 replicas); run alone
 * (`npx tsx scripts/bench-unet.ts`) it prints the matrix that chose the app's WASM build and thread
 * rule (src/runtime/web/ort-build.ts); `--webgpu` the WebGPU I/O variants (src/runtime/web/gpu-binding.ts);
 * `--compare DIR` interleaved rounds (`--rounds N`) of this U-Net against a rewritten one (tools/onnx-opt);
 * `--op-classes` each operator class of the graph alone (tools/onnx-opt/op_classes.py), Node against WASM.
 * Figures are warm medians of N calls in one process; nothing is asserted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { startTestServer } from '../tests/support/test-server.ts';

export interface UnetCase {
  /** onnxruntime-web entry: `wasm` = plain SIMD-threaded build, `webgpu` = the asyncify build. */
  build: 'wasm' | 'webgpu';
  /** Execution provider inside that build. */
  ep: 'wasm' | 'webgpu';
  threads: number;
  /** Pin the graph's free dimensions to the fed shapes (ORT freeDimensionOverrides). */
  staticShapes?: boolean;
  /** Other session options to try (e.g. executionMode, enableMemPattern). */
  sessionOptions?: Record<string, unknown>;
  /**
   * WebGPU I/O: CPU tensors in and out; the output left in a GPU buffer; inputs in GPU buffers
   * too (made once, the sample rewritten per call, the output bound to one reused buffer); or that
   * plus graph capture.
   */
  io?: 'cpu' | 'gpu-output' | 'gpu-inputs' | 'capture';
  label?: string;
}

export interface UnetFigures {
  label: string;
  medianMs: number;
  p90Ms: number;
  /** Median of the session.run part alone (the rest: read-back). */
  runMedianMs?: number;
  isolated?: boolean;
  /** The first values of the output (to compare variants). */
  firstOut?: number[];
}

/** One input of the U-Net, as fed: name, ORT type, dims, and free dimension values. */
export interface FeedPlan {
  inputs: { name: string; type: string; dims: number[] }[];
  outputName: string;
  /** Values for the graph's symbolic dimensions (freeDimensionOverrides). */
  free: Record<string, number>;
  /** External data files next to the graph (e.g. weights.pb). */
  externalData: string[];
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? NaN;
};

/**
 * The feeds for one U-Net call at `latent`² latents and `batch` rows (77 tokens), from the graph's
 * own declared inputs (read with onnxruntime-node), so replicas (fp16, 9-channel inpainting,
 * int64 timesteps) get the right types.
 */
export async function unetFeedPlan(modelDir: string, latent: number, batch: number): Promise<FeedPlan> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(join(modelDir, 'unet/model.onnx'));
  // A dynamic channel dim (inpainting exports) comes from unet/config.json's in_channels.
  const configPath = join(modelDir, 'unet/config.json');
  const config = existsSync(configPath)
    ? (JSON.parse(readFileSync(configPath, 'utf8')) as { in_channels?: unknown })
    : {};
  const inChannels = typeof config.in_channels === 'number' ? config.in_channels : 4;
  const free: Record<string, number> = {};
  const dim = (d: number | string | undefined, value: number) => {
    if (typeof d === 'number' && d > 0) return d;
    if (typeof d === 'string') free[d] = value;
    return value;
  };
  const inputs: FeedPlan['inputs'] = [];
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) continue;
    const s = meta.shape;
    let dims: number[];
    if (meta.name === 'sample') dims = [dim(s[0], batch), dim(s[1], inChannels), dim(s[2], latent), dim(s[3], latent)];
    else if (meta.name === 'timestep') dims = s.length === 0 ? [] : [dim(s[0], batch)];
    else dims = [dim(s[0], batch), dim(s[1], 77), dim(s[2], 768)];
    inputs.push({ name: meta.name, type: meta.type, dims });
  }
  const outputName = session.outputNames[0] ?? 'out_sample';
  await session.release();
  const externalData = ['weights.pb', 'model.onnx_data'].filter((f) => existsSync(join(modelDir, 'unet', f)));
  return { inputs, outputName, free, externalData };
}

/** Deterministic feed values (the same in Node and in the page). Timesteps are 500. */
function feedValues(type: string, n: number, name: string): Float32Array | Uint16Array | BigInt64Array | Int32Array {
  const v = (i: number) => (name === 'timestep' ? 500 : Math.sin(i * 0.37) * 0.9);
  switch (type) {
    case 'int64':
      return BigInt64Array.from({ length: n }, (_, i) => BigInt(Math.round(v(i))));
    case 'int32':
      return Int32Array.from({ length: n }, (_, i) => Math.round(v(i)));
    case 'float16': {
      // Half-precision bits of v(i) (normal numbers only: enough for timing).
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      return Uint16Array.from({ length: n }, (_, i) => {
        f[0] = v(i);
        const x = u[0] as number;
        const sign = (x >>> 16) & 0x8000;
        const exp = ((x >>> 23) & 0xff) - 127 + 15;
        if (exp <= 0) return sign;
        return sign | (Math.min(exp, 30) << 10) | ((x >>> 13) & 0x3ff);
      });
    }
    default:
      return Float32Array.from({ length: n }, (_, i) => v(i));
  }
}

export async function benchUnetNode(
  modelDir: string,
  plan: FeedPlan,
  calls: number,
  threads = 2,
  warmup = 3,
  level: 'disabled' | 'basic' | 'extended' | 'all' = 'all',
): Promise<UnetFigures> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(join(modelDir, 'unet/model.onnx'), {
    intraOpNumThreads: threads,
    graphOptimizationLevel: level,
  });
  const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
  for (const input of plan.inputs) {
    const n = input.dims.reduce((a, b) => a * b, 1);
    feeds[input.name] = new ort.Tensor(
      input.type as 'float32',
      feedValues(input.type, n, input.name) as Float32Array,
      input.dims,
    );
  }
  const times: number[] = [];
  for (let i = 0; i < calls + warmup; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    if (i >= warmup) times.push(performance.now() - t0);
  }
  await session.release();
  return { label: `node ${threads}t`, medianMs: quantile(times, 0.5), p90Ms: quantile(times, 0.9) };
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>unet bench</title><script type="module">
const align = (n) => Math.ceil(n / 16) * 16;
window.benchUnet = async ({ build, ep, threads, staticShapes, sessionOptions, io, calls, warmup, plan, values }) => {
  const ort = await import(build === 'wasm' ? '/ort/ort.wasm.min.mjs' : '/ort/ort.webgpu.min.mjs');
  ort.env.wasm.numThreads = threads;
  const get = async (path) => new Uint8Array(await (await fetch(path)).arrayBuffer());
  const bytes = await get('/model/unet/model.onnx');
  const capture = io === 'capture';
  const options = { executionProviders: capture ? [{ name: ep }] : ep.split('+'), graphOptimizationLevel: 'all', ...sessionOptions };
  if (staticShapes || capture) options.freeDimensionOverrides = plan.free;
  if (io && io !== 'cpu') options.preferredOutputLocation = 'gpu-buffer';
  if (capture) options.enableGraphCapture = true;
  if (plan.externalData.length > 0) {
    options.externalData = [];
    for (const f of plan.externalData) options.externalData.push({ path: f, data: await get('/model/unet/' + f) });
  }
  const session = await ort.InferenceSession.create(bytes, options);
  const arrays = {};
  for (const input of plan.inputs) {
    const raw = values[input.name];
    arrays[input.name] = input.type === 'int64' ? BigInt64Array.from(raw, (x) => BigInt(x))
      : input.type === 'int32' ? Int32Array.from(raw) : input.type === 'float16' ? Uint16Array.from(raw) : Float32Array.from(raw);
  }
  const sampleInput = plan.inputs.find((i) => i.name === 'sample');
  const outDims = [sampleInput.dims[0], 4, sampleInput.dims[2], sampleInput.dims[3]];
  const times = [];
  const runTimes = [];
  let firstOut = null;
  if (io === 'gpu-inputs' || io === 'capture') {
    const device = await ort.env.webgpu.device;
    const U = GPUBufferUsage;
    const buffer = (data) => {
      const b = device.createBuffer({ size: align(data.byteLength), usage: U.STORAGE | U.COPY_SRC | U.COPY_DST });
      device.queue.writeBuffer(b, 0, data);
      return b;
    };
    const feeds = {};
    const buffers = {};
    for (const input of plan.inputs) {
      buffers[input.name] = buffer(arrays[input.name]);
      feeds[input.name] = ort.Tensor.fromGpuBuffer(buffers[input.name], { dataType: input.type, dims: input.dims });
    }
    const outBytes = arrays.sample.byteLength / (sampleInput.dims[1] / 4);
    const outBuf = device.createBuffer({ size: align(outBytes), usage: U.STORAGE | U.COPY_SRC | U.COPY_DST });
    const staging = device.createBuffer({ size: align(outBytes), usage: U.MAP_READ | U.COPY_DST });
    const fetches = { [plan.outputName]: ort.Tensor.fromGpuBuffer(outBuf, { dataType: sampleInput.type, dims: outDims }) };
    for (let i = 0; i < calls + warmup; i++) {
      const t0 = performance.now();
      device.queue.writeBuffer(buffers.sample, 0, arrays.sample);
      await session.run(feeds, fetches);
      const t1 = performance.now();
      const enc = device.createCommandEncoder();
      enc.copyBufferToBuffer(outBuf, 0, staging, 0, align(outBytes));
      device.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const out = new Float32Array(staging.getMappedRange().slice(0, outBytes));
      staging.unmap();
      firstOut ??= Array.from(out.slice(0, 8));
      if (i >= warmup) { times.push(performance.now() - t0); runTimes.push(t1 - t0); }
    }
  } else {
    const feeds = {};
    for (const input of plan.inputs) feeds[input.name] = new ort.Tensor(input.type, arrays[input.name], input.dims);
    for (let i = 0; i < calls + warmup; i++) {
      const t0 = performance.now();
      const out = await session.run(feeds);
      const t1 = performance.now();
      const tensor = out[plan.outputName];
      const data = await tensor.getData();
      if (tensor.location === 'gpu-buffer') tensor.dispose();
      firstOut ??= Array.from(data.slice(0, 8));
      if (i >= warmup) { times.push(performance.now() - t0); runTimes.push(t1 - t0); }
    }
  }
  await session.release();
  return { times, runTimes, isolated: crossOriginIsolated, firstOut };
};
window.benchReady = true;
</script>`;

/** Runs each case in a fresh page (a fresh wasm heap) of one Chromium, served cross-origin isolated. */
export async function benchUnetBrowser(
  browser: Browser,
  modelDir: string,
  plan: FeedPlan,
  calls: number,
  cases: readonly UnetCase[],
  warmup = 3,
): Promise<UnetFigures[]> {
  const root = mkdtempSync(join(tmpdir(), 'ls-bench-unet-'));
  const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
  symlinkSync(join(repo, 'node_modules/onnxruntime-web/dist'), join(root, 'ort'));
  symlinkSync(resolve(modelDir), join(root, 'model'));
  writeFileSync(join(root, 'index.html'), PAGE);
  const values: Record<string, number[]> = {};
  for (const input of plan.inputs) {
    const n = input.dims.reduce((a, b) => a * b, 1);
    values[input.name] = Array.from(feedValues(input.type, n, input.name), Number);
  }
  const server = await startTestServer({ root, isolation: true });
  const results: UnetFigures[] = [];
  try {
    for (const c of cases) {
      const label = c.label ?? `${c.build} build, ${c.ep} EP, ${c.threads}t${c.staticShapes ? ', static shapes' : ''}`;
      const page = await browser.newPage();
      try {
        await page.goto(`${server.url}index.html`);
        await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true);
        const args = {
          build: c.build,
          ep: c.ep,
          threads: c.threads,
          staticShapes: c.staticShapes === true,
          sessionOptions: c.sessionOptions ?? {},
          io: c.io ?? 'cpu',
          calls,
          warmup,
          plan,
          values,
        };
        const { times, runTimes, isolated, firstOut } = await page.evaluate(
          (a) =>
            (
              window as unknown as {
                benchUnet: (
                  x: typeof a,
                ) => Promise<{ times: number[]; runTimes: number[]; isolated: boolean; firstOut: number[] }>;
              }
            ).benchUnet(a),
          args,
        );
        results.push({
          label,
          medianMs: quantile(times, 0.5),
          p90Ms: quantile(times, 0.9),
          runMedianMs: quantile(runTimes, 0.5),
          isolated,
          firstOut,
        });
      } catch (error) {
        results.push({ label: `${label} failed: ${String(error).slice(0, 200)}`, medianMs: NaN, p90Ms: NaN });
      } finally {
        await page.close();
      }
    }
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}

export const formatUnet = (f: UnetFigures) =>
  `${f.label.padEnd(44)} median ${f.medianMs.toFixed(2)} ms  p90 ${f.p90Ms.toFixed(2)} ms` +
  (f.runMedianMs !== undefined && f.runMedianMs < f.medianMs * 0.95 ? `  (run() ${f.runMedianMs.toFixed(2)} ms)` : '') +
  (f.isolated === false ? ' (NOT isolated)' : '') +
  (f.firstOut
    ? `  out[0..2] ${f.firstOut
        .slice(0, 3)
        .map((v) => v.toFixed(5))
        .join(' ')}`
    : '');

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'models/tiny-shapes' },
      calls: { type: 'string', default: '60' },
      latent: { type: 'string', default: '8' },
      webgpu: { type: 'boolean', default: false },
      options: { type: 'boolean', default: false },
      // Another folder with the same U-Net rewritten (e.g. shapes folded): interleaved rounds of both.
      compare: { type: 'string' },
      // The U-Net split by operator class (tools/onnx-opt/op_classes.py), Node against WASM.
      'op-classes': { type: 'boolean', default: false },
      // How many interleaved rounds --compare runs.
      rounds: { type: 'string', default: '3' },
      // Interleaved rounds of the plain build at 1, 2, … threads (the thread-count rule's evidence).
      'thread-rounds': { type: 'string', default: '0' },
      'max-threads': { type: 'string', default: '2' },
    },
  });
  const model = values.model as string;
  const calls = Number(values.calls);
  const plan = await unetFeedPlan(model, Number(values.latent), 2);
  const { chromium } = await import('@playwright/test');
  const { chromiumLaunchOptions } = await import('../tests/support/chromium.ts');
  console.log(
    `U-Net ${model}, ${JSON.stringify(plan.inputs.map((i) => `${i.name} ${i.type}[${i.dims}]`))}, ${calls} warm calls`,
  );
  for (const t of [1, 2]) console.log(formatUnet(await benchUnetNode(model, plan, calls, t)));
  const browser = await chromium.launch(chromiumLaunchOptions);
  const rounds = Number(values['thread-rounds']);
  let cases: UnetCase[] = [
    { build: 'wasm', ep: 'wasm', threads: 1 },
    { build: 'wasm', ep: 'wasm', threads: 2 },
    { build: 'webgpu', ep: 'wasm', threads: 1 },
    { build: 'webgpu', ep: 'wasm', threads: 2 },
  ];
  if (rounds > 0) {
    cases = [];
    for (let r = 0; r < rounds; r++)
      for (let t = 1; t <= Number(values['max-threads']); t++)
        cases.push({ build: 'wasm', ep: 'wasm', threads: t, label: `round ${r + 1}: wasm build, ${t}t` });
  }
  if (values.options) {
    // Session options on the app's WASM configuration (plain build, 1 thread).
    const base = { build: 'wasm', ep: 'wasm', threads: 1 } as const;
    cases = [
      { ...base, label: 'wasm 1t, defaults' },
      { ...base, staticShapes: true, label: 'wasm 1t, freeDimensionOverrides' },
      { ...base, sessionOptions: { enableMemPattern: false }, label: 'wasm 1t, enableMemPattern false' },
      { ...base, sessionOptions: { enableCpuMemArena: false }, label: 'wasm 1t, enableCpuMemArena false' },
      { ...base, sessionOptions: { graphOptimizationLevel: 'extended' }, label: 'wasm 1t, optimization extended' },
      { ...base, sessionOptions: { graphOptimizationLevel: 'basic' }, label: 'wasm 1t, optimization basic' },
      { ...base, label: 'wasm 1t, defaults (again)' },
    ];
  }
  if (values.webgpu) {
    // The WebGPU I/O variants instead (SwiftShader here: each call is most of a second).
    cases = (['cpu', 'gpu-output', 'gpu-inputs', 'capture'] as const).map((io) => ({
      build: 'webgpu',
      ep: 'webgpu',
      threads: 1,
      io,
      label: `webgpu EP, ${io}`,
    }));
  }
  if (values.compare) {
    const other = values.compare;
    const wasm = { build: 'wasm', ep: 'wasm', threads: 1 } as const;
    for (let r = 1; r <= Number(values.rounds); r++) {
      for (const [dir, name] of [
        [model, model],
        [other, other],
      ] as const) {
        const [n] = [await benchUnetNode(dir, plan, calls, 1)];
        if (n) console.log(formatUnet({ ...n, label: `round ${r}: ${name}: node 1t` }));
        for (const f of await benchUnetBrowser(browser, dir, plan, calls, [
          { ...wasm, label: `round ${r}: ${name}: wasm 1t` },
        ]))
          console.log(formatUnet(f));
      }
    }
    cases = [];
  }
  if (values['op-classes']) {
    // Each class of kernels alone, the optimiser off on both sides (nothing to fold or fuse).
    const { execFileSync } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'ls-op-classes-'));
    try {
      execFileSync('/usr/bin/python3', ['tools/onnx-opt/op_classes.py', join(model, 'unet/model.onnx'), dir], {
        stdio: 'inherit',
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      });
      const off = { graphOptimizationLevel: 'disabled' };
      for (let r = 1; r <= Number(values.rounds); r++) {
        for (const name of ['conv', 'matmul', 'elementwise', 'norm', 'layout', 'all']) {
          const sub = join(dir, name);
          const subPlan = await unetFeedPlan(sub, Number(values.latent), 2); // its own output name
          const n = await benchUnetNode(sub, subPlan, calls, 1, 3, 'disabled');
          const [w] = await benchUnetBrowser(browser, sub, subPlan, calls, [
            { build: 'wasm', ep: 'wasm', threads: 1, sessionOptions: off },
          ]);
          console.log(
            `round ${r}: ${name.padEnd(12)} node 1t ${n.medianMs.toFixed(3)} ms  wasm 1t ${(w?.medianMs ?? NaN).toFixed(3)} ms` +
              `  ratio ${((w?.medianMs ?? NaN) / n.medianMs).toFixed(2)}`,
          );
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    cases = [];
  }
  for (const f of await benchUnetBrowser(browser, model, plan, calls, cases)) console.log(formatUnet(f));
  await browser.close();
}
