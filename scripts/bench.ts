/**
 * `npm run bench` — prints per-phase timings for a fixed prompt, seed and step count, in Node
 * (onnxruntime-node) and in Chromium (WASM and WebGPU through the real app), plus the ratio
 * total ÷ Σ session.run (how much the pipeline adds around the model calls). It also times the
 * pure pieces the issues budget: one scheduler step and randn on 4×64×64 latents.
 * And the parsers that read user text (scripts/bench-parsers.ts): each at N and 8·N characters.
 * Then the U-Net alone per call (scripts/bench-unet.ts): the embedded model and the scale-0.25 SD
 * replicas (tests/support/replicas.ts, cached in .cache/replicas), Node against Chromium WASM.
 * It prints figures; it asserts nothing. Its last line is one JSON object (see README, Speed):
 * wasm_over_native, live_images_per_s, overhead_wasm, overhead_webgpu, replicas.
 * Options: --steps N --cfg X --runs N --model DIR --skip-browser --browser-steps N
 * --quick (fewer runs and calls: a few minutes here) --skip-replicas
 * --only parsers (just the parser figures, a few seconds).
 * The 4-step model: `npm run bench -- --model models/tiny-shapes-turbo --steps 4 --cfg 1 --skip-browser`.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { chromiumLaunchOptions } from '../tests/support/chromium.ts';
import { TorchGenerator } from '../src/math/torch-generator.ts';
import { txt2img } from '../src/pipeline/txt2img.ts';
import type { PhaseTimings } from '../src/protocol/messages.ts';
import { loadNodeModel } from '../src/runtime/node/ort-node.ts';
import { wasmThreadCount } from '../src/runtime/web/ort-build.ts';
import { createScheduler, parseSchedulerConfig, SAMPLERS } from '../src/schedulers/index.ts';
import { ensureReplica, type ReplicaArch } from '../tests/support/replicas.ts';
import { benchLive, serveBuild } from './bench-live.ts';
import { benchParsers } from './bench-parsers.ts';
import { benchUnetBrowser, benchUnetNode, formatUnet, unetFeedPlan } from './bench-unet.ts';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    cfg: { type: 'string', default: '7' },
    runs: { type: 'string', default: '10' },
    model: { type: 'string', default: 'models/tiny-shapes' },
    'skip-browser': { type: 'boolean', default: false },
    'browser-steps': { type: 'string', default: '2' },
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'skip-replicas': { type: 'boolean', default: false },
  },
});
const quick = values.quick === true;
const steps = quick ? Math.min(Number(values.steps), 8) : Number(values.steps);
const runs = quick ? Math.min(Number(values.runs), 3) : Number(values.runs);
const PROMPT = 'a big red circle on a blue background';
const SEED = '42';
const CFG = Number(values.cfg);

const ms = (x: number) => `${x.toFixed(2)} ms`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return NaN;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const round = (x: number, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);
/** Per-step U-Net time of a run (median of its steps). */
const unetStep = (t: PhaseTimings | undefined) => (t ? median(t.unetMs) : NaN);
/**
 * total ÷ Σ model calls. A U-Net call is timed until its output is on the host (on WebGPU, run()
 * returns before the GPU is done); the text encoder and VAE return host tensors from run().
 */
const overhead = (t: PhaseTimings) => t.totalMs / t.sessionRunMs;

function printTimings(label: string, t: PhaseTimings) {
  const unet = t.unetMs.reduce((a, b) => a + b, 0);
  console.log(
    `${label.padEnd(22)} tokenize ${ms(t.tokenizeMs)} | text encoder ${ms(t.textEncoderMs)} | U-Net ${ms(unet / Math.max(1, t.unetMs.length))}/step ×${t.unetMs.length} | scheduler ${ms(t.schedulerMs)} | VAE ${ms(t.vaeMs)} | total ${ms(t.totalMs)} | total/Σrun ${(t.totalMs / t.sessionRunMs).toFixed(3)}`,
  );
}

async function benchNode() {
  console.log(`\n## Node (onnxruntime-node), ${steps} Euler steps, CFG ${CFG}, ${runs} runs (median total)`);
  const loaded = await loadNodeModel(values.model as string);
  const results: PhaseTimings[] = [];
  for (let r = 0; r < runs + 1; r++) {
    const before = loaded.stats.sessionRunMs;
    await txt2img(
      loaded.model,
      { prompt: PROMPT, negativePrompt: '', seeds: [SEED], steps, cfg: CFG, sampler: 'euler', width: 64, height: 64 },
      {
        clock: () => performance.now(),
        onImage: (image) => results.push({ ...image.timings, sessionRunMs: loaded.stats.sessionRunMs - before }),
      },
    );
  }
  const warm = results.slice(1);
  const byTotal = [...warm].sort((a, b) => a.totalMs - b.totalMs);
  const mid = byTotal[Math.floor(byTotal.length / 2)];
  if (mid) printTimings('node median', mid);
  console.log(`node totals: min ${ms(byTotal[0]?.totalMs ?? NaN)}, median ${ms(median(warm.map((w) => w.totalMs)))}`);
  await loaded.release();
  // Per-step U-Net over every warm run's steps (the same batch-2 CFG call the browser makes).
  return { mid, unetStepMs: median(warm.flatMap((w) => w.unetMs)) };
}

function benchPure() {
  console.log('\n## Pure core on 4×64×64 latents (Node)');
  const shape = [1, 4, 64, 64];
  const reps = 200;
  let t0 = performance.now();
  for (let i = 0; i < reps; i++) new TorchGenerator(BigInt(i)).randn(shape);
  const randnMs = (performance.now() - t0) / reps;
  console.log(`randn 4×64×64: ${ms(randnMs)} per draw`);
  const config = parseSchedulerConfig({
    _class_name: 'EulerDiscreteScheduler',
    beta_schedule: 'scaled_linear',
    beta_start: 0.00085,
    beta_end: 0.012,
    steps_offset: 1,
    timestep_spacing: 'leading',
  });
  const sample = new TorchGenerator(1n).randn(shape);
  const eps = new TorchGenerator(2n).randn(shape);
  for (const { id, label } of SAMPLERS) {
    const scheduler = createScheduler(id, config);
    scheduler.setTimesteps(20);
    const generator = new TorchGenerator(3n);
    let x = sample;
    const times: number[] = [];
    for (const t of scheduler.timesteps) {
      t0 = performance.now();
      scheduler.scaleModelInput(x, t);
      x = scheduler.step(eps, t, x, generator);
      times.push(performance.now() - t0);
    }
    console.log(`${label.padEnd(16)} step (incl. scaleModelInput): median ${ms(median(times))}`);
  }
}

interface BrowserFigures {
  wasm?: PhaseTimings;
  webgpu?: PhaseTimings;
  /** The median per-step U-Net over the warm WASM runs. */
  wasmUnetStepMs: number;
  overhead: Partial<Record<'wasm' | 'webgpu', number>>;
  live: number | null;
}

async function benchBrowser(browser: Browser): Promise<BrowserFigures> {
  const figures: BrowserFigures = { wasmUnetStepMs: NaN, overhead: {}, live: null };
  const browserSteps = Number(values['browser-steps']);
  console.log(`\n## Chromium (the real app via vite preview): WASM ${steps} steps, WebGPU ${browserSteps}, app's CFG`);
  // Its own production build, so the bench measures what `npm start` serves.
  const served = await serveBuild(4399, 'bench');
  try {
    for (const backend of ['wasm', 'webgpu'] as const) {
      const page = await browser.newPage();
      await page.goto(`${served.url}/?backend=${backend}`);
      await page.waitForSelector('[aria-label="Engine status"][data-phase="ready"]', { timeout: 120_000 });
      const status = await page.textContent('[aria-label="Engine status"]');
      const timings: PhaseTimings[] = [];
      // WASM: 8 warm runs, so the overhead median holds against a shared machine's load.
      const reps = backend === 'webgpu' ? 2 : quick ? 3 : 9;
      for (let r = 0; r < reps; r++) {
        // WASM runs the Node step count (per-step figures compare like for like); SwiftShader's
        // WebGPU, most of a second per U-Net call here, a couple of steps.
        await page.fill('[aria-label="Steps value"]', String(backend === 'webgpu' ? browserSteps : steps));
        await page.getByLabel('Prompt', { exact: true }).fill(PROMPT);
        await page.getByLabel('Seed', { exact: true }).fill(SEED);
        await page.getByRole('button', { name: 'Generate' }).click();
        await page.waitForFunction(
          (n) => document.querySelectorAll('[aria-label="Gallery"] figure').length === n,
          r + 1,
          { timeout: 300_000 },
        );
        const raw = await page.getAttribute('[aria-label="Gallery"] figure', 'data-timings');
        timings.push(JSON.parse(raw ?? '{}'));
      }
      console.log(`${backend}: ${status}`);
      const last = timings.at(-1);
      if (last) printTimings(`${backend} (warm run)`, last);
      if (last) figures[backend] = last;
      // Median over the warm runs (the first one compiles kernels and warms caches).
      figures.overhead[backend] = median(timings.slice(1).map(overhead));
      if (backend === 'wasm') figures.wasmUnetStepMs = median(timings.slice(1).flatMap((t) => t.unetMs));
      await page.close();
    }
    figures.live = await benchLiveFigure(browser, `${served.url}/`);
  } finally {
    served.stop();
  }
  return figures;
}

/** Live mode's figure (issue #15 item 2): a scripted typist in the real app, served at baseUrl. */
async function benchLiveFigure(browser: Browser, baseUrl: string): Promise<number> {
  const { imagesPerSecond } = await benchLive({ browser, baseUrl, quick });
  console.log(`\nlive: ${imagesPerSecond.toFixed(2)} images per second`);
  return imagesPerSecond;
}

const REPLICAS: { arch: ReplicaArch; batch: number }[] = [
  { arch: 'sd15', batch: 2 },
  { arch: 'sd15-inpaint', batch: 2 },
  // SD-Turbo runs without CFG: one row per step.
  { arch: 'sd-turbo', batch: 1 },
];

/** The U-Net alone, per call: the embedded model, then each scale-0.25 replica at 32×32 latents. */
async function benchUnets(browser: Browser | null) {
  const calls = quick ? 20 : 60;
  console.log(
    `\n## U-Net alone (batch 2, 8×8 latents, ${calls} warm calls): Node 2 threads vs Chromium WASM as the app runs it`,
  );
  const plan = await unetFeedPlan(values.model as string, 8, 2);
  // The app's rule for this machine (the bench page is cross-origin isolated).
  const threads = wasmThreadCount({ cores: availableParallelism(), crossOriginIsolated: true });
  // Interleaved rounds (Node, Chromium, Node, …): on a machine shared with other work, the load
  // changes from minute to minute, and a ratio of figures taken minutes apart measures that.
  const nodeRuns: number[] = [];
  const nodeSameThreadRuns: number[] = [];
  const wasmRuns: number[] = [];
  for (let r = 0; r < 3; r++) {
    const n = await benchUnetNode(values.model as string, plan, calls, 2);
    n.label = `round ${r + 1}: node 2t`;
    console.log(formatUnet(n));
    nodeRuns.push(n.medianMs);
    // Node at the app's WASM thread count too: two threads suffer most when other work holds a core.
    const n1 = await benchUnetNode(values.model as string, plan, calls, threads);
    n1.label = `round ${r + 1}: node ${threads}t`;
    console.log(formatUnet(n1));
    nodeSameThreadRuns.push(n1.medianMs);
    if (!browser) continue;
    const [w] = await benchUnetBrowser(browser, values.model as string, plan, calls, [
      { build: 'wasm', ep: 'wasm', threads, label: `round ${r + 1}: chromium wasm build, ${threads}t` },
    ]);
    if (w) console.log(formatUnet(w));
    if (w && Number.isFinite(w.medianMs)) wasmRuns.push(w.medianMs);
  }
  const node = { medianMs: median(nodeRuns) };
  const wasm = wasmRuns.length > 0 ? { medianMs: median(wasmRuns) } : undefined;
  const ratios = wasmRuns.map((w, i) => w / (nodeRuns[i] as number));
  const sameThreadRatios = wasmRuns.map((w, i) => w / (nodeSameThreadRuns[i] as number));
  console.log(`U-Net alone, Chromium WASM ÷ Node per round: ${ratios.map((x) => x.toFixed(2)).join(', ')}`);
  const replicas: Record<string, { node_ms: number | null; wasm_ms: number | null; wasm_over_native: number | null }> =
    {};
  if (!values['skip-replicas']) {
    const replicaCalls = quick ? 2 : 5;
    const threads = wasmThreadCount({ cores: availableParallelism(), crossOriginIsolated: true });
    console.log(`\n## Scale-0.25 replicas (fp16, 32×32 latents = 256×256), U-Net per step, ${replicaCalls} warm calls`);
    for (const { arch, batch } of REPLICAS) {
      try {
        const { dir } = ensureReplica({ arch, dtype: 'fp16', scale: 0.25, sampleSize: 32 });
        const replicaPlan = await unetFeedPlan(dir, 32, batch);
        const n = await benchUnetNode(dir, replicaPlan, replicaCalls, 2, 1);
        n.label = `${arch} batch ${batch}: node 2t`;
        console.log(formatUnet(n));
        const [w] = browser
          ? await benchUnetBrowser(
              browser,
              dir,
              replicaPlan,
              replicaCalls,
              [{ build: 'wasm', ep: 'wasm', threads, label: `${arch} batch ${batch}: chromium wasm ${threads}t` }],
              1,
            )
          : [];
        if (w) console.log(formatUnet(w));
        replicas[`${arch}-fp16-s0.25`] = {
          node_ms: round(n.medianMs, 1),
          wasm_ms: w ? round(w.medianMs, 1) : null,
          wasm_over_native: w ? round(w.medianMs / n.medianMs, 2) : null,
        };
      } catch (error) {
        console.log(`${arch}: failed: ${String(error).slice(0, 300)}`);
      }
    }
  }
  return {
    nodeMs: node.medianMs,
    wasmMs: wasm?.medianMs ?? NaN,
    ratio: median(ratios),
    sameThreadRatio: median(sameThreadRatios),
    threads,
    replicas,
  };
}

const loadAtStart = loadavg()[0] ?? NaN;
benchParsers();
if (values.only === 'parsers') process.exit(0);
benchPure();
const node = await benchNode();
let browserFigures: BrowserFigures | null = null;
let browser: Browser | null = null;
if (!values['skip-browser']) {
  const { chromium } = await import('@playwright/test');
  browser = await chromium.launch(chromiumLaunchOptions);
  browserFigures = await benchBrowser(browser).catch((error: unknown) => {
    console.log(`browser bench failed: ${String(error)}`);
    return null;
  });
}
const unets = await benchUnets(browser);
await browser?.close();

// The one line (README, Speed): every figure from this run, on the same model.
const summary = {
  model: values.model,
  quick,
  // The machine's 1-minute load average at the start and the end (other work shares these cores).
  load_avg: [round(loadAtStart, 2), round(loadavg()[0] ?? NaN, 2)],
  // U-Net per call (batch 2 = one CFG step, 8×8 latents = 64×64): Chromium WASM (the app's build
  // and threads, on a bare page) ÷ Node (onnxruntime-node, 2 threads); median of interleaved rounds.
  wasm_over_native: round(unets.ratio, 2),
  unet_alone_ms: { node: round(unets.nodeMs, 2), wasm: round(unets.wasmMs, 2) },
  // The same against Node at the app's WASM thread count (1 on 2 cores): less exposed to the load.
  wasm_over_native_same_threads: round(unets.sameThreadRatio, 2),
  wasm_threads: unets.threads,
  // The same step through the app's pipeline (worker, feeds, read-back), Node and Chromium runs
  // taken minutes apart: more exposed to the machine's changing load.
  wasm_over_native_pipeline: round((browserFigures?.wasmUnetStepMs ?? NaN) / node.unetStepMs, 2),
  unet_step_ms: {
    node: round(node.unetStepMs, 2),
    wasm: round(browserFigures?.wasmUnetStepMs ?? NaN, 2),
    webgpu: round(unetStep(browserFigures?.webgpu), 1),
  },
  live_images_per_s: browserFigures?.live ?? null,
  overhead_node: round(node.mid ? overhead(node.mid) : NaN),
  overhead_wasm: round(browserFigures?.overhead.wasm ?? NaN),
  overhead_webgpu: round(browserFigures?.overhead.webgpu ?? NaN),
  replicas: unets.replicas,
};
console.log(JSON.stringify(summary));
