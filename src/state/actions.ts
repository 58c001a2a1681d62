/** Form actions (zustand's module-level actions over setState). */
import { randomSeed, type GenerationParams } from '../protocol/params.ts';
import { studio, type StudioSettings } from './store.ts';

export function setParam<K extends keyof GenerationParams>(key: K, value: GenerationParams[K]): void {
  studio.setState((s) => ({
    params: { ...s.params, [key]: value },
    paramIssues: s.paramIssues.filter((i) => i.field !== key),
  }));
}

export function setParams(params: Partial<GenerationParams>): void {
  studio.setState((s) => ({ params: { ...s.params, ...params }, paramIssues: [] }));
}

export function randomizeSeed(random: () => number = Math.random): void {
  setParam('seed', randomSeed(random));
}

export function setSetting<K extends keyof StudioSettings>(key: K, value: StudioSettings[K]): void {
  studio.setState((s) => ({ settings: { ...s.settings, [key]: value } }));
}

export function dismissNotice(): void {
  studio.setState({ notice: null });
}
