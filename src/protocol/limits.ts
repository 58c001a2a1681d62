/**
 * A catalog id (a model's or an upscaler's), as written or namespaced by a `?catalog=` host
 * ("mirror.example/realesr"): anchored, no nested repetition, so checking it is linear.
 */
export const CATALOG_ID_PATTERN = /^[A-Za-z0-9][^\s\\"<>]{0,199}$/;

/** The limits every layer enforces on what a person types, imports or asks to run. */
export const LIMITS = {
  steps: { min: 1, max: 150 },
  cfg: { min: 1, max: 30 },
  batch: { min: 1, max: 16 },
  /** Images per U-Net call (A1111's batch size slider goes to 8). */
  batchSize: { min: 1, max: 8 },
  size: { min: 64, max: 2048 },
  promptChars: 20_000,
  /**
   * Imported infotext (a PNG's `parameters` or pasted text): two full prompts plus a generous
   * parameter line. Longer text is refused before it is parsed.
   */
  infotextChars: 65_536,
  /** |weight| of any prompt run after nesting (`(a:1e320)` is Infinity and makes NaN latents). */
  promptWeight: 1000,
} as const;
