import { useId, useState, useSyncExternalStore } from 'react';
import { studioXyz } from '../state/studio.ts';
import type { XyzAxisInput } from '../state/xyz.ts';
import { AXIS_TYPES } from '../xyz/axes.ts';

type AxisName = 'x' | 'y' | 'z';
const NAMES: AxisName[] = ['x', 'y', 'z'];
const PLACEHOLDERS: Record<string, string> = {
  Seed: '1-4, or -1 for random',
  Steps: '4, 10, 20  or  4-20 (+4)',
  'CFG Scale': '3, 7, 11  or  1-10 [4]',
  Sampler: 'Euler, Euler a, DDIM',
  Size: '64x64, 128x64',
  Denoising: '0.3, 0.5, 0.7',
  'Prompt S/R': 'red, blue, green (first is searched for)',
};

/**
 * The X/Y/Z plot: up to three axes over A1111's value syntax, run as one queued job whose
 * labelled grid lands in the gallery. The form's settings are the base of every cell.
 */
export function XyzPanel() {
  const id = useId();
  const [axes, setAxes] = useState<Record<AxisName, XyzAxisInput>>({
    x: { type: 'CFG Scale', values: '' },
    y: { type: 'Nothing', values: '' },
    z: { type: 'Nothing', values: '' },
  });
  const [error, setError] = useState<string | null>(null);
  const status = useSyncExternalStore(studioXyz.subscribe, studioXyz.status);
  const running = status.phase === 'running';
  const set = (name: AxisName, patch: Partial<XyzAxisInput>) =>
    setAxes((a) => ({ ...a, [name]: { ...a[name], ...patch } }));

  return (
    <section className="xyz-panel" aria-label="X/Y/Z plot">
      <h2>X/Y/Z plot</h2>
      {NAMES.map((name) => {
        const axis = axes[name];
        const upper = name.toUpperCase();
        return (
          <div className="xyz-axis" key={name}>
            <label htmlFor={`${id}-${name}-type`}>{upper} type</label>
            <select id={`${id}-${name}-type`} value={axis.type} onChange={(e) => set(name, { type: e.target.value })}>
              {AXIS_TYPES.map((t) => (
                <option key={t.kind} value={t.label}>
                  {t.label}
                </option>
              ))}
            </select>
            <label htmlFor={`${id}-${name}-values`} className="visually-hidden">
              {upper} values
            </label>
            <input
              id={`${id}-${name}-values`}
              type="text"
              disabled={axis.type === 'Nothing'}
              placeholder={PLACEHOLDERS[axis.type] ?? ''}
              value={axis.values}
              onChange={(e) => set(name, { values: e.target.value })}
            />
          </div>
        );
      })}
      <div className="xyz-actions">
        <button
          type="button"
          disabled={running}
          onClick={() => {
            const message = studioXyz.start(axes);
            setError(message);
          }}
        >
          Run X/Y/Z plot
        </button>
        {running && (
          <button type="button" onClick={() => studioXyz.cancel()}>
            Cancel plot
          </button>
        )}
      </div>
      {error && (
        <p className="xyz-error" role="alert">
          {error}
        </p>
      )}
      <p className="xyz-status" data-testid="xyz-status">
        {status.phase === 'running' && `Plot running: ${status.done} of ${status.total} images.`}
        {status.phase === 'done' &&
          `Plot done: the grid is in the gallery${status.failed > 0 ? ` (${status.failed} cell(s) failed and are blank)` : ''}.`}
        {status.phase === 'cancelled' && `Plot cancelled after ${status.done} of ${status.total} images.`}
      </p>
    </section>
  );
}
