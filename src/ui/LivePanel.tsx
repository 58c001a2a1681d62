import { selectLiveVariant } from '../state/live-variant.ts';
import { PixelCanvas } from './PixelCanvas.tsx';
import { actions, useStudio } from './use-studio.ts';

/**
 * Live mode's output: the newest live image with the prompt it was rendered from, and "Keep",
 * which saves it to the gallery (live images are not saved on their own).
 */
export function LivePanel() {
  const on = useStudio((s) => s.settings.live);
  const image = useStudio((s) => s.live.image);
  const rendered = useStudio((s) => s.live.rendered);
  const kept = useStudio((s) => (image ? s.gallery.some((i) => i.job === image.job) : false));
  if (!on && !image) return null;
  return (
    <section
      className="live-panel"
      aria-label="Live"
      data-rendered={rendered}
      data-prompt={image?.params.prompt ?? ''}
      data-seed={image?.params.seed ?? ''}
    >
      {image ? (
        <figure>
          <PixelCanvas
            className="live-image"
            label="Live image"
            rgba={image.rgba}
            width={image.width}
            height={image.height}
          />
          <figcaption>
            <span className="live-prompt">{image.params.prompt || '(empty prompt)'}</span>
            <span className="live-meta">
              {image.modelId} · {image.params.steps} steps · CFG {image.params.cfg} ·{' '}
              {Math.round(image.timings.totalMs)} ms
            </span>
          </figcaption>
        </figure>
      ) : (
        <p className="hint">Type a prompt: images appear here as you type.</p>
      )}
      <button type="button" onClick={() => actions.keepLiveImage()} disabled={!image || kept}>
        {kept ? 'Kept in the gallery' : 'Keep'}
      </button>
    </section>
  );
}

/** What Live renders with, next to its toggle. */
export function LiveHint() {
  const on = useStudio((s) => s.settings.live);
  // A string, so the selection is stable between renders.
  const uses = useStudio((s) => {
    const variant = selectLiveVariant(s);
    return variant
      ? `Live renders with ${variant.name} — ${variant.defaults.steps} steps, CFG ${variant.defaults.cfg}; Generate keeps your model and settings.`
      : 'Live renders with the loaded model and the form’s settings.';
  });
  if (!on) return null;
  return (
    <p className="hint" data-testid="live-hint">
      {uses} Live images are not saved: press Keep for the one you want.
    </p>
  );
}
