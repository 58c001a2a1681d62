import { studioXyz } from '../state/studio.ts';
import type { QueuedJob } from '../state/types.ts';
import { samplerLabel } from './GalleryTile.tsx';
import { actions, useStudio } from './use-studio.ts';

/** Consecutive cells of one X/Y/Z plot become one entry. */
function entries(queue: QueuedJob[]): (QueuedJob | { group: NonNullable<QueuedJob['group']>; count: number })[] {
  const out: (QueuedJob | { group: NonNullable<QueuedJob['group']>; count: number })[] = [];
  for (const job of queue) {
    const last = out.at(-1);
    if (job.group && last && 'count' in last && last.group.id === job.group.id) last.count += 1;
    else out.push(job.group ? { group: job.group, count: 1 } : job);
  }
  return out;
}

/** Jobs waiting behind the running one, each with its prompt; remove one or clear them all. */
export function QueueList() {
  const queue = useStudio((s) => s.queue);
  if (queue.length === 0) return null;
  return (
    <div className="queue">
      <div className="queue-row">
        <span data-testid="queue-count">{queue.length} queued</span>
        <button type="button" onClick={actions.clearQueue}>
          Clear queue
        </button>
      </div>
      <ol aria-label="Queued jobs">
        {entries(queue).map((job, i) =>
          'count' in job ? (
            <li key={job.group.id}>
              <span className="queue-prompt">{job.group.label}</span>
              <span className="queue-meta">{job.count} waiting</span>
              <button type="button" aria-label={`Cancel ${job.group.label}`} onClick={() => studioXyz.cancel()}>
                ×
              </button>
            </li>
          ) : (
            <li key={job.id}>
              <span className="queue-prompt">{job.params.prompt || '(empty prompt)'}</span>
              <span className="queue-meta">
                {job.params.batchCount > 1 ? `${job.params.batchCount} × ` : ''}seed {job.params.seed} ·{' '}
                {samplerLabel(job.params.sampler)} · {job.params.steps} steps
              </span>
              <button
                type="button"
                aria-label={`Remove queued job ${i + 1}`}
                onClick={() => actions.removeQueuedJob(job.id)}
              >
                ×
              </button>
            </li>
          ),
        )}
      </ol>
    </div>
  );
}
