import { samplerLabel } from './GalleryTile.tsx';
import { actions, useStudio } from './use-studio.ts';

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
        {queue.map((job, i) => (
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
