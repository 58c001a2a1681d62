/**
 * Live mode's scheduling (live-loop.ts) against a scripted typist and a renderer that takes a
 * fixed time, on a fake clock: images keep coming while the person types, each render takes the
 * text as it is when it starts, the next starts when one ends, and the last is the final text.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveStart } from './live-events.ts';
import { createLiveLoop } from './live-loop.ts';

interface Render {
  text: string;
  startedAt: number;
  endedAt: number | null;
}

/** A renderer taking `ms` per image; `refuse` makes it answer busy / invalid for some inputs. */
function harness(ms: number, refuse: (text: string) => LiveStart | null = () => null) {
  const renders: Render[] = [];
  const loop = createLiveLoop<string>({
    same: (a, b) => a === b,
    start: (text) => {
      const answer = refuse(text);
      if (answer) return answer;
      expect(renders.every((r) => r.endedAt !== null)).toBe(true); // never two at once
      const render: Render = { text, startedAt: Date.now(), endedAt: null };
      renders.push(render);
      setTimeout(() => {
        render.endedAt = Date.now();
        loop.finished();
      }, ms);
      return 'started';
    },
  });
  return { loop, renders };
}

/** Types `text` one key every `gapMs`, recording the text at every moment. */
async function type(loop: { edit(t: string): void }, text: string, gapMs: number) {
  const history: { at: number; text: string }[] = [];
  for (let i = 1; i <= text.length; i++) {
    const now = text.slice(0, i);
    history.push({ at: Date.now(), text: now });
    loop.edit(now);
    await vi.advanceTimersByTimeAsync(gapMs);
  }
  return history;
}

const textAt = (history: { at: number; text: string }[], t: number) =>
  history.filter((h) => h.at <= t).at(-1)?.text ?? '';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the Live loop', () => {
  it('renders back to back while a key comes every 50 ms, each with the text as it was at its start', async () => {
    const { loop, renders } = harness(123); // not a multiple of the key gap: no ties on the clock
    const prompt = 'a big red circle on a blue background';
    const history = await type(loop, prompt, 50);
    const typingEnded = Date.now();
    await vi.advanceTimersByTimeAsync(1000);
    // Many images while typing (≈ 50 ms × 37 keys / 123 ms), not one after a pause.
    const duringTyping = renders.filter((r) => (r.endedAt ?? Infinity) <= typingEnded);
    expect(duringTyping.length).toBeGreaterThanOrEqual(10);
    for (const r of renders) expect(r.text).toBe(textAt(history, r.startedAt));
    // The next starts the moment one ends, while the text keeps changing.
    for (let i = 1; i < duringTyping.length; i++) {
      expect(renders[i]?.startedAt).toBe(renders[i - 1]?.endedAt);
    }
    // The last image is for the final text, and nothing runs once it is shown.
    expect(renders.at(-1)?.text).toBe(prompt);
    const count = renders.length;
    await vi.advanceTimersByTimeAsync(1000);
    expect(renders).toHaveLength(count);
  });

  it('skips the edits made during a render: only the newest text is rendered next', async () => {
    const { loop, renders } = harness(500);
    await type(loop, 'abcdef', 50); // all within the first render
    await vi.advanceTimersByTimeAsync(2000);
    expect(renders.map((r) => r.text)).toEqual(['a', 'abcdef']);
  });

  it('an edit back to the text being rendered needs no second render', async () => {
    const { loop, renders } = harness(200);
    loop.edit('red');
    await vi.advanceTimersByTimeAsync(50);
    loop.edit('redd');
    await vi.advanceTimersByTimeAsync(50);
    loop.edit('red');
    await vi.advanceTimersByTimeAsync(1000);
    expect(renders.map((r) => r.text)).toEqual(['red']);
  });

  it('a busy engine defers the start to the next poke; an invalid text is skipped, not retried', async () => {
    let busy = true;
    const { loop, renders } = harness(100, (text) => (busy ? 'busy' : text.includes('(') ? 'invalid' : null));
    loop.edit('blue');
    expect(renders).toHaveLength(0);
    busy = false;
    loop.poke();
    expect(renders.map((r) => r.text)).toEqual(['blue']);
    await vi.advanceTimersByTimeAsync(200);
    loop.edit('blue (');
    loop.poke();
    await vi.advanceTimersByTimeAsync(200);
    expect(renders.map((r) => r.text)).toEqual(['blue']);
    loop.edit('blue ()');
    await vi.advanceTimersByTimeAsync(200);
    loop.edit('blue star');
    await vi.advanceTimersByTimeAsync(200);
    expect(renders.map((r) => r.text)).toEqual(['blue', 'blue star']);
  });

  it('reset (Live off) forgets the inputs: the same text renders again when Live comes back', async () => {
    const { loop, renders } = harness(100);
    loop.edit('green');
    await vi.advanceTimersByTimeAsync(200);
    loop.reset();
    loop.edit('green');
    await vi.advanceTimersByTimeAsync(200);
    expect(renders.map((r) => r.text)).toEqual(['green', 'green']);
  });
});
