/**
 * `npm run bench:scale` — the full-size SD 1.5 replica (tools/replica, random weights, the nmkd
 * fp16 layout) in Node through onnxruntime-node: load time and resident memory per session,
 * seconds per U-Net call at 512×512 with batch 2 (CFG), the text encoder (batch 2 × 77 tokens)
 * and the VAE decoder (one 64×64 latent → 512×512), and the process's peak memory. Builds the
 * replica into the ignored cache on first use (about 4 minutes and 7 GB here). Prints figures,
 * asserts nothing; not part of `npm test`. Then the browser half (tests/bench/scale-browser.spec.ts):
 * an SD 1.5 replica downloaded into OPFS and run on WASM through the app, with the tab's memory.
 *   Options: --model DIR (another diffusers ONNX folder), --dtype fp16|fp32, --calls N (U-Net calls),
 *   --skip-browser.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { toFloat16Bits } from '../src/math/float16.ts';
import { ensureReplica } from '../tests/support/replicas.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    dtype: { type: 'string', default: 'fp16' },
    calls: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    'skip-browser': { type: 'boolean', default: false },
  },
});

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
function memory() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

function feed(session: ort.InferenceSession, values: Record<string, { dims: number[]; fill: (i: number) => number }>) {
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) continue;
    const spec = values[meta.name];
    if (!spec) throw new Error(`no value for input ${meta.name}`);
    const n = spec.dims.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => spec.fill(i));
    switch (meta.type) {
      case 'float16':
        feeds[meta.name] = new ort.Tensor('float16', toFloat16Bits(data), spec.dims);
        break;
      case 'float32':
        feeds[meta.name] = new ort.Tensor('float32', data, spec.dims);
        break;
      case 'int32':
        feeds[meta.name] = new ort.Tensor('int32', Int32Array.from(data), spec.dims);
        break;
      case 'int64':
        feeds[meta.name] = new ort.Tensor(
          'int64',
          BigInt64Array.from(data, (v) => BigInt(Math.round(v))),
          spec.dims,
        );
        break;
      default:
        throw new Error(`input ${meta.name}: unsupported type ${meta.type}`);
    }
  }
  return feeds;
}

// A deterministic pseudo-normal fill (no RNG dependency): enough to exercise every kernel.
const wave = (i: number) => Math.sin(i * 12.9898) * 1.7;

async function main() {
  const dir =
    values.model ??
    ensureReplica({ arch: 'sd15', dtype: values.dtype as 'fp16' | 'fp32', scale: 1, sampleSize: 64 }).dir;
  const info = JSON.parse(readFileSync(join(dir, 'replica.json'), 'utf8')) as {
    counts?: Record<string, number>;
    files: { path: string; size: number }[];
  };
  const bytes = info.files.reduce((n, f) => n + f.size, 0);
  console.log(`## SD 1.5 replica in Node (onnxruntime-node ${ort.env.versions.node}), ${dir}`);
  console.log(`files ${gib(bytes)} (${bytes.toLocaleString('en-US')} bytes)`);
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: Number(values.threads),
  };
  const start = memory();
  const sessions: Record<string, ort.InferenceSession> = {};
  const results: Record<string, number | string> = {};
  // Sessions load one at a time, as the app does; each from its path so ORT reads external data itself.
  for (const name of ['text_encoder', 'unet', 'vae_decoder']) {
    const before = memory();
    const t0 = performance.now();
    sessions[name] = await ort.InferenceSession.create(join(dir, name, 'model.onnx'), options);
    const after = memory();
    const file = info.files
      .filter((f) => f.path.startsWith(`${name}/`) && !f.path.endsWith('.json'))
      .reduce((n, f) => n + f.size, 0);
    results[`${name}_load_s`] = +((performance.now() - t0) / 1000).toFixed(1);
    results[`${name}_resident_bytes`] = after.rss - before.rss;
    console.log(
      `load ${name.padEnd(12)} ${results[`${name}_load_s`]} s, resident +${gib(after.rss - before.rss)} for ${gib(file)} of files (${((after.rss - before.rss) / file).toFixed(2)}×)`,
    );
  }
  console.log(`all three loaded: resident ${gib(memory().rss)} (process started at ${gib(start.rss)})`);

  const text = sessions['text_encoder'] as ort.InferenceSession;
  let t0 = performance.now();
  const encoded = await text.run(
    feed(text, { input_ids: { dims: [2, 77], fill: (i) => (i % 77 === 0 ? 49406 : 49407) } }),
  );
  results['text_encoder_s'] = +((performance.now() - t0) / 1000).toFixed(2);
  const hidden = encoded['last_hidden_state'] as ort.Tensor;
  console.log(`text encoder, batch 2 × 77 tokens: ${results['text_encoder_s']} s (dims ${hidden.dims.join('×')})`);

  const unet = sessions['unet'] as ort.InferenceSession;
  const calls: number[] = [];
  for (let c = 0; c < Number(values.calls); c++) {
    t0 = performance.now();
    const out = await unet.run(
      feed(unet, {
        sample: { dims: [2, 4, 64, 64], fill: wave },
        timestep: { dims: [2], fill: () => 999 - c * 40 },
        encoder_hidden_states: { dims: [2, 77, hidden.dims[2] ?? 768], fill: (i) => wave(i + 7) * 0.5 },
      }),
    );
    calls.push((performance.now() - t0) / 1000);
    const sample = out['out_sample'] as ort.Tensor;
    console.log(`U-Net call ${c + 1}, 512×512 batch 2 (CFG): ${calls[c]?.toFixed(1)} s (out ${sample.dims.join('×')})`);
  }
  results['unet_s_per_call'] = +(calls[calls.length - 1] ?? NaN).toFixed(1);

  const vae = sessions['vae_decoder'] as ort.InferenceSession;
  t0 = performance.now();
  const image = await vae.run(feed(vae, { latent_sample: { dims: [1, 4, 64, 64], fill: wave } }));
  results['vae_decoder_s'] = +((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    `VAE decoder, one 512×512 image: ${results['vae_decoder_s']} s (out ${(image['sample'] as ort.Tensor).dims.join('×')})`,
  );
  const end = memory();
  results['peak_rss_bytes'] = end.peak;
  console.log(`peak resident memory ${gib(end.peak)} (${(end.peak / bytes).toFixed(2)}× the files)`);
  for (const s of Object.values(sessions)) await s.release();
  console.log(JSON.stringify({ bench: 'scale-node', files_bytes: bytes, ...results }));
  if (!values['skip-browser']) {
    console.log('\n## SD 1.5 replica (scale 0.5) in Chromium on WASM, through the app');
    spawnSync(
      'npx',
      ['playwright', 'test', '--config', 'playwright.bench.config.ts', 'tests/bench/scale-browser.spec.ts'],
      {
        stdio: 'inherit',
      },
    );
  }
}

void main();
