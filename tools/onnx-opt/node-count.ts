/**
 * Reads the node list of an ONNX model straight from its protobuf bytes (no onnx package in
 * Node): ModelProto.graph is field 7, GraphProto.node field 1, NodeProto.op_type field 4 and
 * NodeProto.domain field 7 (onnx/onnx.proto).
 */

interface Field {
  no: number;
  wire: number;
  start: number;
  end: number;
}

function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  let p = start;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[p++] as number;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (p < end) {
    const key = varint();
    const wire = key % 8;
    const no = Math.floor(key / 8);
    if (wire === 0) {
      const s = p;
      varint();
      yield { no, wire, start: s, end: p };
    } else if (wire === 1) {
      yield { no, wire, start: p, end: (p += 8) };
    } else if (wire === 5) {
      yield { no, wire, start: p, end: (p += 4) };
    } else if (wire === 2) {
      const len = varint();
      yield { no, wire, start: p, end: (p += len) };
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

/** `domain:op_type` of every node of the model's main graph, in order. */
export function onnxNodeTypes(bytes: Uint8Array): string[] {
  const text = new TextDecoder();
  const out: string[] = [];
  for (const g of fields(bytes, 0, bytes.length)) {
    if (g.no !== 7 || g.wire !== 2) continue;
    for (const n of fields(bytes, g.start, g.end)) {
      if (n.no !== 1 || n.wire !== 2) continue;
      let op = '';
      let domain = '';
      for (const f of fields(bytes, n.start, n.end)) {
        if (f.no === 4 && f.wire === 2) op = text.decode(bytes.subarray(f.start, f.end));
        if (f.no === 7 && f.wire === 2) domain = text.decode(bytes.subarray(f.start, f.end));
      }
      out.push(domain ? `${domain}:${op}` : op);
    }
  }
  return out;
}

export const onnxNodeCount = (bytes: Uint8Array) => onnxNodeTypes(bytes).length;
