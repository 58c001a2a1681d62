/**
 * What an HTTP answer to a (possibly ranged) GET means for a resumable download, as a pure
 * decision: append at the offset asked for, write from the start, the file is already complete,
 * discard the partial bytes and ask again, retry later, or fail. Runs in the download worker
 * (and Node tests); no I/O here, so every status and header combination is unit-tested.
 *
 * Only a `206` whose Content-Range starts exactly where the stored bytes stop may be appended
 * (one range, `Range: bytes=N-`, a CORS-simple header); a `200` is the whole file from byte 0;
 * a `416` whose total equals what is stored means the file was already complete.
 */
import { DownloadError } from './download-types.ts';

export type RangeAnswer =
  /** Append the body at `offset`. */
  | { kind: 'append'; total: number | null }
  /** The body is the whole file: write it from byte 0. */
  | { kind: 'from-start'; total: number | null }
  /** Nothing to download: the stored bytes are the whole file. */
  | { kind: 'complete'; total: number }
  /** The stored bytes cannot be continued: remove them and ask again (counts as a failed attempt). */
  | { kind: 'restart'; error: DownloadError }
  /** A transient failure (5xx, 429, 408): ask again after a pause. */
  | { kind: 'retry'; error: DownloadError }
  | { kind: 'fail'; error: DownloadError };

export interface ResponseHead {
  status: number;
  headers: { get(name: string): string | null };
}

/** Parses a Content-Range header: "bytes 100-199/1000", or "bytes * /1000" on a 416. */
export function parseContentRange(header: string | null): { start: number | null; total: number | null } | null {
  if (!header) return null;
  const match = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(header.trim());
  if (!match) return null;
  return {
    start: match[1] === undefined ? null : Number(match[1]),
    total: match[3] === undefined || match[3] === '*' ? null : Number(match[3]),
  };
}

const lengthOf = (head: ResponseHead): number | null => {
  const header = head.headers.get('content-length');
  const n = header === null ? NaN : Number(header);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
};

/** Classifies the answer to a GET for `path` that asked for bytes from `offset` (0: no Range). */
export function classifyRangeResponse(head: ResponseHead, offset: number, path: string, url: string): RangeAnswer {
  const { status } = head;
  if (status === 206) {
    const range = parseContentRange(head.headers.get('content-range'));
    if (range?.start !== offset) {
      return {
        kind: 'restart',
        error: new DownloadError('http', `${path}: the server answered a different byte range.`, path),
      };
    }
    const length = lengthOf(head);
    return { kind: 'append', total: range.total ?? (length === null ? null : offset + length) };
  }
  if (status === 200) return { kind: 'from-start', total: lengthOf(head) };
  if (status === 416 && offset > 0) {
    const range = parseContentRange(head.headers.get('content-range'));
    if (range?.total === offset) return { kind: 'complete', total: offset };
    return {
      kind: 'restart',
      error: new DownloadError('http', `${path}: the server has a different file than the bytes stored so far.`, path),
    };
  }
  if (status === 404 || status === 410) {
    return {
      kind: 'fail',
      error: new DownloadError('not-found', `${path} was not found on the server (${status}): ${url}`, path),
    };
  }
  const error = new DownloadError('http', `The server answered ${status} for ${path}.`, path);
  if (status >= 500 || status === 429 || status === 408) return { kind: 'retry', error };
  return { kind: 'fail', error };
}

/** "0.7 MB" normally; exact bytes when two sizes would read the same. */
export function describeSizes(a: number, b: number): [string, string] {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  if (mb(a) !== mb(b)) return [mb(a), mb(b)];
  const exact = (n: number) => `${n.toLocaleString('en-US')} bytes`;
  return [exact(a), exact(b)];
}

/** The error when the size the server announces differs from the catalog's exact size. */
export function sizeMismatch(path: string, announced: number | null, expected: number | null): DownloadError | null {
  if (announced === null || expected === null || announced === expected) return null;
  const [server, catalog] = describeSizes(announced, expected);
  return new DownloadError(
    'size-mismatch',
    `${path}: the server announces ${server} but the catalog expects ${catalog}, so it was not stored. The server or a proxy may be serving another version of the file; try again later, or check the catalog.`,
    path,
  );
}
