// Dev check of an exported model with onnxruntime-node (from the app's node_modules):
//   node training/ort_check.mjs models/tiny-shapes [training/runs/main/onnx_ref.json]
// Verifies IO names/shapes (batch 1/2, seq 77/154, timestep [1]), compares with the torch
// reference outputs written at export time, and times the default pipeline
// (text encoder + 20 batch-2 U-Net calls + VAE decode).
import fs from 'fs';
import path from 'path';
import { createRequire } from 'module';
const require = createRequire(path.resolve('package.json'));
const ort = require('onnxruntime-node');
const dir = process.argv[2] || 'models/tiny-shapes';
const refPath = process.argv[3];
const opts = { intraOpNumThreads: 2, graphOptimizationLevel: 'all' };
const load = (p) => ort.InferenceSession.create(path.join(dir, p, 'model.onnx'), opts);
const [te, unet, dec, enc] = await Promise.all(['text_encoder', 'unet', 'vae_decoder', 'vae_encoder'].map(load));
for (const [n, s] of [['text_encoder', te], ['unet', unet], ['vae_decoder', dec], ['vae_encoder', enc]])
  console.log(n, 'in', s.inputNames.join(','), 'out', s.outputNames.join(','));
const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'text_encoder/config.json')));
const D = cfg.hidden_size;
const F = (a, dims) => new ort.Tensor('float32', Float32Array.from(a), dims);
const maxdiff = (a, b) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
if (refPath) {
  const r = JSON.parse(fs.readFileSync(refPath));
  const ids = new ort.Tensor('int64', BigInt64Array.from(r.input_ids.flat().map(BigInt)), [2, 77]);
  const hs = (await te.run({ input_ids: ids })).last_hidden_state;
  console.log('text_encoder max|diff|', maxdiff(hs.data, r.last_hidden_state));
  const eps = (await unet.run({ sample: F(r.sample, [2, 4, 8, 8]), timestep: F(r.timestep, [2]), encoder_hidden_states: F(r.last_hidden_state, [2, 77, D]) })).out_sample;
  console.log('unet max|diff|', maxdiff(eps.data, r.out_sample));
  const img = (await dec.run({ latent_sample: F(r.latent_sample, [1, 4, 8, 8]) })).sample;
  console.log('vae_decoder max|diff|', maxdiff(img.data, r.decoded));
  const z = (await enc.run({ sample: F(r.decoded, [1, 3, 64, 64]) })).latent_sample;
  console.log('vae_encoder max|diff|', maxdiff(z.data, r.encoded));
}
// shape checks
const ids1 = new ort.Tensor('int64', new BigInt64Array(77).fill(1n), [1, 77]);
console.log('te [1,77] ->', (await te.run({ input_ids: ids1 })).last_hidden_state.dims);
const z4 = (b, h = 8) => F(new Float32Array(b * 4 * h * h), [b, 4, h, h]);
for (const [b, seq, tb, h] of [[2, 77, 2, 8], [2, 154, 1, 8], [1, 231, 1, 16], [4, 77, 4, 8]]) {
  const o = await unet.run({ sample: z4(b, h), timestep: F(new Float32Array(tb).fill(500), [tb]), encoder_hidden_states: F(new Float32Array(b * seq * D), [b, seq, D]) });
  console.log(`unet b${b} seq${seq} t[${tb}] ${h}x${h} ->`, o.out_sample.dims);
}
console.log('dec [2,4,8,8] ->', (await dec.run({ latent_sample: z4(2) })).sample.dims, ' [1,4,12,12] ->', (await dec.run({ latent_sample: z4(1, 12) })).sample.dims);
// timing
const ids2 = new ort.Tensor('int64', new BigInt64Array(154).fill(706n), [2, 77]);
const ctx = F(new Float32Array(2 * 77 * D), [2, 77, D]);
const x2 = z4(2), t2 = F([500, 500], [2]);
for (let i = 0; i < 10; i++) await unet.run({ sample: x2, timestep: t2, encoder_hidden_states: ctx });
let t0 = performance.now();
for (let i = 0; i < 50; i++) await unet.run({ sample: x2, timestep: t2, encoder_hidden_states: ctx });
console.log('unet batch-2 call ms', ((performance.now() - t0) / 50).toFixed(2));
const times = [];
for (let k = 0; k < 5; k++) {
  t0 = performance.now();
  const h = (await te.run({ input_ids: ids2 })).last_hidden_state;
  let x = z4(2);
  for (let i = 0; i < 20; i++) x = (await unet.run({ sample: x, timestep: t2, encoder_hidden_states: h })).out_sample;
  await dec.run({ latent_sample: F(x.data.slice(0, 256), [1, 4, 8, 8]) });
  times.push(performance.now() - t0);
}
console.log('pipeline ms (te + 20 unet b2 + dec):', times.map(t => t.toFixed(1)).join(' '));
