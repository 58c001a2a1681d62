import { useEffect, useId, useState } from 'react';
import { parseDecimal } from '../protocol/params.ts';

/**
 * A labelled slider with a numeric box beside it. The box keeps what the person typed (even
 * "abc" or 9999) and hands the parsed number (NaN when unparsable) to the store, where validation
 * turns it into a visible message instead of silently fixing it. Only plain decimals parse
 * (`parseDecimal`): `0x10`, `1e1`, ` 12 ` and `12abc` are NaN, not 16, 10 and 12.
 */
export function NumberField(props: {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  error: string | null;
  onChange: (value: number) => void;
}) {
  const id = useId();
  const [text, setText] = useState(String(props.value));
  useEffect(() => {
    // Object.is: NaN (what the box holds for "0x10" or "abc") equals itself, so the typed text
    // stays for the person to correct instead of turning into "NaN".
    setText((current) => (Object.is(parseDecimal(current), props.value) ? current : String(props.value)));
  }, [props.value]);
  const sliderValue = Number.isFinite(props.value) ? Math.min(props.max, Math.max(props.min, props.value)) : props.min;
  return (
    <div className="field number-field">
      <label htmlFor={id}>{props.label}</label>
      <div className="number-row">
        <input
          id={id}
          type="range"
          min={props.min}
          max={props.max}
          step={props.step}
          value={sliderValue}
          onChange={(e) => {
            setText(e.target.value);
            props.onChange(Number(e.target.value));
          }}
        />
        <input
          type="text"
          inputMode="decimal"
          aria-label={`${props.label} value`}
          aria-invalid={props.error !== null}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            props.onChange(parseDecimal(e.target.value));
          }}
        />
      </div>
      {props.error && (
        <p className="field-error" role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}
