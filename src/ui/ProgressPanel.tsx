import { cancelJob, clearQueue } from '../state/engine-bridge.ts';
import { PixelCanvas } from './PixelCanvas.tsx';
import { useStudio } from './use-studio.ts';

/** Progress of the running job ("step i / N"), its live preview, Cancel, and the queue. */
export function ProgressPanel() {
  const job = useStudio((s) => s.job);
  const queued = useStudio((s) => s.queue.length);
  const total = job ? job.steps : 1;
  const done = job ? job.step : 0;
  return (
    <section className="progress" aria-label="Progress">
      <div className="progress-row">
        <progress aria-label="Generation progress" max={total} value={done} />
        <span className="progress-text" data-testid="progress-text">
          {job
            ? `${job.images > 1 ? `image ${job.image + 1} / ${job.images} · ` : ''}step ${done} / ${total}${job.cancelling ? ' · cancelling…' : ''}`
            : 'idle'}
        </span>
        <button type="button" onClick={cancelJob} disabled={!job || job.cancelling}>
          Cancel
        </button>
      </div>
      {queued > 0 && (
        <div className="queue-row">
          <span data-testid="queue-count">{queued} queued</span>
          <button type="button" onClick={clearQueue}>
            Clear queue
          </button>
        </div>
      )}
      {job?.preview && (
        <PixelCanvas className="preview" label="Live preview" {...job.preview} />
      )}
    </section>
  );
}
