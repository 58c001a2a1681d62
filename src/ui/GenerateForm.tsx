import { useId } from 'react';
import { LIMITS } from '../protocol/params.ts';
import { selectCanGenerate, selectIssueFor } from '../state/store.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import { HiresFields } from './HiresFields.tsx';
import { NumberField } from './NumberField.tsx';
import { PromptBox } from './PromptBox.tsx';
import { SizeFields } from './SizeFields.tsx';
import { StudioToggles } from './StudioToggles.tsx';
import { actions, useStudio } from './use-studio.ts';

const { generate, requestTokenCount, setParam, randomizeSeed } = actions;

/** Prompt, negative prompt, seed, CFG, steps, sampler, size, batch, and Generate. */
export function GenerateForm() {
  const params = useStudio((s) => s.params);
  const canGenerate = useStudio(selectCanGenerate);
  const seedError = useStudio(selectIssueFor('seed'));
  const stepsError = useStudio(selectIssueFor('steps'));
  const cfgError = useStudio(selectIssueFor('cfg'));
  const batchError = useStudio(selectIssueFor('batchCount'));
  const batchSizeError = useStudio(selectIssueFor('batchSize'));
  const tokenCounts = useStudio((s) => s.tokenCounts);
  const ids = { seed: useId(), sampler: useId() };

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
            Random
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
      <SizeFields />
      <HiresFields />
      <NumberField
        label="Batch count"
        value={params.batchCount}
        min={LIMITS.batch.min}
        max={LIMITS.batch.max}
        step={1}
        error={batchError}
        onChange={(v) => setParam('batchCount', v)}
      />
      <NumberField
        label="Batch size"
        value={params.batchSize ?? 1}
        min={LIMITS.batchSize.min}
        max={LIMITS.batchSize.max}
        step={1}
        error={batchSizeError}
        onChange={(v) => setParam('batchSize', v)}
      />
      <StudioToggles />
      <button type="submit" className="primary" disabled={!canGenerate}>
        Generate
      </button>
    </form>
  );
}
