/** Which model Live renders with: the loaded model's `liveVariant` from the catalog, if any. */
import type { LiveVariant } from './live-events.ts';
import { modelRefOf } from './models-slice.ts';
import type { Studio } from './store.ts';

export function selectLiveVariant(s: Pick<Studio, 'engine' | 'models'>): LiveVariant | null {
  const loaded = s.engine.model?.id;
  if (!loaded) return null;
  const entry = s.models.catalog.find((m) => m.id === loaded);
  const variant = entry?.liveVariant ? s.models.catalog.find((m) => m.id === entry.liveVariant) : undefined;
  if (!variant || variant.id === loaded) return null;
  const { steps, cfg, sampler } = variant.defaults;
  return { ref: modelRefOf(variant), name: variant.name, defaults: { steps, cfg, sampler } };
}
