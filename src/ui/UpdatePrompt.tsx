import { useStore } from 'zustand';
import { applyUpdate, dismissUpdate, pwa } from '../state/pwa.ts';

/** "Update available": a new version never replaces the running one without the person's say. */
export function UpdatePrompt() {
  const { updateAvailable, updating } = useStore(pwa);
  if (!updateAvailable) return null;
  return (
    <div className="notice notice-info update-prompt" role="status" aria-label="Update available">
      <span>Update available: a new version of Latent Studio is ready.</span>
      <button type="button" onClick={applyUpdate} disabled={updating}>
        {updating ? 'Updating…' : 'Reload to update'}
      </button>
      <button type="button" aria-label="Later" onClick={dismissUpdate}>
        Later
      </button>
    </div>
  );
}
