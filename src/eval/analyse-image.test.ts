import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { analyseImage, nearestColour } from './analyse-image.ts';

const dir = join(import.meta.dirname, '../../tests/fixtures/shapes');
const labels = JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as {
  file: string;
  shape: string;
  color: string;
  size: string;
  position: string;
  background: string;
}[];

describe('analyseImage on ground-truth renders of the training set', () => {
  const results = labels.map((label) => {
    const png = PNG.sync.read(readFileSync(join(dir, label.file)));
    return { label, analysis: analyseImage(png.data, png.width, png.height) };
  });
  const accuracy = (pick: (r: (typeof results)[number]) => boolean) => results.filter(pick).length / results.length;

  it('reads background, colour, position and size of every render', () => {
    expect(accuracy((r) => r.analysis.background === r.label.background)).toBe(1);
    expect(accuracy((r) => r.analysis.object?.colour === r.label.color)).toBe(1);
    expect(accuracy((r) => r.analysis.object?.position === r.label.position)).toBe(1);
    expect(accuracy((r) => r.analysis.object?.size === r.label.size)).toBe(1);
  });
  it('reads the shape of nearly every render', () => {
    const wrong = results.filter((r) => r.analysis.object?.shape !== r.label.shape);
    expect(wrong.map((r) => `${r.label.file}: ${r.label.shape} read as ${r.analysis.object?.shape}`)).toEqual([]);
  });
});

describe('nearestColour', () => {
  it('maps CSS named colours to themselves and near shades to them', () => {
    expect(nearestColour([250, 10, 5])).toBe('red');
    expect(nearestColour([120, 130, 125])).toBe('gray');
    expect(nearestColour([255, 190, 200])).toBe('pink');
  });
});
