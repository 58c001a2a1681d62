import { LiveHint } from './LivePanel.tsx';
import { actions, useStudio } from './use-studio.ts';

const { setSetting } = actions;

/** Live (as-you-type) rendering and the step-by-step preview; both are remembered. */
export function StudioToggles() {
  const live = useStudio((s) => s.settings.live);
  const livePreview = useStudio((s) => s.settings.livePreview);
  return (
    <fieldset className="toggles">
      <legend className="visually-hidden">Rendering options</legend>
      <label className="check">
        <input type="checkbox" checked={live} onChange={(e) => setSetting('live', e.target.checked)} />
        Live: render as you type
      </label>
      <LiveHint />
      <label className="check">
        <input type="checkbox" checked={livePreview} onChange={(e) => setSetting('livePreview', e.target.checked)} />
        Show preview while generating
      </label>
    </fieldset>
  );
}
