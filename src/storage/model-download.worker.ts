/**
 * DOWNLOAD WORKER entry (a dedicated worker of its own): serves the download calls
 * (model-download-protocol.ts, handlers in download-service.ts) over the typed RPC helper, into
 * OPFS. A dedicated worker because only dedicated workers get OPFS sync access handles
 * (in-place, durable appends) and because hashing gigabytes must not run on the UI thread or in
 * the engine worker, whose event loop a WASM model run blocks for seconds at a time.
 */
import { serveRpc } from '../protocol/rpc.ts';
import { createDownloadService, failureOf, type DownloadLocks } from './download-service.ts';
import type { DownloadCalls, DownloadEvent, DownloadFailure, DownloadRequest } from './model-download-protocol.ts';
import { opfsModelStore } from './model-store-opfs.ts';

declare const self: DedicatedWorkerGlobalScope;

const post = (event: DownloadEvent) => self.postMessage(event);

const service = createDownloadService({
  makeStore: opfsModelStore,
  post,
  locks: (self.navigator.locks as DownloadLocks | undefined) ?? null,
  now: () => performance.now(),
});

serveRpc<DownloadCalls, DownloadFailure>(
  {
    postMessage: post,
    addEventListener: (type, listener) =>
      self.addEventListener(type, (event: MessageEvent<DownloadRequest>) => listener(event)),
  },
  service,
  failureOf,
);
