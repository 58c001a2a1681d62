import { describe, expect, it } from 'vitest';
import { progressThrottle } from './progress-throttle.ts';

describe('progressThrottle', () => {
  it('posts the first step, then at most one per interval, and always the last step of an image', () => {
    let t = 0;
    const due = progressThrottle(() => t, 33);
    const posted: number[] = [];
    // 20 steps of 9 ms each
    for (let step = 1; step <= 20; step++) {
      t = step * 9;
      if (due(step === 20)) posted.push(step);
    }
    expect(posted).toEqual([1, 5, 9, 13, 17, 20]);
    // a slow model (a step longer than the interval) posts every step
    const slow = progressThrottle(() => t, 33);
    const all: number[] = [];
    for (let step = 1; step <= 4; step++) {
      t += 40;
      if (slow(step === 4)) all.push(step);
    }
    expect(all).toEqual([1, 2, 3, 4]);
  });
});
