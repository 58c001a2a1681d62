/**
 * The engine bridge: the engine worker's port plus the pure reducer (engine-events.ts), and the
 * worker's supervisor. Every intent and every event goes through `run` / `dispatch`, which write
 * the reduced state and then run its effects (messages are posted here; the rest go to the
 * store's slices through `onEffect`).
 *
 * Supervision: a worker that crashes (`error`), sends what cannot be read (`messageerror`) or
 * stops answering while a job runs (no message for `hangTimeoutMs` despite pings) is terminated
 * and replaced; the reducer ends the running job with a clear message, keeps the queue, and
 * loads the model again in the new worker. Restarts are capped (`maxRestarts` within a minute)
 * so a model that kills its worker on load cannot loop forever.
 */
import type { EngineEvent, EngineRequest } from '../protocol/messages.ts';
import type { TypedPort } from '../protocol/rpc.ts';
import {
  reduceEngineEvent,
  type BridgeEvent,
  type EngineData,
  type EngineEffect,
  type EngineLostReason,
  type Reduction,
} from './engine-events.ts';

/** What the bridge needs of a Worker (so tests can pass an in-memory port). */
export interface EnginePort extends TypedPort<EngineEvent, EngineRequest> {
  addEventListener(type: 'message', listener: (event: MessageEvent<EngineEvent>) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  addEventListener(type: 'messageerror', listener: (event: MessageEvent) => void): void;
  terminate(): void;
}

export interface SupervisionOptions {
  /** While a job runs: this long without any message from the worker means it is hung. */
  hangTimeoutMs?: number;
  /** Restarts allowed within `restartWindowMs` before giving up. */
  maxRestarts?: number;
  restartWindowMs?: number;
}

export interface BridgeOptions extends SupervisionOptions {
  /** Creates the engine worker (called again to replace one that died). */
  connect: () => EnginePort;
  read: () => EngineData;
  write: (state: EngineData) => void;
  /** Effects other than posting a message. */
  onEffect: (effect: Exclude<EngineEffect, { type: 'send' }>) => void;
  samplers: readonly string[];
  now?: () => number;
}

export interface EngineBridge {
  /** Applies an intent (a pure function of the state) and runs its effects. */
  run<R extends Reduction>(intent: (state: EngineData) => R): R;
  /** Feeds one event through the reducer (the worker's, or the bridge's own `engine-lost`). */
  dispatch(event: BridgeEvent): void;
  /** Stops the heartbeat and terminates the worker. */
  dispose(): void;
}

/**
 * The default hang timeout. A WASM step of a real 512×512 model can take tens of seconds, and
 * the worker answers pings only between U-Net calls, so this is generous; it also grows with the
 * slowest gap seen so far (4×).
 */
export const DEFAULT_HANG_TIMEOUT_MS = 120_000;

export function createEngineBridge(options: BridgeOptions): EngineBridge {
  const now = options.now ?? (() => performance.now());
  const hangTimeoutMs = options.hangTimeoutMs ?? DEFAULT_HANG_TIMEOUT_MS;
  const maxRestarts = options.maxRestarts ?? 3;
  const restartWindowMs = options.restartWindowMs ?? 60_000;
  const pingEveryMs = Math.max(50, Math.min(2_000, hangTimeoutMs / 4));

  let port: EnginePort;
  let generation = 0;
  let lastHeard = now();
  let slowestGap = 0;
  let pingSeq = 0;
  let heartbeat: ReturnType<typeof setInterval> | null = null;
  const restarts: number[] = [];
  /** Gave up after too many restarts; the next request (the person's "Reload model") starts a new one. */
  let dead = false;

  function attach(next: EnginePort) {
    const mine = ++generation;
    const current = () => mine === generation;
    next.addEventListener('message', (event) => {
      if (!current()) return;
      const t = now();
      if (working()) slowestGap = Math.max(slowestGap, t - lastHeard);
      lastHeard = t;
      dispatch(event.data);
    });
    next.addEventListener('error', (event) => {
      if (current()) replace('crashed', event.message || 'the worker raised an error');
    });
    next.addEventListener('messageerror', () => {
      if (current()) replace('unreadable-message', 'a message from the worker could not be deserialized');
    });
    port = next;
    lastHeard = now();
  }

  function apply<R extends Reduction>(result: R): R {
    options.write(result.state);
    for (const effect of result.effects) {
      if (effect.type === 'send' && dead) {
        dead = false;
        restarts.length = 0;
        attach(options.connect());
      }
      if (effect.type === 'send') port.postMessage(effect.request);
      else options.onEffect(effect);
    }
    syncHeartbeat();
    return result;
  }

  function dispatch(event: BridgeEvent) {
    apply(reduceEngineEvent(options.read(), event, { now: Date.now(), samplers: options.samplers }));
  }

  /** A job or a Live render is running: the worker must keep answering. */
  function working() {
    const s = options.read();
    return s.job !== null || s.live.job !== null;
  }

  function syncHeartbeat() {
    const running = working();
    if (running && heartbeat === null) {
      lastHeard = now();
      heartbeat = setInterval(check, pingEveryMs);
    } else if (!running && heartbeat !== null) {
      clearInterval(heartbeat);
      heartbeat = null;
    }
  }

  function check() {
    const silent = now() - lastHeard;
    const limit = Math.max(hangTimeoutMs, 4 * slowestGap);
    if (silent >= limit) {
      replace('hung', `no message from the engine worker for ${Math.round(silent / 1000)} s while a job ran`);
    } else if (silent >= pingEveryMs) {
      port.postMessage({ type: 'ping', job: ++pingSeq });
    }
  }

  function replace(reason: EngineLostReason, detail: string) {
    if (heartbeat !== null) clearInterval(heartbeat);
    heartbeat = null;
    try {
      port.terminate();
    } catch {
      // Already gone.
    }
    generation += 1; // events still queued from the old worker are ignored
    const t = now();
    while (restarts.length > 0 && t - (restarts[0] as number) > restartWindowMs) restarts.shift();
    const restarted = restarts.length < maxRestarts;
    if (restarted) {
      restarts.push(t);
      attach(options.connect());
    } else {
      dead = true;
    }
    dispatch({ type: 'engine-lost', reason, detail, restarted });
  }

  attach(options.connect());
  return {
    run: (intent) => apply(intent(options.read())),
    dispatch,
    dispose() {
      if (heartbeat !== null) clearInterval(heartbeat);
      heartbeat = null;
      generation += 1;
      port.terminate();
    },
  };
}
