import { useId } from 'react';
import { DEFAULT_HIRES_PARAMS, type HiresParams } from '../protocol/upscale-params.ts';
import { selectIssueFor } from '../state/store.ts';
import { NumberField } from './NumberField.tsx';
import { UpscalerOptions, useUpscalerChoices } from './UpscalerOptions.tsx';
import { actions, useStudio } from './use-studio.ts';

const { setParam } = actions;

/** A1111's "Hires. fix" for text to image: upscale by, upscaler, hires steps, denoising strength. */
export function HiresFields() {
  const hires = useStudio((s) => s.params.hires);
  const issue = useStudio(selectIssueFor('hires'));
  const ids = { on: useId(), upscaler: useId() };
  const choices = useUpscalerChoices({ latent: true });
  const set = (patch: Partial<HiresParams>) => setParam('hires', { ...(hires ?? DEFAULT_HIRES_PARAMS), ...patch });
  return (
    <fieldset className="hires-fields" aria-label="Hires. fix">
      <div className="field checkbox">
        <input
          id={ids.on}
          type="checkbox"
          checked={hires !== undefined}
          onChange={(e) => setParam('hires', e.target.checked ? { ...DEFAULT_HIRES_PARAMS } : undefined)}
        />
        <label htmlFor={ids.on}>Hires. fix</label>
      </div>
      {hires && (
        <>
          <div className="field">
            <label htmlFor={ids.upscaler}>Hires upscaler</label>
            <select id={ids.upscaler} value={hires.upscaler} onChange={(e) => set({ upscaler: e.target.value })}>
              <UpscalerOptions choices={choices} selected={hires.upscaler} />
            </select>
          </div>
          <NumberField
            label="Upscale by"
            value={hires.scale}
            min={1}
            max={4}
            step={0.5}
            error={null}
            onChange={(v) => set({ scale: v })}
          />
          <NumberField
            label="Hires steps"
            value={hires.steps}
            min={0}
            max={150}
            step={1}
            error={null}
            onChange={(v) => set({ steps: v })}
          />
          <NumberField
            label="Hires denoising strength"
            value={hires.denoisingStrength}
            min={0}
            max={1}
            step={0.05}
            error={null}
            onChange={(v) => set({ denoisingStrength: v })}
          />
          {issue && (
            <p className="field-error" role="alert">
              {issue}
            </p>
          )}
        </>
      )}
    </fieldset>
  );
}
