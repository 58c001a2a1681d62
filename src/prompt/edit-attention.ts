/**
 * Ctrl+↑ / Ctrl+↓ attention editing, ported from stable-diffusion-webui
 * `javascript/edit-attention.js` (`keyupEditAttention` with `selectCurrentParenthesisBlock` and
 * `selectCurrentWord`), with A1111's default settings: `keyedit_precision_attention` 0.1,
 * `keyedit_precision_extra` 0.05, `keyedit_delimiters` ".,\/!?%^*;:{}=`~() " plus tab, CR, LF.
 *
 * Pure: text and selection in, text and selection out; the UI applies them to the textarea.
 * Offsets are UTF-16 code units, like `HTMLTextAreaElement.selectionStart`.
 *
 * A1111's behaviour kept on purpose:
 * - With no selection it picks the `<…>` or `(…)` or `[…]` block around the caret (up to a
 *   `:weight`), otherwise the word under the caret.
 * - `word` → `(word:1.1)`; `(word:1.1)` → `(word:1.2)`; at exactly 1.0 the parentheses go.
 * - Old-style `((word))` / `[word]` become `(word:1.2)` / `(word:0.9)` before the step.
 * - `<lora:name:0.8>` steps by the "extra networks" precision.
 * - Where A1111 gives up (nothing to select, no weight found) the text is returned unchanged,
 *   with the selection A1111 leaves behind (the word or block it selected, if any).
 */

export interface EditAttentionResult {
  text: string;
  selectionStart: number;
  selectionEnd: number;
}

export interface EditAttentionOptions {
  /** Step for `<extra network:w>` (A1111 `keyedit_precision_extra`). */
  extraStep?: number;
  /** Word delimiters (A1111 `keyedit_delimiters` + its whitespace delimiters). */
  delimiters?: string;
}

export const DEFAULT_ATTENTION_STEP = 0.1;
export const DEFAULT_EXTRA_STEP = 0.05;
export const DEFAULT_DELIMITERS = '.,\\/!?%^*;:{}=`~() ' + '\t\r\n';

/** `/.*:-?[\d.]+/s` in A1111: the block's content ends in (or contains) a `:weight`. */
const HAS_WEIGHT = /.*:-?[\d.]+/s;

export function editAttention(
  text: string,
  selectionStart: number,
  selectionEnd: number,
  direction: 1 | -1,
  step: number = DEFAULT_ATTENTION_STEP,
  options: EditAttentionOptions = {},
): EditAttentionResult {
  const extraStep = options.extraStep ?? DEFAULT_EXTRA_STEP;
  const delimiters = options.delimiters ?? DEFAULT_DELIMITERS;
  const original = text;
  let start = selectionStart;
  let end = selectionEnd;
  // What the textarea shows: A1111 calls setSelectionRange while selecting, before it may give up.
  let shownStart = start;
  let shownEnd = end;
  const giveUp = (): EditAttentionResult => ({ text: original, selectionStart: shownStart, selectionEnd: shownEnd });
  const at = (i: number): string | undefined => (i >= 0 && i < text.length ? text[i] : undefined);

  const selectCurrentParenthesisBlock = (open: string, close: string): boolean => {
    if (start !== end) return false;
    const before = text.substring(0, start);
    const beforeParen = before.lastIndexOf(open);
    if (beforeParen === -1) return false;
    const beforeClosingParen = before.lastIndexOf(close);
    if (beforeClosingParen !== -1 && beforeClosingParen > beforeParen) return false;

    const after = text.substring(start);
    const afterParen = after.indexOf(close);
    if (afterParen === -1) return false;
    const afterOpeningParen = after.indexOf(open);
    if (afterOpeningParen !== -1 && afterOpeningParen < afterParen) return false;

    const parenContent = text.substring(beforeParen + 1, start + afterParen);
    start = beforeParen + 1;
    end = HAS_WEIGHT.test(parenContent) ? start + parenContent.lastIndexOf(':') : start + parenContent.length;
    shownStart = start;
    shownEnd = end;
    return true;
  };

  const isDelimiter = (ch: string | undefined): boolean => ch !== undefined && delimiters.includes(ch);

  const selectCurrentWord = (): boolean => {
    if (start !== end) return false;
    while (!isDelimiter(at(start - 1)) && start > 0) start--;
    while (!isDelimiter(at(end)) && end < text.length) end++;
    // Deselect surrounding spaces.
    while (at(start) === ' ' && start < end) start++;
    while (at(end - 1) === ' ' && end > start) end--;
    shownStart = start;
    shownEnd = end;
    return true;
  };

  if (
    !selectCurrentParenthesisBlock('<', '>') &&
    !selectCurrentParenthesisBlock('(', ')') &&
    !selectCurrentParenthesisBlock('[', ']')
  ) {
    selectCurrentWord();
  }

  let closeCharacter = ')';
  let delta = step;
  const startChar = start > 0 ? at(start - 1) : '';
  const endChar = at(end);

  if (startChar === '<') {
    closeCharacter = '>';
    delta = extraStep;
  } else if ((startChar === '(' && endChar === ')') || (startChar === '[' && endChar === ']')) {
    // Old-style ((emphasis)) / [de-emphasis]: rewrite as an explicit weight rounded to the step.
    let numParen = 0;
    while (at(start - numParen - 1) === startChar && at(end + numParen) === endChar) numParen++;
    let weight = startChar === '[' ? (1 / 1.1) ** numParen : 1.1 ** numParen;
    weight = Math.round(weight / step) * step;
    text =
      text.slice(0, start - numParen) +
      '(' +
      text.slice(start, end) +
      ':' +
      String(weight) +
      ')' +
      text.slice(end + numParen);
    start -= numParen - 1;
    end -= numParen - 1;
  } else if (startChar !== '(') {
    // Do not include spaces at the end.
    while (end > start && at(end - 1) === ' ') end--;
    if (start === end) return giveUp();
    text = text.slice(0, start) + '(' + text.slice(start, end) + ':1.0)' + text.slice(end);
    start++;
    end++;
  }

  if (at(end) !== ':') return giveUp();
  const weightLength = text.slice(end + 1).indexOf(closeCharacter) + 1;
  let weight = parseFloat(text.slice(end + 1, end + weightLength));
  if (Number.isNaN(weight)) return giveUp();

  weight += direction === 1 ? delta : -delta;
  // A1111 rounds away float noise (1.1 + 0.1 = 1.2000000000000002) to 12 significant digits,
  // and writes whole numbers with ".0".
  weight = parseFloat(weight.toPrecision(12));
  const weightText = Number.isInteger(weight) ? `${weight}.0` : String(weight);

  if (closeCharacter === ')' && weight === 1) {
    // Back to neutral: drop "(", ":1.0" and ")".
    const endParenPos = text.substring(end).indexOf(')');
    text = text.slice(0, start - 1) + text.slice(start, end) + text.slice(end + endParenPos + 1);
    start--;
    end--;
  } else {
    text = text.slice(0, end + 1) + weightText + text.slice(end + weightLength);
  }
  return { text, selectionStart: start, selectionEnd: end };
}
