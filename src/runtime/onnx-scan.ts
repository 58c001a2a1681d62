/**
 * Reads just enough of an ONNX file's protobuf to know what a GPU must hold: the largest weight
 * tensor (bytes, from its dims and element type, inline or in external data) and whether any
 * weight is float16. The adapter check uses it for models the catalog knows nothing about
 * (custom ones). It walks field headers and skips payloads, so a 1.7 GB graph costs a few ms.
 *
 * Fields (onnx.proto): ModelProto.graph = 7; GraphProto.initializer = 5; TensorProto.dims = 1,
 * data_type = 2, name = 8, external_data = 13 (StringStringEntryProto key = 1, value = 2).
 */

export interface GraphWeights {
  largestWeightBytes: number;
  largestWeightName: string;
  hasFloat16: boolean;
  initializers: number;
  /** Files the weights live in (external data `location`s, relative to the graph's folder). */
  externalFiles: string[];
}

/** TensorProto.DataType → bytes per element (0 for strings / unknown). */
const ELEMENT_BYTES: Record<number, number> = {
  1: 4, // FLOAT
  2: 1, // UINT8
  3: 1, // INT8
  4: 2, // UINT16
  5: 2, // INT16
  6: 4, // INT32
  7: 8, // INT64
  9: 1, // BOOL
  10: 2, // FLOAT16
  11: 8, // DOUBLE
  12: 4, // UINT32
  13: 8, // UINT64
  16: 2, // BFLOAT16
};
const FLOAT16 = 10;

class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.bytes[this.pos++] as number;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
  }
  /** Skips a field of the given wire type; returns [start, end] of a LEN payload. */
  skip(wire: number): [number, number] | null {
    switch (wire) {
      case 0:
        this.varint();
        return null;
      case 1:
        this.pos += 8;
        return null;
      case 2: {
        const length = this.varint();
        const start = this.pos;
        this.pos += length;
        if (this.pos > this.end) throw new Error('truncated field');
        return [start, this.pos];
      }
      case 5:
        this.pos += 4;
        return null;
      default:
        throw new Error(`unsupported wire type ${wire}`);
    }
  }
}

function tensorSize(bytes: Uint8Array, start: number, end: number) {
  const r = new Reader(bytes, start, end);
  let elements = 1;
  let type = 0;
  let name = '';
  let location: string | null = null;
  while (r.pos < end) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 1 && wire === 0) elements *= r.varint();
    else if (field === 1 && wire === 2) {
      const [s, e] = r.skip(2) as [number, number];
      const packed = new Reader(bytes, s, e);
      while (packed.pos < e) elements *= packed.varint();
    } else if (field === 2 && wire === 0) type = r.varint();
    else if (field === 8 && wire === 2) {
      const [s, e] = r.skip(2) as [number, number];
      name = new TextDecoder().decode(bytes.subarray(s, e));
    } else if (field === 13 && wire === 2) {
      const [s, e] = r.skip(2) as [number, number];
      const entry = keyValue(bytes, s, e);
      if (entry.key === 'location') location = entry.value;
    } else r.skip(wire);
  }
  return { bytes: elements * (ELEMENT_BYTES[type] ?? 0), type, name, location };
}

function keyValue(bytes: Uint8Array, start: number, end: number) {
  const r = new Reader(bytes, start, end);
  let key = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.varint();
    const range = r.skip(tag % 8);
    if (!range) continue;
    const text = new TextDecoder().decode(bytes.subarray(range[0], range[1]));
    if (Math.floor(tag / 8) === 1) key = text;
    else if (Math.floor(tag / 8) === 2) value = text;
  }
  return { key, value };
}

export function scanOnnxWeights(bytes: Uint8Array): GraphWeights {
  const result: GraphWeights = {
    largestWeightBytes: 0,
    largestWeightName: '',
    hasFloat16: false,
    initializers: 0,
    externalFiles: [],
  };
  const model = new Reader(bytes, 0, bytes.length);
  while (model.pos < bytes.length) {
    const key = model.varint();
    const range = model.skip(key % 8);
    if (Math.floor(key / 8) !== 7 || !range) continue;
    const graph = new Reader(bytes, range[0], range[1]);
    while (graph.pos < range[1]) {
      const gkey = graph.varint();
      const grange = graph.skip(gkey % 8);
      if (Math.floor(gkey / 8) !== 5 || !grange) continue;
      const tensor = tensorSize(bytes, grange[0], grange[1]);
      result.initializers += 1;
      if (tensor.type === FLOAT16) result.hasFloat16 = true;
      if (tensor.location !== null && !result.externalFiles.includes(tensor.location))
        result.externalFiles.push(tensor.location);
      if (tensor.bytes > result.largestWeightBytes) {
        result.largestWeightBytes = tensor.bytes;
        result.largestWeightName = tensor.name;
      }
    }
  }
  return result;
}
