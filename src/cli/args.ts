/** Minimal `--name value` / `--flag` parsing for the project's CLIs (node:util parseArgs). */
import { parseArgs } from 'node:util';

export function readArgs<T extends Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>>(
  options: T,
) {
  const { values } = parseArgs({ options, allowPositionals: false, strict: true });
  return values;
}
