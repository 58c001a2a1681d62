/**
 * Gives the worker's event loop a turn before every U-Net call. On the single-threaded WASM
 * backend `session.run` resolves through microtasks only, so without a task boundary a `cancel`
 * message waits until the whole job is done; with one, it lands between denoising steps.
 * A MessageChannel round trip is a task without setTimeout's 4 ms clamping (~0.05 ms).
 */
import type { UnetModel } from '../pipeline/types.ts';

let channel: MessageChannel | null = null;
const waiting: (() => void)[] = [];

export function nextTask(): Promise<void> {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.addEventListener('message', () => waiting.shift()?.());
    channel.port1.start();
  }
  const port = channel.port2;
  return new Promise((resolve) => {
    waiting.push(resolve);
    port.postMessage(null);
  });
}

export function withEventTurns(unet: UnetModel): UnetModel {
  return {
    dynamicBatch: unet.dynamicBatch,
    fixedSequenceLength: unet.fixedSequenceLength,
    latentChannels: unet.latentChannels,
    ...(unet.inChannels !== undefined ? { inChannels: unet.inChannels } : {}),
    async predict(sample, timestep, context) {
      await nextTask();
      return unet.predict(sample, timestep, context);
    },
  };
}
