import { useId } from 'react';
import { LIMITS } from '../protocol/params.ts';
import { randomizeSeed, setParam } from '../state/actions.ts';
import { generate, requestTokenCount } from '../state/engine-bridge.ts';
import { selectCanGenerate, selectIssueFor } from '../state/store.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import { NumberField } from './NumberField.tsx';
import { PromptBox } from './PromptBox.tsx';
import { useStudio } from './use-studio.ts';

/** Prompt, negative prompt, seed, CFG, steps, sampler, size, batch, and Generate. */
export function GenerateForm() {
  const params = useStudio((s) => s.params);
  const canGenerate = useStudio(selectCanGenerate);
  const model = useStudio((s) => s.engine.model);
  const seedError = useStudio(selectIssueFor('seed'));
  const stepsError = useStudio(selectIssueFor('steps'));
  const cfgError = useStudio(selectIssueFor('cfg'));
  const batchError = useStudio(selectIssueFor('batchCount'));
  const tokenCounts = useStudio((s) => s.tokenCounts);
  const ids = { seed: useId(), sampler: useId(), width: useId(), height: useId() };
  const multiple = model?.sizeMultiple ?? 64;
  const sizes = Array.from({ length: 8 }, (_, i) => multiple * (i + 1)).filter((n) => n <= LIMITS.size.max);
  const withCurrent = (list: number[], value: number) => (list.includes(value) ? list : [...list, value].sort((a, b) => a - b));

  return (
    <form
      className="generate-form"
      aria-label="Generation settings"
      onSubmit={(e) => {
        e.preventDefault();
        generate();
      }}
    >
      <PromptBox
        label="Prompt"
        rows={3}
        value={params.prompt}
        count={tokenCounts?.prompt ?? null}
        singleChunk={tokenCounts?.fixedSequence ?? false}
        onChange={(v) => {
          setParam('prompt', v);
          requestTokenCount();
        }}
      />
      <PromptBox
        label="Negative prompt"
        rows={2}
        value={params.negativePrompt}
        count={tokenCounts?.negativePrompt ?? null}
        singleChunk={tokenCounts?.fixedSequence ?? false}
        onChange={(v) => {
          setParam('negativePrompt', v);
          requestTokenCount();
        }}
      />
      <div className="field">
        <label htmlFor={ids.seed}>Seed</label>
        <div className="number-row">
          <input
            id={ids.seed}
            type="text"
            inputMode="numeric"
            aria-invalid={seedError !== null}
            value={params.seed}
            onChange={(e) => setParam('seed', e.target.value)}
          />
          <button type="button" aria-label="Randomize seed" title="Random seed" onClick={() => randomizeSeed()}>
            🎲
          </button>
        </div>
        {seedError && (
          <p className="field-error" role="alert">
            {seedError}
          </p>
        )}
      </div>
      <NumberField
        label="CFG scale"
        value={params.cfg}
        min={LIMITS.cfg.min}
        max={LIMITS.cfg.max}
        step={0.5}
        error={cfgError}
        onChange={(v) => setParam('cfg', v)}
      />
      <NumberField
        label="Steps"
        value={params.steps}
        min={LIMITS.steps.min}
        max={LIMITS.steps.max}
        step={1}
        error={stepsError}
        onChange={(v) => setParam('steps', v)}
      />
      <div className="field">
        <label htmlFor={ids.sampler}>Sampler</label>
        <select id={ids.sampler} value={params.sampler} onChange={(e) => setParam('sampler', e.target.value)}>
          {SAMPLERS.map((s) => (
            <option key={s.id} value={s.id}>
              {s.label}
            </option>
          ))}
        </select>
      </div>
      <div className="size-row">
        <div className="field">
          <label htmlFor={ids.width}>Width</label>
          <select id={ids.width} value={params.width} onChange={(e) => setParam('width', Number(e.target.value))}>
            {withCurrent(sizes, params.width).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.height}>Height</label>
          <select id={ids.height} value={params.height} onChange={(e) => setParam('height', Number(e.target.value))}>
            {withCurrent(sizes, params.height).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
      </div>
      <NumberField
        label="Batch count"
        value={params.batchCount}
        min={LIMITS.batch.min}
        max={LIMITS.batch.max}
        step={1}
        error={batchError}
        onChange={(v) => setParam('batchCount', v)}
      />
      <button type="submit" className="primary" disabled={!canGenerate}>
        Generate
      </button>
    </form>
  );
}
