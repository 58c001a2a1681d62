/**
 * Live mode's throughput in the real app: a scripted typist types into the prompt, a key every
 * 50 ms, with Live on, in Chromium (WASM backend by default) on the production build served by
 * `vite preview` (as `npm start` and the e2e specs serve it). It counts the Live images rendered
 * while typing and checks that the last one is for the final text. It prints figures and asserts
 * nothing.
 *
 *   npx tsx scripts/bench-live.ts [--rounds 3] [--gap 50] [--backend wasm|webgpu] [--url http://…]
 *
 * `measureLiveImagesPerSecond` is what `npm run bench` (scripts/bench.ts) calls for its one-line
 * JSON (`live_images_per_s`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser, Page } from '@playwright/test';
import { chromiumLaunchOptions } from '../tests/support/chromium.ts';

export interface LiveBenchOptions {
  /** A server already serving the built app; default: build into .e2e-dist/ and `vite preview` it. */
  baseUrl?: string;
  /** An open Chromium to use (default: launch one with the e2e launch options, closed at the end). */
  browser?: Browser;
  backend?: 'wasm' | 'webgpu';
  /** Milliseconds between keys (default 50). */
  keyGapMs?: number;
  /** What the typist types, from an empty prompt, once per round. */
  text?: string;
  /** Typing rounds (the figure is over all of them); default 3. */
  rounds?: number;
  /** Seed in the form (default '7'). */
  seed?: string;
  /** Preview port when this function serves the build (default 4398). */
  port?: number;
}

export interface LiveBenchRound {
  /** From the first key to the last. */
  typingMs: number;
  /** Live images that arrived between the first key and the last. */
  imagesWhileTyping: number;
  /** From the last key until the image for the final text was shown. */
  finalLatencyMs: number;
  /** The last Live image is for the text as typed (its recorded prompt). */
  finalMatches: boolean;
}

export interface LiveBenchResult {
  /** Σ images while typing ÷ Σ typing time, all rounds: the `live_images_per_s` figure. */
  liveImagesPerSecond: number;
  /** Median ms between consecutive Live images while typing. */
  medianIntervalMs: number;
  /** Every round's last image was for its final text. */
  finalMatches: boolean;
  rounds: LiveBenchRound[];
  /** The studio's status line (backend, threads) as the page showed it. */
  status: string;
  /** The model Live rendered with, as the Live panel names it. */
  liveModel: string;
}

const DEFAULT_TEXT = 'a big red circle on a blue background';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * Builds the app into its own folder and serves it with `vite preview` (what `npm start` serves);
 * resolves once it answers, with a stop function. `npm run bench` serves its browser runs the same way.
 */
export async function serveBuild(port: number, name = 'bench-live'): Promise<{ url: string; stop: () => void }> {
  const outDir = `.e2e-dist/${name}-${process.pid}`;
  execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
  const server = spawn(
    'npx',
    ['vite', 'preview', '--outDir', outDir, '--strictPort', '--port', String(port), '--host', '127.0.0.1'],
    { stdio: 'ignore', detached: true },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    if (server.pid) process.kill(-server.pid);
    rmSync(outDir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  stop();
  throw new Error(`vite preview did not answer on ${url}`);
}

/**
 * In the page: records the time and prompt of every Live image (the panel's data-rendered), once
 * per page; each round reads the events after its first key.
 * Source text, not a function: tsx names inner functions with a helper the page does not have.
 */
const RECORDER = `(() => {
  if (window.__live) return;
  window.__live = [];
  let last = -1;
  function read() {
    const panel = document.querySelector('section[aria-label="Live"]');
    const n = Number(panel ? panel.dataset.rendered : -1);
    if (panel && n !== last) {
      last = n;
      window.__live.push({ at: performance.now(), prompt: panel.dataset.prompt || '', n });
    }
  }
  new MutationObserver(read).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['data-rendered'],
  });
  read();
})()`;

const installRecorder = (page: Page) => page.evaluate(RECORDER);

const recorded = (page: Page) =>
  page.evaluate(() => (window as unknown as { __live: { at: number; prompt: string; n: number }[] }).__live);

/** Types `text` into the focused prompt, one key every `gapMs` (by the page's clock), in the page. */
async function typeInPage(page: Page, text: string, gapMs: number): Promise<{ start: number; end: number }> {
  const prompt = page.getByLabel('Prompt', { exact: true });
  await prompt.focus();
  const start = await page.evaluate(() => performance.now());
  // Real key events from Playwright; each waits for the page's clock to reach its slot, so the
  // round-trip time does not slow the typist down.
  for (let i = 0; i < text.length; i++) {
    await page.evaluate(
      (until) => new Promise((r) => setTimeout(r, Math.max(0, until - performance.now()))),
      start + i * gapMs,
    );
    await page.keyboard.type(text[i] as string);
  }
  const end = await page.evaluate(() => performance.now());
  return { start, end };
}

export async function measureLiveImagesPerSecond(options: LiveBenchOptions = {}): Promise<LiveBenchResult> {
  const gap = options.keyGapMs ?? 50;
  const text = options.text ?? DEFAULT_TEXT;
  const rounds = options.rounds ?? 3;
  const served = options.baseUrl ? null : await serveBuild(options.port ?? 4398);
  const baseUrl = (options.baseUrl ?? (served as { url: string }).url).replace(/\/+$/, '');
  const { chromium } = await import('@playwright/test');
  const browser = options.browser ?? (await chromium.launch(chromiumLaunchOptions));
  const page = await browser.newPage();
  try {
    await page.goto(`${baseUrl}/?backend=${options.backend ?? 'wasm'}`);
    await page.waitForSelector('[aria-label="Engine status"][data-phase="ready"]', { timeout: 180_000 });
    const status = (await page.textContent('[aria-label="Engine status"]')) ?? '';
    await page.getByLabel('Seed', { exact: true }).fill(options.seed ?? '7');
    const prompt = page.getByLabel('Prompt', { exact: true });
    await prompt.fill('warm up');
    const live = page.getByLabel('Live: render as you type');
    if (!(await live.isChecked())) await live.check();
    // Warm: the first Live render loads the few-step model in the worker.
    await page.waitForSelector('section[aria-label="Live"][data-prompt="warm up"]', { timeout: 180_000 });
    const liveModel = (await page.textContent('section[aria-label="Live"] .live-meta'))?.split(' · ')[0] ?? '';
    const results: LiveBenchRound[] = [];
    const intervals: number[] = [];
    // One unmeasured round first: the first renders of new text still pay one-off costs
    // (kernel set-up for new shapes, JIT), which are not what a person typing sees for long.
    await prompt.fill('');
    await typeInPage(page, 'a small green square', gap);
    for (let r = 0; r < rounds; r++) {
      await prompt.fill('');
      await page.waitForSelector('section[aria-label="Live"][data-prompt=""]', { timeout: 60_000 });
      await installRecorder(page);
      const { start, end } = await typeInPage(page, text, gap);
      await page.waitForFunction(
        (t) => document.querySelector<HTMLElement>('section[aria-label="Live"]')?.dataset['prompt'] === t,
        text,
        { timeout: 60_000, polling: 5 },
      );
      const events = (await recorded(page)).filter((e) => e.at > start);
      const during = events.filter((e) => e.at <= end);
      for (let i = 1; i < during.length; i++) intervals.push((during[i]?.at ?? 0) - (during[i - 1]?.at ?? 0));
      const final = events.find((e) => e.prompt === text);
      results.push({
        typingMs: end - start,
        imagesWhileTyping: during.length,
        finalLatencyMs: final ? final.at - end : NaN,
        finalMatches: events.at(-1)?.prompt === text,
      });
    }
    const images = results.reduce((n, x) => n + x.imagesWhileTyping, 0);
    const ms = results.reduce((n, x) => n + x.typingMs, 0);
    return {
      liveImagesPerSecond: images / (ms / 1000),
      medianIntervalMs: median(intervals),
      finalMatches: results.every((x) => x.finalMatches),
      rounds: results,
      status,
      liveModel,
    };
  } finally {
    await page.close();
    if (!options.browser) await browser.close();
    served?.stop();
  }
}

/**
 * The entry scripts/bench.ts calls (speed branch): the same measurement in its browser and on its
 * server, 1 round when `quick`; returns images per second.
 */
export async function benchLive(options: { browser: Browser; baseUrl: string; quick?: boolean }): Promise<{
  imagesPerSecond: number;
  result: LiveBenchResult;
}> {
  const result = await measureLiveImagesPerSecond({
    browser: options.browser,
    baseUrl: options.baseUrl,
    rounds: options.quick ? 1 : 3,
  });
  return { imagesPerSecond: result.liveImagesPerSecond, result };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      gap: { type: 'string', default: '50' },
      backend: { type: 'string', default: 'wasm' },
      url: { type: 'string' },
      text: { type: 'string' },
    },
  });
  const result = await measureLiveImagesPerSecond({
    rounds: Number(values.rounds),
    keyGapMs: Number(values.gap),
    backend: values.backend === 'webgpu' ? 'webgpu' : 'wasm',
    ...(values.url ? { baseUrl: values.url } : {}),
    ...(values.text ? { text: values.text } : {}),
  });
  console.log(
    `Live mode, ${values.backend}, a key every ${values.gap} ms — ${result.status}; Live model ${result.liveModel}`,
  );
  for (const [i, r] of result.rounds.entries()) {
    console.log(
      `round ${i + 1}: ${r.imagesWhileTyping} images in ${r.typingMs.toFixed(0)} ms of typing; final text shown ${r.finalLatencyMs.toFixed(0)} ms after the last key; last image is the final text: ${r.finalMatches}`,
    );
  }
  console.log(
    `live_images_per_s ${result.liveImagesPerSecond.toFixed(2)} (median ${result.medianIntervalMs.toFixed(1)} ms between images); final text matches: ${result.finalMatches}`,
  );
}
