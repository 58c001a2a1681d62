/**
 * WebGPU I/O binding for the U-Net (ort-model.ts's `GpuTensorBinding`): inputs live in GPU buffers
 * that are made once per size and refilled with `queue.writeBuffer` (the latents once per step;
 * the text context once per image, since the pipeline passes the same array every step), and the
 * output is bound to one reused buffer that a reused staging buffer reads back — one copy up and
 * one copy down per step, no buffer created or destroyed inside the loop.
 *
 * Measured (scripts/bench-unet.ts --webgpu, SwiftShader, embedded U-Net, batch 2, 8×8): ORT
 * allocating CPU→GPU→CPU 817 ms per call; output left on the GPU 820; this binding 812; plus graph
 * capture 807 (run() itself 27 → 1 ms). On SwiftShader the shaders dominate; the binding's gain is
 * what it removes from the host side, which grows on real GPUs.
 */
/// <reference types="@webgpu/types" />
import type * as OrtWeb from 'onnxruntime-web/webgpu';
import type { GpuTensorBinding } from '../ort-model.ts';

type Ort = typeof OrtWeb;

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

interface Slot {
  buffer: GPUBuffer;
  bytes: number;
  tensor: OrtWeb.Tensor;
  dimsKey: string;
  staging?: GPUBuffer;
  dataType: 'float32' | 'float16';
}

export function createGpuBinding(ort: Ort, device: GPUDevice): GpuTensorBinding {
  const slots = new Map<string, Slot>();
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

  const slotFor = (key: string, dataType: 'float32' | 'float16', dims: readonly number[], bytes: number): Slot => {
    const dimsKey = `${dataType}:${dims.join('x')}`;
    const existing = slots.get(key);
    if (existing && existing.dimsKey === dimsKey) return existing;
    if (existing) {
      existing.buffer.destroy();
      existing.staging?.destroy();
    }
    const buffer = device.createBuffer({ size: align(bytes), usage });
    const tensor = ort.Tensor.fromGpuBuffer(buffer, { dataType, dims });
    const slot: Slot = { buffer, bytes, tensor, dimsKey, dataType };
    slots.set(key, slot);
    return slot;
  };

  return {
    input(key, dataType, data, dims) {
      const slot = slotFor(key, dataType, dims, data.byteLength);
      device.queue.writeBuffer(slot.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
      return slot.tensor;
    },
    output(key, dataType, dims) {
      const bytes = dims.reduce((a, b) => a * b, 1) * (dataType === 'float16' ? 2 : 4);
      return slotFor(key, dataType, dims, bytes).tensor;
    },
    async read(key) {
      const slot = slots.get(key);
      if (!slot) throw new Error(`No GPU output bound as ${key}.`);
      slot.staging ??= device.createBuffer({
        size: align(slot.bytes),
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(slot.buffer, 0, slot.staging, 0, align(slot.bytes));
      device.queue.submit([encoder.finish()]);
      await slot.staging.mapAsync(GPUMapMode.READ);
      const copy = slot.staging.getMappedRange(0, align(slot.bytes)).slice(0, slot.bytes);
      slot.staging.unmap();
      return slot.dataType === 'float16' ? new Uint16Array(copy) : new Float32Array(copy);
    },
    release() {
      for (const slot of slots.values()) {
        slot.buffer.destroy();
        slot.staging?.destroy();
      }
      slots.clear();
    },
  };
}
