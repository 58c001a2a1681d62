/**
 * Live mode's scheduling, with no timers and no store: renders run back to back while the input
 * changes. Each render takes the input as it is when it starts; the next starts as soon as one
 * ends if the input changed meanwhile (every edit between is skipped: the newest wins); nothing
 * runs while the input is what the last render took. No debounce: a pause-then-render debounce
 * shows nothing while someone types, this shows an image per render time. A running render is
 * never cancelled by an edit: with a key every 50 ms and a render of 100 ms, cancelling would
 * never finish one.
 */
import type { LiveStart } from './live-events.ts';

export interface LiveLoopOptions<T> {
  /** Starts a render of `input` ('busy': not now, try at the next poke; 'invalid': skip it). */
  start(input: T): LiveStart;
  /** Two inputs that render the same image. */
  same(a: T, b: T): boolean;
}

export interface LiveLoop<T> {
  /** The input changed (a key, a slider). */
  edit(input: T): void;
  /** The render in flight ended (image, cancel or error alike). */
  finished(): void;
  /** Something that blocked a start may have cleared (the engine is free again). */
  poke(): void;
  /** Live was turned off: forget the inputs (a render in flight may still end). */
  reset(): void;
  readonly inFlight: boolean;
}

export function createLiveLoop<T>(options: LiveLoopOptions<T>): LiveLoop<T> {
  let latest: T | null = null;
  let lastStarted: T | null = null;
  let inFlight = false;

  function pump() {
    if (inFlight || latest === null) return;
    if (lastStarted !== null && options.same(latest, lastStarted)) return;
    const input = latest;
    // Marked before `start` runs: starting writes the store, whose listeners may call back in.
    inFlight = true;
    const result = options.start(input);
    if (result === 'busy') {
      inFlight = false;
      return;
    }
    lastStarted = input;
    if (result === 'invalid') inFlight = false;
  }

  return {
    edit(input) {
      latest = input;
      pump();
    },
    finished() {
      inFlight = false;
      pump();
    },
    poke: pump,
    reset() {
      latest = null;
      lastStarted = null;
    },
    get inFlight() {
      return inFlight;
    },
  };
}
