/**
 * Import generation parameters from a PNG (ours or A1111's `parameters` chunk) or from pasted
 * infotext. Fills every form field it understands and says what it did; text that is not
 * infotext, or a file without it, leaves the form untouched and says why.
 */
import { FIELD_LABELS, paramsFromInfotext, type ImportedField } from '../metadata/generation-infotext.ts';
import { latin1, MAX_INFLATED_TEXT_BYTES, PngReadError, readPngText, type PngTextEntry } from '../metadata/png-text.ts';
import { LIMITS } from '../protocol/limits.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import type { StudioStore } from './store.ts';
import { studio } from './studio.ts';

const fail = (text: string, store: StudioStore) => {
  store.getState().notify({ kind: 'error', text });
  return false;
};

/** Applies infotext to the form. Returns whether anything was imported. */
export function importInfotext(text: string, source = 'the pasted text', store: StudioStore = studio): boolean {
  const sizeMultiple = store.getState().engine.model?.sizeMultiple ?? 64;
  const result = paramsFromInfotext(text, { samplers: SAMPLERS, sizeMultiple });
  if (!result.ok) return fail(`Nothing imported from ${source}: ${result.message}`, store);
  const { params, ignored, problems, model, imageSettings, hires } = result.value;
  store.getState().setParams(hires ? { ...params, hires } : params);
  const fields = (Object.keys(params) as ImportedField[]).map((k) => FIELD_LABELS[k]);
  if (hires) fields.push('Hires. fix');
  // Denoising strength, mask settings and variation seeds go to the image slice.
  const { image, variation } = imageSettings;
  if (Object.keys(image).length > 0 || Object.keys(variation).length > 0) {
    store.setState((s) => ({
      imageInput: {
        ...s.imageInput,
        settings: { ...s.imageInput.settings, ...image },
        variation: { ...s.imageInput.variation, ...variation },
      },
    }));
    fields.push(...Object.keys(image), ...Object.keys(variation));
  }
  const currentModel = store.getState().engine.model?.id;
  const notes = [
    `Imported from ${source}: ${fields.join(', ')}.`,
    ...problems,
    ignored.length > 0 ? `Ignored: ${ignored.join(', ')}.` : '',
    model && currentModel && model !== currentModel
      ? `It was made with model "${model}"; this studio uses "${currentModel}".`
      : '',
  ].filter(Boolean);
  store.getState().notify({ kind: 'info', text: notes.join(' ') });
  return true;
}

/** Largest file read for import; a PNG's metadata is tiny, and A1111's PNGs are a few MB. */
const MAX_IMPORT_FILE_BYTES = 64 * 2 ** 20;

class TooMuchText extends Error {}

/** Inflates a zTXt / compressed iTXt body, stopping (TooMuchText) past MAX_INFLATED_TEXT_BYTES. */
async function inflate(entry: PngTextEntry): Promise<string> {
  const compressed = entry.compressed ?? new Uint8Array();
  const stream = new Blob([compressed as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('deflate'));
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_INFLATED_TEXT_BYTES) {
      await reader.cancel();
      throw new TooMuchText();
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return entry.utf8 ? new TextDecoder().decode(bytes) : latin1(bytes);
}

/** Reads a dropped or picked file: a PNG with `parameters`, or a text file of infotext. */
export async function importFile(file: File, store: StudioStore = studio): Promise<boolean> {
  const name = `"${file.name || 'the file'}"`;
  // Caps before reading (issue 10: a 50 MB parameters chunk froze the tab for 44 s).
  if (file.size > MAX_IMPORT_FILE_BYTES) {
    return fail(
      `Nothing imported: ${name} is ${(file.size / 2 ** 20).toFixed(0)} MB; the studio reads files up to ${MAX_IMPORT_FILE_BYTES / 2 ** 20} MB for parameters.`,
      store,
    );
  }
  const isText = file.type.startsWith('text/') || /\.txt$/i.test(file.name);
  if (isText && file.size > LIMITS.infotextChars * 4) {
    return fail(
      `Nothing imported from ${name}: the parameters text is too long (the studio reads at most ${LIMITS.infotextChars.toLocaleString('en-US')} characters).`,
      store,
    );
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (isText) {
    return importInfotext(new TextDecoder().decode(bytes), name, store);
  }
  let entries: PngTextEntry[];
  try {
    entries = readPngText(bytes);
  } catch (error) {
    if (error instanceof PngReadError) return fail(`Nothing imported from ${name}: ${error.message}`, store);
    throw error;
  }
  const entry = entries.find((e) => e.keyword === 'parameters');
  if (!entry)
    return fail(`Nothing imported: ${name} carries no generation parameters (no "parameters" text in the PNG).`, store);
  let text: string;
  try {
    text = entry.text ?? (await inflate(entry));
  } catch (error) {
    if (error instanceof TooMuchText)
      return fail(
        `Nothing imported from ${name}: its compressed parameters unpack to over ${MAX_INFLATED_TEXT_BYTES / 2 ** 20} MB of text.`,
        store,
      );
    return fail(`Nothing imported from ${name}: its compressed parameters could not be read.`, store);
  }
  return importInfotext(text, name, store);
}
