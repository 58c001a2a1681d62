import { studioXyz } from '../state/studio.ts';
import type { JobGroup, QueuedJob } from '../state/types.ts';
import { samplerLabel } from './GalleryTile.tsx';
import { actions, useStudio } from './use-studio.ts';

/** The X/Y/Z plots among the queued jobs, each with how many of its cells wait. */
function plotGroups(queue: QueuedJob[]): { group: JobGroup; count: number }[] {
  const groups = new Map<string, { group: JobGroup; count: number }>();
  for (const { group } of queue) {
    if (!group) continue;
    const entry = groups.get(group.id) ?? { group, count: 0 };
    entry.count += 1;
    groups.set(group.id, entry);
  }
  return [...groups.values()];
}

/**
 * Jobs waiting behind the running one, each with its prompt; remove one or clear them all. An
 * X/Y/Z plot's cells are one entry (its × cancels the plot).
 */
export function QueueList() {
  const queue = useStudio((s) => s.queue);
  if (queue.length === 0) return null;
  const plain = queue.filter((job) => !job.group);
  return (
    <div className="queue">
      <div className="queue-row">
        <span data-testid="queue-count">{queue.length} queued</span>
        <button type="button" onClick={actions.clearQueue}>
          Clear queue
        </button>
      </div>
      <ol aria-label="Queued jobs">
        {plotGroups(queue).map(({ group, count }) => (
          <li key={group.id}>
            <span className="queue-prompt">{group.label}</span>
            <span className="queue-meta">{count} waiting</span>
            <button type="button" aria-label={`Cancel ${group.label}`} onClick={() => studioXyz.cancel()}>
              ×
            </button>
          </li>
        ))}
        {plain.map((job, i) => (
          <li key={job.id}>
            <span className="queue-prompt">{job.params.prompt || '(empty prompt)'}</span>
            <span className="queue-meta">
              {job.params.batchCount > 1 ? `${job.params.batchCount} × ` : ''}
              {(job.params.batchSize ?? 1) > 1 ? `${job.params.batchSize} per call · ` : ''}seed {job.params.seed} ·{' '}
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
        ))}
      </ol>
    </div>
  );
}
