/**
 * `npm run bench` — prints per-phase timings for a fixed prompt, seed and step count, in Node
 * (onnxruntime-node) and in Chromium (WASM and WebGPU through the real app), plus the ratio
 * total ÷ Σ session.run (how much the pipeline adds around the model calls). It also times the
 * pure pieces the issues budget: one scheduler step and randn on 4×64×64 latents.
 * And the parsers that read user text (scripts/bench-parsers.ts): each at N and 8·N characters.
 * It prints figures; it asserts nothing. Options: --steps N --cfg X --runs N --model DIR --skip-browser
 * --browser-steps N --only parsers (just the parser figures, a few seconds).
 * The 4-step model: `npm run bench -- --model models/tiny-shapes-turbo --steps 4 --cfg 1 --skip-browser`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromiumLaunchOptions } from '../tests/support/chromium.ts';
import { TorchGenerator } from '../src/math/torch-generator.ts';
import { txt2img } from '../src/pipeline/txt2img.ts';
import type { PhaseTimings } from '../src/protocol/messages.ts';
import { loadNodeModel } from '../src/runtime/node/ort-node.ts';
import { createScheduler, parseSchedulerConfig, SAMPLERS } from '../src/schedulers/index.ts';
import { benchParsers } from './bench-parsers.ts';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    cfg: { type: 'string', default: '7' },
    runs: { type: 'string', default: '10' },
    model: { type: 'string', default: 'models/tiny-shapes' },
    'skip-browser': { type: 'boolean', default: false },
    'browser-steps': { type: 'string', default: '2' },
    only: { type: 'string' },
  },
});
const steps = Number(values.steps);
const runs = Number(values.runs);
const PROMPT = 'a big red circle on a blue background';
const SEED = '42';
const CFG = Number(values.cfg);

const ms = (x: number) => `${x.toFixed(2)} ms`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

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

async function benchBrowser() {
  const browserSteps = Number(values['browser-steps']);
  console.log(`\n## Chromium (the real app via vite preview), ${browserSteps} steps, CFG ${CFG}`);
  const { chromium } = await import('@playwright/test');
  const port = 4399;
  // Its own production build, so the bench measures what `npm start` serves.
  const outDir = `.e2e-dist/bench-${process.pid}`;
  execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
  const server = spawn(
    'npx',
    ['vite', 'preview', '--outDir', outDir, '--strictPort', '--port', String(port), '--host', '127.0.0.1'],
    { stdio: 'ignore', detached: true },
  );
  try {
    await new Promise((r) => setTimeout(r, 2500));
    const browser = await chromium.launch(chromiumLaunchOptions);
    for (const backend of ['wasm', 'webgpu'] as const) {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/?backend=${backend}`);
      await page.waitForSelector('[aria-label="Engine status"][data-phase="ready"]', { timeout: 120_000 });
      const status = await page.textContent('[aria-label="Engine status"]');
      const timings: PhaseTimings[] = [];
      const reps = backend === 'webgpu' ? 2 : 4;
      for (let r = 0; r < reps; r++) {
        await page.fill('[aria-label="Steps value"]', String(browserSteps));
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
      await page.close();
    }
    await browser.close();
  } finally {
    if (server.pid) process.kill(-server.pid);
    rmSync(outDir, { recursive: true, force: true });
  }
}

benchParsers();
if (values.only === 'parsers') process.exit(0);
benchPure();
await benchNode();
if (!values['skip-browser']) {
  await benchBrowser().catch((error: unknown) => console.log(`browser bench failed: ${String(error)}`));
}
