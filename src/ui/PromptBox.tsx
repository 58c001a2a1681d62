import { useId, type KeyboardEvent } from 'react';
import { flushSync } from 'react-dom';
import { editAttention, formatTokenCount } from '../prompt/index.ts';
import type { TokenCount } from '../protocol/messages.ts';

/**
 * A prompt textarea with A1111's live token counter ("23/75", "98/150") and its Ctrl+↑ / Ctrl+↓
 * attention editing on the selection or the word under the cursor.
 */
export function PromptBox(props: {
  label: string;
  value: string;
  rows: number;
  count: TokenCount | null;
  /** Set when the model reads only one 77-token chunk: the counter warns past 75. */
  singleChunk: boolean;
  onChange: (value: string) => void;
}) {
  const id = useId();
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (!(e.ctrlKey || e.metaKey) || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    e.preventDefault();
    const area = e.currentTarget;
    const result = editAttention(area.value, area.selectionStart, area.selectionEnd, e.key === 'ArrowUp' ? 1 : -1);
    // Commit the new value now, then place the selection, before this handler returns: a deferred
    // restore (rAF) let a second quick Ctrl+↑/↓ see the caret React had moved to the end, and weight
    // the wrong word.
    flushSync(() => props.onChange(result.text));
    area.setSelectionRange(result.selectionStart, result.selectionEnd);
  };
  const tooLong = props.count?.tooLong === true;
  const over = tooLong || (props.singleChunk && props.count !== null && props.count.used > 75);
  return (
    <div className="field">
      <div className="label-row">
        <label htmlFor={id}>{props.label}</label>
        <span
          className={`token-count${over ? ' token-count-over' : ''}`}
          aria-label={`${props.label} tokens`}
          title={
            tooLong
              ? 'Too long to count or generate: shorten the prompt.'
              : over
                ? 'This model reads 75 tokens; the rest will be dropped.'
                : 'Tokens used / limit'
          }
        >
          {props.count ? formatTokenCount(props.count) : '…'}
        </span>
      </div>
      <textarea
        id={id}
        rows={props.rows}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        onKeyDown={onKeyDown}
      />
    </div>
  );
}
