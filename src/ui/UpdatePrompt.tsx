import { actions, useStudio } from './use-studio.ts';

/** "Update available": a new version never replaces the running one without the person's say. */
export function UpdatePrompt() {
  const updateAvailable = useStudio((s) => s.pwa.updateAvailable);
  const updating = useStudio((s) => s.pwa.updating);
  if (!updateAvailable) return null;
  return (
    <div className="notice notice-info update-prompt" role="status" aria-label="Update available">
      <span>Update available: a new version of Latent Studio is ready.</span>
      <button type="button" onClick={actions.applyUpdate} disabled={updating}>
        {updating ? 'Updating…' : 'Reload to update'}
      </button>
      <button type="button" aria-label="Later" onClick={actions.dismissUpdate}>
        Later
      </button>
    </div>
  );
}
