import { useId } from 'react';
import { actions, useStudio } from './use-studio.ts';
import { NumberField } from './NumberField.tsx';

/** A1111's "Extra" seed options (variation seed, strength, resize seed from) and interpolation. */
export function SeedExtras() {
  const variation = useStudio((s) => s.imageInput.variation);
  const interp = useStudio((s) => s.imageInput.interpolation);
  const ids = {
    subseed: useId(),
    rw: useId(),
    rh: useId(),
    toSeed: useId(),
    toPrompt: useId(),
    frames: useId(),
    on: useId(),
  };
  return (
    <details className="seed-extras">
      <summary>Variation seed and interpolation</summary>
      <div className="field">
        <label htmlFor={ids.subseed}>Variation seed</label>
        <input
          id={ids.subseed}
          type="text"
          inputMode="numeric"
          value={variation.subseed}
          onChange={(e) => actions.setVariation('subseed', e.target.value)}
        />
      </div>
      <NumberField
        label="Variation strength"
        value={variation.subseedStrength}
        min={0}
        max={1}
        step={0.01}
        error={null}
        onChange={(v) => actions.setVariation('subseedStrength', v)}
      />
      <div className="field">
        <span>Resize seed from (0 = off)</span>
        <div className="number-row">
          <input
            id={ids.rw}
            type="number"
            aria-label="Resize seed from width"
            min={0}
            step={8}
            value={variation.seedResizeFromW}
            onChange={(e) => actions.setVariation('seedResizeFromW', Number(e.target.value))}
          />
          ×
          <input
            id={ids.rh}
            type="number"
            aria-label="Resize seed from height"
            min={0}
            step={8}
            value={variation.seedResizeFromH}
            onChange={(e) => actions.setVariation('seedResizeFromH', Number(e.target.value))}
          />
        </div>
      </div>
      <fieldset>
        <legend>
          <label className="inline">
            <input
              id={ids.on}
              type="checkbox"
              checked={interp.enabled}
              onChange={(e) => actions.setInterpolation({ enabled: e.target.checked })}
            />{' '}
            Interpolation job
          </label>
        </legend>
        <div className="field">
          <label htmlFor={ids.toSeed}>To seed</label>
          <input
            id={ids.toSeed}
            type="text"
            inputMode="numeric"
            value={interp.toSeed}
            disabled={!interp.enabled}
            onChange={(e) => actions.setInterpolation({ toSeed: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.toPrompt}>To prompt</label>
          <input
            id={ids.toPrompt}
            type="text"
            value={interp.toPrompt}
            disabled={!interp.enabled}
            onChange={(e) => actions.setInterpolation({ toPrompt: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.frames}>Frames</label>
          <input
            id={ids.frames}
            type="number"
            min={2}
            max={64}
            value={interp.frames}
            disabled={!interp.enabled}
            onChange={(e) => actions.setInterpolation({ frames: Number(e.target.value) })}
          />
        </div>
      </fieldset>
    </details>
  );
}
