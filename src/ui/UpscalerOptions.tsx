import { useMemo } from 'react';
import { upscalerChoices, type UpscalerChoice } from '../state/upscalers.ts';
import { useStudio } from './use-studio.ts';

/** The upscalers the menus offer, recomputed when the catalog or what is stored changes. */
export function useUpscalerChoices(options: { latent?: boolean } = {}): UpscalerChoice[] {
  const upscalers = useStudio((s) => s.models.upscalers);
  const stored = useStudio((s) => s.models.stored);
  const latent = options.latent === true;
  return useMemo(() => upscalerChoices({ upscalers, stored }, { latent }), [upscalers, stored, latent]);
}

/**
 * `<option>`s for an upscaler `<select>`: one not downloaded is listed but disabled (it says so),
 * except when it is the selected one (a deleted upscaler stays visible, and the job says why).
 */
export function UpscalerOptions({ choices, selected }: { choices: UpscalerChoice[]; selected: string }) {
  const listed = choices.some((c) => c.id === selected)
    ? choices
    : [...choices, { id: selected, name: selected, available: false, reason: 'not available here' }];
  return (
    <>
      {listed.map((c) => (
        <option key={c.id} value={c.id} disabled={!c.available && c.id !== selected} title={c.reason ?? undefined}>
          {c.available ? c.name : `${c.name} (not downloaded)`}
        </option>
      ))}
    </>
  );
}
