/**
 * Step progress at display rate, not at model rate (issue #15 item 3). The embedded model takes
 * ~9 ms a step on WASM; a `progress` postMessage for each one cost 1.6–2.3 ms per 20-step image
 * (measured, ~1 % of the image), while the bar only needs ~30 updates a second. So a step is
 * posted when the last post is at least `intervalMs` old, and the last step of every image is
 * always posted (the bar ends at N / N, and the UI's "cancelled · step k" stays truthful: the
 * steps shown never run ahead of the work).
 */
export const PROGRESS_INTERVAL_MS = 33;

export function progressThrottle(now: () => number, intervalMs = PROGRESS_INTERVAL_MS) {
  let last = -Infinity;
  return (isLastStepOfImage: boolean): boolean => {
    const t = now();
    if (!isLastStepOfImage && t - last < intervalMs) return false;
    last = t;
    return true;
  };
}
