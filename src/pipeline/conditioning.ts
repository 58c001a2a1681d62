/**
 * Conditioning: diffusers' `encode_prompt` with A1111's prompt language in front (emphasis
 * weights, 75-token chunks, BREAK), and the interpolation of two prompts' embeddings.
 */
import { concatBatch, type Float32Tensor } from '../math/tensor.ts';
import {
  applyEmphasis,
  concatChunks,
  encodePromptPair,
  truncateToSingleChunk,
  type PromptChunk,
} from '../prompt/index.ts';
import { encodeChunksCached } from './encoding-cache.ts';
import type { Clock, DiffusionModel } from './types.ts';

export interface EncodedPrompts {
  /** [1, tokens, dim] for the prompt, and the negative prompt when guidance runs. */
  cond: Float32Tensor;
  uncond: Float32Tensor | null;
  droppedTokens: number;
  tokenizeMs: number;
  textEncoderMs: number;
}

/** Tokenizes with A1111's chunking, encodes every chunk, applies emphasis, joins the chunks. */
export async function encodePrompts(
  model: DiffusionModel,
  prompt: string,
  negativePrompt: string,
  guidance: boolean,
  clock: Clock,
): Promise<EncodedPrompts> {
  const t0 = clock();
  const pair = encodePromptPair(prompt, negativePrompt, model.tokenizer);
  let cond: PromptChunk[] = pair.cond;
  let uncond: PromptChunk[] = pair.uncond;
  let droppedTokens = 0;
  if (model.unet.fixedSequenceLength !== null) {
    const truncated = truncateToSingleChunk(cond);
    droppedTokens = truncated.droppedTokens;
    cond = [truncated.chunk];
    uncond = [truncateToSingleChunk(uncond).chunk];
  }
  const chunks = guidance ? [...uncond, ...cond] : cond;
  const t1 = clock();
  // Unchanged chunks (the same text, the empty negative prompt) reuse their encoding.
  const encoded = await encodeChunksCached(
    model.textEncoder,
    chunks.map((c) => c.ids),
  );
  const { tokens, dim } = encoded;
  const perChunk = encoded.perChunk.map((part, i) =>
    applyEmphasis(part, tokens, dim, (chunks[i] as PromptChunk).weights),
  );
  // Chunks join along the token axis: [1, 77·k, dim] (A1111's torch.hstack of chunk outputs).
  const join = (parts: Float32Array[]): Float32Tensor => ({
    data: concatChunks(parts, dim),
    dims: [1, parts.length * tokens, dim],
  });
  const condParts = guidance ? perChunk.slice(uncond.length) : perChunk;
  return {
    cond: join(condParts),
    uncond: guidance ? join(perChunk.slice(0, uncond.length)) : null,
    droppedTokens,
    tokenizeMs: t1 - t0,
    textEncoderMs: clock() - t1,
  };
}

/**
 * Prompt interpolation: `(1 − t)·a + t·b` on the prompt embeddings (the linear "prompt travel" of
 * the A1111 scripts; slerp is for Gaussian noise, not embeddings). t = 0 and t = 1 return the
 * endpoints exactly. Both prompts must span the same number of 75-token chunks.
 */
export function lerpEmbeddings(a: Float32Tensor, b: Float32Tensor, t: number): Float32Tensor {
  if (a.data.length !== b.data.length) {
    throw new Error(
      `The two prompts need the same number of 75-token chunks to interpolate (${a.dims[1]} vs ${b.dims[1]} tokens).`,
    );
  }
  if (t === 0) return a;
  if (t === 1) return b;
  const wa = Math.fround(1 - t);
  const wb = Math.fround(t);
  const data = new Float32Array(a.data.length);
  for (let i = 0; i < data.length; i++)
    data[i] = Math.fround(wa * (a.data[i] ?? 0)) + Math.fround(wb * (b.data[i] ?? 0));
  return { data, dims: a.dims };
}

/** The U-Net's context: `cat([uncond, cond])` when guidance runs as one batch. */
export function guidanceContext(cond: Float32Tensor, uncond: Float32Tensor | null): Float32Tensor {
  return uncond ? concatBatch([uncond, cond]) : cond;
}
