import { useId } from 'react';
import { ASPECTS, aspectOf, aspectSize, sizeChoices } from '../protocol/sizes.ts';
import { actions, useStudio } from './use-studio.ts';

const { setParam, setParams } = actions;

const withCurrent = (list: number[], value: number) =>
  list.includes(value) || !Number.isFinite(value) ? list : [...list, value].sort((a, b) => a - b);

/** Width and height in the model's multiples, aspect presets, and a swap. */
export function SizeFields() {
  const width = useStudio((s) => s.params.width);
  const height = useStudio((s) => s.params.height);
  const multiple = useStudio((s) => s.engine.model?.sizeMultiple ?? 64);
  const ids = { aspect: useId(), width: useId(), height: useId() };
  const sizes = sizeChoices(multiple);
  const current = aspectOf(width, height, multiple);
  const long = Math.max(width, height);
  return (
    <div className="size-fields">
      <div className="field">
        <label htmlFor={ids.aspect}>Aspect ratio</label>
        <div className="number-row">
          <select
            id={ids.aspect}
            value={current?.label ?? 'custom'}
            onChange={(e) => {
              const aspect = ASPECTS.find((a) => a.label === e.target.value);
              if (aspect) setParams(aspectSize(aspect.ratio, long, multiple));
            }}
          >
            {current === null && (
              <option value="custom">
                Custom ({width}×{height})
              </option>
            )}
            {ASPECTS.map((a) => {
              const size = aspectSize(a.ratio, long, multiple);
              return (
                <option key={a.label} value={a.label}>
                  {a.label} ({size.width}×{size.height})
                </option>
              );
            })}
          </select>
          <button
            type="button"
            aria-label="Swap width and height"
            title="Swap width and height"
            onClick={() => setParams({ width: height, height: width })}
          >
            ⇄
          </button>
        </div>
      </div>
      <div className="size-row">
        <div className="field">
          <label htmlFor={ids.width}>Width</label>
          <select id={ids.width} value={width} onChange={(e) => setParam('width', Number(e.target.value))}>
            {withCurrent(sizes, width).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.height}>Height</label>
          <select id={ids.height} value={height} onChange={(e) => setParam('height', Number(e.target.value))}>
            {withCurrent(sizes, height).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
      </div>
    </div>
  );
}
