import { PixelCanvas } from './PixelCanvas.tsx';
import { QueueList } from './QueueList.tsx';
import { actions, useStudio } from './use-studio.ts';

/** Progress of the running job ("step i / N"), its live preview, Cancel, and the queue. */
export function ProgressPanel() {
  const job = useStudio((s) => s.job);
  const lastRun = useStudio((s) => s.lastRun);
  const total = job ? job.steps : (lastRun?.steps ?? 1);
  const done = job ? job.step : (lastRun?.step ?? 0);
  return (
    <section className="progress" aria-label="Progress">
      <div className="progress-row">
        <progress aria-label="Generation progress" max={total} value={done} />
        <span className="progress-text" data-testid="progress-text">
          {job
            ? `${job.images > 1 ? `image ${job.image + 1} / ${job.images} · ` : ''}step ${done} / ${total}${job.cancelling ? ' · cancelling…' : ''}`
            : lastRun
              ? `${lastRun.outcome} · step ${done} / ${total}`
              : 'idle'}
        </span>
        <button type="button" onClick={actions.cancelJob} disabled={!job || job.cancelling}>
          Cancel
        </button>
      </div>
      <QueueList />
      {job?.preview && <PixelCanvas className="preview" label="Live preview" {...job.preview} />}
    </section>
  );
}
