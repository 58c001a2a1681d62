import { useId, useState } from 'react';
import { formatBytes } from '../state/format.ts';
import {
  modelBytes,
  upscalerBytes,
  type CatalogModel,
  type CatalogUpscaler,
  type DownloadState,
  type ModelsState,
} from '../state/models-slice.ts';
import { actions, useStudio } from './use-studio.ts';

const useModels = <T,>(selector: (s: ModelsState) => T): T => useStudio((s) => selector(s.models));
const {
  addCustomAndDownload,
  deleteModel,
  inspectCustom,
  pauseDownload,
  redownloadFile,
  startDownload,
  switchToModel,
} = actions;

function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  if (seconds < 60) return `${Math.ceil(seconds)} s left`;
  if (seconds < 3600) return `${Math.ceil(seconds / 60)} min left`;
  return `${(seconds / 3600).toFixed(1)} h left`;
}

function StorageLine() {
  const storage = useModels((s) => s.storage);
  const free = storage.quota !== null && storage.usage !== null ? storage.quota - storage.usage : null;
  return (
    <p className="storage-line" role="status" aria-label="Storage">
      Models stored: {formatBytes(storage.modelBytes)} · free for this site: about {formatBytes(free)}
      {storage.persisted === null
        ? ''
        : storage.persisted
          ? ' · persistent'
          : ' · not persistent (the browser may evict it)'}
    </p>
  );
}

function DownloadProgressView({ download }: { download: DownloadState }) {
  const p = download.progress;
  if (!p) return null;
  const speed = p.bytesPerSecond > 0 ? `${formatBytes(p.bytesPerSecond)}/s` : '';
  return (
    <div className="download-progress">
      <progress aria-label="Download progress" max={p.total ?? undefined} value={p.loaded} />
      <p className="download-text" data-testid="download-text">
        {formatBytes(p.loaded)} of {formatBytes(p.total)} {speed && `· ${speed}`}{' '}
        {download.phase === 'downloading' && formatEta(p.etaSeconds)}
      </p>
      <details>
        <summary>Files</summary>
        <ul className="download-files">
          {p.files.map((f) => (
            <li key={f.path} data-state={f.state}>
              {f.path}: {f.state} {formatBytes(f.loaded)} / {formatBytes(f.total)}
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}

/** Where a stored thing (a model or an upscaler) stands: stored, partly, downloading, failed. */
function useStoredState(id: string, remote: boolean) {
  const stored = useModels((s) => s.stored[id]);
  const download = useModels((s) => s.downloads[id]);
  const complete = !remote || stored?.complete === true;
  const partial = remote && !complete && stored !== undefined && stored.storedBytes + stored.partialBytes > 0;
  const downloading = download?.phase === 'downloading';
  const state = downloading
    ? 'downloading'
    : download?.phase === 'error'
      ? 'error'
      : complete
        ? 'stored'
        : partial
          ? 'partial'
          : 'remote';
  return { stored, download, complete, partial, downloading, state };
}

/** The status line, progress and download error of a card (`storedNote` follows "Stored (…)"). */
function DownloadStatus({
  remote,
  size,
  storedNote = '',
  view,
}: {
  remote: boolean;
  size: number;
  storedNote?: string;
  view: ReturnType<typeof useStoredState>;
}) {
  const { stored, download, complete, partial, downloading } = view;
  return (
    <>
      {remote && !downloading && (
        <p className="model-status">
          {complete
            ? `Stored (${formatBytes(stored?.storedBytes)})${storedNote}`
            : partial
              ? `Partly downloaded (${formatBytes((stored?.storedBytes ?? 0) + (stored?.partialBytes ?? 0))} of ${formatBytes(size)})`
              : 'Not downloaded'}
        </p>
      )}
      {download && (downloading || download.phase === 'paused') && <DownloadProgressView download={download} />}
      {download?.phase === 'error' && download.error && (
        <p className="model-error" role="alert">
          {download.error.message}
        </p>
      )}
    </>
  );
}

function ModelCard({ model }: { model: CatalogModel }) {
  const active = useModels((s) => s.activeModelId === model.id);
  const failure = useModels((s) => s.loadFailures[model.id] ?? null);
  const engineModel = useStudio((s) => s.engine.model?.id);
  const phase = useStudio((s) => s.engine.phase);
  const remote = model.kind === 'remote';
  const view = useStoredState(model.id, remote);
  const { download, complete, partial, downloading, state } = view;
  const size = modelBytes(model);
  const loaded = active && engineModel === model.id && phase === 'ready';
  return (
    <article
      className={`model-card${active ? ' model-active' : ''}`}
      aria-label={model.name}
      data-model-id={model.id}
      data-state={state}
    >
      <h3>
        {model.name} {loaded && <span className="badge">in use</span>}
      </h3>
      {model.description && <p className="model-description">{model.description}</p>}
      <p className="model-facts">
        {remote ? `${formatBytes(size)} download` : 'included with the app'}
        {model.needs.shaderF16 && ' · needs WebGPU shader-f16'}
        {model.needs.estimatedGpuBytes !== undefined && ` · ~${formatBytes(model.needs.estimatedGpuBytes)} GPU memory`}
        {model.license && ` · licence: ${model.license}`}
      </p>
      <DownloadStatus remote={remote} size={size} view={view} />
      {failure && (
        <p className="model-error" role="alert">
          Could not load the stored model: {failure.message}
        </p>
      )}
      <div className="model-actions">
        {complete && !active && (
          <button type="button" onClick={() => switchToModel(model.id)}>
            Use
          </button>
        )}
        {complete && active && !loaded && phase === 'error' && (
          <button type="button" onClick={() => switchToModel(model.id)}>
            Load again
          </button>
        )}
        {remote && !complete && !downloading && (
          <button type="button" onClick={() => void startDownload(model.id)}>
            {partial || download?.phase === 'paused' || download?.phase === 'error' ? 'Resume download' : 'Download'}
          </button>
        )}
        {downloading && (
          <button type="button" onClick={() => void pauseDownload(model.id)}>
            Pause
          </button>
        )}
        {failure && (
          <button type="button" onClick={() => void redownloadFile(model.id, failure.file)}>
            Download again
          </button>
        )}
        {remote && (complete || partial || download?.phase === 'paused') && (
          <button type="button" onClick={() => void deleteModel(model.id)}>
            Delete
          </button>
        )}
      </div>
    </article>
  );
}

/**
 * An upscaler: the embedded SR model (with the app) or a catalog download (Real-ESRGAN), stored
 * like a model. Once stored it is offered by "Upscale ×2/×4" and Hires. fix.
 */
function UpscalerCard({ upscaler }: { upscaler: CatalogUpscaler }) {
  const remote = upscaler.kind === 'remote';
  const view = useStoredState(upscaler.id, remote);
  const { download, complete, partial, downloading, state } = view;
  const size = upscalerBytes(upscaler);
  return (
    <article className="model-card" aria-label={upscaler.name} data-upscaler-id={upscaler.id} data-state={state}>
      <h3>{upscaler.name}</h3>
      {upscaler.description && <p className="model-description">{upscaler.description}</p>}
      <p className="model-facts">
        ×{upscaler.scale} · {remote ? `${formatBytes(size)} download` : 'included with the app'}
        {upscaler.license && ` · licence: ${upscaler.license}`}
        {!upscaler.verified && ' · catalog entry not checked: size approximate, no checksum'}
      </p>
      <DownloadStatus remote={remote} size={size} view={view} storedNote=": offered by Upscale and Hires. fix" />
      <div className="model-actions">
        {remote && !complete && !downloading && (
          <button type="button" onClick={() => void startDownload(upscaler.id)}>
            {partial || download?.phase === 'paused' || download?.phase === 'error' ? 'Resume download' : 'Download'}
          </button>
        )}
        {downloading && (
          <button type="button" onClick={() => void pauseDownload(upscaler.id)}>
            Pause
          </button>
        )}
        {remote && (complete || partial || download?.phase === 'paused') && (
          <button type="button" onClick={() => void deleteModel(upscaler.id)}>
            Delete
          </button>
        )}
      </div>
    </article>
  );
}

function CustomModel() {
  const id = useId();
  const [input, setInput] = useState('');
  const custom = useModels((s) => s.custom);
  const preview = custom.preview;
  return (
    <form
      className="custom-model"
      aria-label="Custom model"
      onSubmit={(e) => {
        e.preventDefault();
        void inspectCustom(input);
      }}
    >
      <label htmlFor={id}>Custom model: Hugging Face repo id or folder URL (diffusers ONNX layout)</label>
      <div className="number-row">
        <input id={id} type="text" value={input} placeholder="owner/name" onChange={(e) => setInput(e.target.value)} />
        <button type="submit" disabled={custom.inspecting || input.trim() === ''}>
          {custom.inspecting ? 'Inspecting…' : 'Inspect'}
        </button>
      </div>
      {custom.error && (
        <p className="model-error" role="alert">
          {custom.error}
        </p>
      )}
      {preview && (
        <div className="custom-preview" aria-label="Inspected model">
          <p>
            {preview.name}: {preview.files.length} files, {formatBytes(modelBytes(preview))}
          </p>
          <button type="button" onClick={addCustomAndDownload}>
            Download {preview.name}
          </button>
        </div>
      )}
    </form>
  );
}

/** Models: the embedded one, the catalog's real ones, custom ones; downloads and storage. */
export function ModelManager() {
  const catalog = useModels((s) => s.catalog);
  const catalogError = useModels((s) => s.catalogError);
  const upscalers = useModels((s) => s.upscalers);
  return (
    <section className="models" aria-label="Models">
      <h2>Models</h2>
      <StorageLine />
      {catalogError && <p className="model-error">{catalogError}</p>}
      {catalog.map((m) => (
        <ModelCard key={m.id} model={m} />
      ))}
      <CustomModel />
      {upscalers.length > 0 && (
        <section className="upscalers" aria-label="Upscalers">
          <h3>Upscalers</h3>
          {upscalers.map((u) => (
            <UpscalerCard key={u.id} upscaler={u} />
          ))}
        </section>
      )}
    </section>
  );
}
