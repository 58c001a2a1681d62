/**
 * Downloaded models, read from OPFS in the engine worker (the download worker wrote them).
 * Only the store's read side is used here, so no sync access handle is ever opened.
 */
import { opfsModelStore } from '../../storage/model-store-opfs.ts';
import type { ModelFileSource } from '../model-source.ts';
import { storeModelSource } from '../store-model-source.ts';

export const opfsModelSource = (modelId: string): ModelFileSource => storeModelSource(opfsModelStore(), modelId);
