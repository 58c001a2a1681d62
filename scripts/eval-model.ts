/**
 * `npm run eval:model` — scores the shipped model on prompts whose attribute combinations were
 * held out of training (models/<id>/eval_prompts.json), at 20 Euler steps and CFG 6, with the
 * simple analyser in src/eval/analyse-image.ts. Prints accuracy per attribute against the bars of
 * issue #7. `--update-docs` writes the table into the model card and the README (between
 * `<!-- eval:start -->` and `<!-- eval:end -->`). Options: --model DIR --seeds N --cfg X --steps N.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyseImage } from '../src/eval/analyse-image.ts';
import { txt2img } from '../src/pipeline/txt2img.ts';
import { loadNodeModel } from '../src/runtime/node/ort-node.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/tiny-shapes' },
    seeds: { type: 'string', default: '8' },
    cfg: { type: 'string', default: '6' },
    steps: { type: 'string', default: '20' },
    'update-docs': { type: 'boolean', default: false },
  },
});

interface EvalPrompt {
  prompt: string;
  expected: { shape?: string; color?: string; background?: string; size?: string; position?: string };
}

const ATTRIBUTES = [
  { key: 'color', label: 'colour', bar: 0.9 },
  { key: 'position', label: 'position', bar: 0.9 },
  { key: 'size', label: 'size', bar: 0.85 },
  { key: 'shape', label: 'shape', bar: 0.75 },
  { key: 'background', label: 'background', bar: 0.95 },
] as const;

const dir = values.model as string;
const seeds = Number(values.seeds);
const steps = Number(values.steps);
const cfg = Number(values.cfg);
const { prompts } = JSON.parse(readFileSync(join(dir, 'eval_prompts.json'), 'utf8')) as { prompts: EvalPrompt[] };
const loaded = await loadNodeModel(dir);
const hits: Record<string, number> = {};
const totals: Record<string, number> = {};
/** Shape confusion, expected → read, so a miss says what the model drew instead. */
const shapeConfusion = new Map<string, Map<string, number>>();
const shapeBySize = new Map<string, { hits: number; total: number }>();
const started = performance.now();
let images = 0;
for (const [p, item] of prompts.entries()) {
  await txt2img(
    loaded.model,
    {
      prompt: item.prompt,
      negativePrompt: '',
      seeds: Array.from({ length: seeds }, (_, i) => String(1000 * p + i)),
      steps,
      cfg,
      sampler: 'euler',
      width: 64,
      height: 64,
    },
    {
      clock: () => performance.now(),
      onImage: (image) => {
        images++;
        const analysis = analyseImage(image.rgba, image.width, image.height);
        const seen: Record<string, string | undefined> = {
          background: analysis.background,
          color: analysis.object?.colour,
          position: analysis.object?.position,
          size: analysis.object?.size,
          shape: analysis.object?.shape,
        };
        if (item.expected.shape !== undefined) {
          const row = shapeConfusion.get(item.expected.shape) ?? new Map<string, number>();
          const read = analysis.object?.shape ?? '(none)';
          row.set(read, (row.get(read) ?? 0) + 1);
          shapeConfusion.set(item.expected.shape, row);
          const sizeKey = item.expected.size ?? 'any size';
          const bySize = shapeBySize.get(sizeKey) ?? { hits: 0, total: 0 };
          bySize.total++;
          if (read === item.expected.shape) bySize.hits++;
          shapeBySize.set(sizeKey, bySize);
        }
        for (const { key } of ATTRIBUTES) {
          const expected = item.expected[key];
          if (expected === undefined) continue;
          totals[key] = (totals[key] ?? 0) + 1;
          if (seen[key] === expected) hits[key] = (hits[key] ?? 0) + 1;
        }
      },
    },
  );
}
const seconds = (performance.now() - started) / 1000;
await loaded.release();

const rows = ATTRIBUTES.map(({ key, label, bar }) => {
  const accuracy = (hits[key] ?? 0) / Math.max(1, totals[key] ?? 0);
  return `| ${label} | ${(accuracy * 100).toFixed(1)} % | ≥ ${bar * 100} % | ${accuracy >= bar ? 'met' : 'not met'} |`;
});
const table = [
  `Held-out prompts: ${prompts.length} × ${seeds} seeds = ${images} images, ${steps} Euler steps, CFG ${cfg} (\`npm run eval:model\`, onnxruntime-node).`,
  '',
  '| attribute | accuracy | bar | |',
  '| --- | --- | --- | --- |',
  ...rows,
].join('\n');
console.log(table);
const readShapes = [...new Set([...shapeConfusion.values()].flatMap((row) => [...row.keys()]))].sort();
console.log(`\nShape confusion (rows: prompted, columns: read from the image)\n`);
console.log(`| prompted | ${readShapes.join(' | ')} |\n| --- |${readShapes.map(() => ' --- |').join('')}`);
for (const [prompted, row] of [...shapeConfusion.entries()].sort()) {
  console.log(`| ${prompted} | ${readShapes.map((read) => row.get(read) ?? 0).join(' | ')} |`);
}
const sizeParts = [...shapeBySize.entries()]
  .sort()
  .map(([size, { hits, total }]) => `${size} ${((hits / total) * 100).toFixed(1)} % (${total})`);
console.log(`\nShape accuracy by prompted size: ${sizeParts.join(', ')}`);
console.log(`\n${images} images in ${seconds.toFixed(1)} s (${((seconds * 1000) / images).toFixed(1)} ms per image)`);

if (values['update-docs']) {
  for (const file of [join(dir, 'README.md'), 'README.md']) {
    // The trainer's model card leaves a placeholder line for this table.
    const text = readFileSync(file, 'utf8').replace(
      /^TypeScript eval \(onnxruntime\): _to be filled in by the app eval_\.$/m,
      "TypeScript eval (onnxruntime-node, the studio's own pipeline):\n\n<!-- eval:start -->\n<!-- eval:end -->",
    );
    const pattern = /<!-- eval:start -->[\s\S]*?<!-- eval:end -->/;
    if (!pattern.test(text)) {
      console.log(`(no eval markers in ${file}; not updated)`);
      continue;
    }
    writeFileSync(file, text.replace(pattern, `<!-- eval:start -->\n${table}\n<!-- eval:end -->`));
    console.log(`updated ${file}`);
  }
}
