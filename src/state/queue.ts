/** Queue actions beyond the bridge's own (which runs and clears the queue). */
import type { JobId } from '../protocol/messages.ts';
import { studio } from './store.ts';

/** Drops one pending job; the running job is cancelled with `cancelJob` instead. */
export function removeQueuedJob(id: JobId): void {
  studio.setState((s) => ({ queue: s.queue.filter((j) => j.id !== id) }));
}
