import { useStudio } from './use-studio.ts';

const formatBytes = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} kB`);

/** Backend in use and model load progress. */
export function StatusLine() {
  const engine = useStudio((s) => s.engine);
  let text: string;
  if (engine.phase === 'starting') text = 'Starting the engine…';
  else if (engine.phase === 'loading') {
    const p = engine.loadProgress;
    text = p ? `Loading model: ${p.file} ${formatBytes(p.loaded)} / ${formatBytes(p.total)}` : 'Loading model…';
  } else if (engine.phase === 'error') text = 'Model not loaded';
  else {
    const backend =
      engine.backend === 'webgpu'
        ? `WebGPU (${engine.adapter ?? 'unknown adapter'})`
        : `WASM (${engine.threads} thread${engine.threads === 1 ? '' : 's'}${engine.crossOriginIsolated ? '' : ', not cross-origin isolated'})`;
    text = `${backend} · model ${engine.model?.id ?? '?'}`;
  }
  return (
    <p
      className="status"
      role="status"
      aria-label="Engine status"
      data-phase={engine.phase}
      data-backend={engine.backend ?? ''}
    >
      {text}
    </p>
  );
}
