/**
 * The browser half of `npm run bench:scale` (never in `npm test`): an SD 1.5 replica through the
 * real app on WASM — downloaded into OPFS by the model manager, loaded, one step generated — with
 * the tab's memory sampled throughout (the resident memory of every Chromium process this run
 * started, so it over-counts shared pages: an upper bound) and set against the model's file
 * sizes. The replica is the scale-0.5 SD 1.5 (fp16, 256×256), the largest that fits WebAssembly's
 * 4 GB heap with room to run: the full-size one is refused before download (see the e2e spec
 * tests/e2e/replica-models.spec.ts), as the measured Node figures say it must be.
 * Prints figures, asserts only that the run happened.
 */
import { readdirSync, readFileSync, symlinkSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { ensureReplica, replicaCatalogEntry } from '../support/replicas.ts';
import { startTestServer } from '../support/test-server.ts';
import { setSlider } from '../e2e/studio.ts';

/** Resident bytes of every process descended from this worker (the Chromium it launched). */
function browserResident(): number {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      parent.set(pid, Number(/PPid:\s+(\d+)/.exec(status)?.[1] ?? 0));
      rss.set(pid, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024);
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    for (let p = parent.get(pid); p; p = parent.get(p)) {
      if (p === process.pid) {
        total += bytes;
        break;
      }
    }
  }
  return total;
}

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;

test('SD 1.5 replica (scale 0.5, fp16) on WASM: OPFS download, load and one step, with the tab memory', async ({
  page,
}) => {
  test.setTimeout(1_800_000);
  const { dir, info } = ensureReplica({ arch: 'sd15', dtype: 'fp16', scale: 0.5, sampleSize: 32 });
  const root = mkdtempSync(join(tmpdir(), 'ls-bench-scale-'));
  symlinkSync(dir, join(root, 'sd15-half'));
  const entry = replicaCatalogEntry(info, 'replica/sd15-half', 'sd15-half/');
  writeFileSync(join(root, 'catalog.json'), JSON.stringify({ version: 1, models: [entry] }));
  const server = await startTestServer({ root });
  const files = info.files.reduce((n, f) => n + f.size, 0);
  let peak = 0;
  let phase = 'start';
  const peaks: Record<string, number> = {};
  const timer = setInterval(() => {
    const now = browserResident();
    peak = Math.max(peak, now);
    peaks[phase] = Math.max(peaks[phase] ?? 0, now);
  }, 200);
  try {
    await page.goto(`/?backend=wasm&catalog=${encodeURIComponent(`${server.url}catalog.json`)}`);
    const status = page.getByRole('status', { name: 'Engine status' });
    await expect(status).toHaveAttribute('data-phase', 'ready', { timeout: 180_000 });
    const idle = browserResident();
    const model = page.getByRole('region', { name: 'Models' }).getByRole('article', { name: entry['name'] as string });
    phase = 'download';
    let t0 = Date.now();
    await model.getByRole('button', { name: 'Download' }).click();
    await expect(model).toHaveAttribute('data-state', 'stored', { timeout: 900_000 });
    const downloadS = (Date.now() - t0) / 1000;
    phase = 'load';
    t0 = Date.now();
    await model.getByRole('button', { name: 'Use' }).click();
    await expect(status).toContainText('replica/sd15-half', { timeout: 900_000 });
    await expect(status).toHaveAttribute('data-phase', 'ready', { timeout: 900_000 });
    const loadS = (Date.now() - t0) / 1000;
    phase = 'generate';
    await setSlider(page, 'Steps', 1);
    t0 = Date.now();
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect(page.getByRole('region', { name: 'Gallery' }).locator('figure').first()).toBeVisible({
      timeout: 1_200_000,
    });
    const generateS = (Date.now() - t0) / 1000;
    const figures = {
      bench: 'scale-browser-wasm',
      files_bytes: files,
      idle_tab_bytes: idle,
      download_s: downloadS,
      load_s: loadS,
      generate_1_step_cfg_s: generateS,
      peak_tab_bytes: peak,
      peak_by_phase: peaks,
    };
    console.log(`files ${gib(files)}; tab idle ${gib(idle)}`);
    console.log(`download into OPFS ${downloadS.toFixed(1)} s (tab peak ${gib(peaks['download'] ?? 0)})`);
    console.log(
      `load ${loadS.toFixed(1)} s (tab peak ${gib(peaks['load'] ?? 0)}, ${(((peaks['load'] ?? 0) - idle) / files).toFixed(2)}× the files above idle)`,
    );
    console.log(
      `generate 256×256, 1 step with CFG: ${generateS.toFixed(1)} s (tab peak ${gib(peaks['generate'] ?? 0)})`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    clearInterval(timer);
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
});
