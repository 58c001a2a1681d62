/** Saves a Blob through a temporary link (the way browsers offer "Save as" for in-page data). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** `latent-studio-<seed>-<first words of the prompt>.png` */
export function imageFileName(prompt: string, seed: string): string {
  const slug = prompt
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `latent-studio-${seed}${slug ? `-${slug}` : ''}.png`;
}
