"""
Splits a U-Net into one graph per operator class (issue #15 item 5: where WASM loses to native).

For each class (conv, matmul, elementwise, norm, layout, and all of them together) it writes
OUT/<class>/unet/model.onnx holding only that class's nodes of the graph, with the shapes they
have at batch 2, 8x8 latents, 77 tokens: every input a node reads from another node becomes an
initializer of that shape (random data), weights stay. Run with onnxruntime's optimiser
disabled (nothing to fold or fuse), each graph times what that class of kernels costs per call;
`npx tsx scripts/bench-unet.ts --op-classes` does it in Node and in Chromium WASM side by side.
The graphs keep the U-Net's three inputs (unused) so the same feeds work.

  /usr/bin/python3 tools/onnx-opt/op_classes.py IN.onnx OUT_DIR
"""
import copy
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simplify_graph import evaluate  # noqa: E402

CLASSES = {
    "conv": {"Conv"},
    "matmul": {"MatMul", "Gemm"},
    "elementwise": {"Add", "Mul", "Div", "Sub", "Sigmoid", "Erf", "Cos", "Sin"},
    "norm": {"InstanceNormalization", "LayerNormalization", "Softmax"},
    "layout": {"Transpose", "Reshape", "Slice", "Concat", "Unsqueeze", "Resize", "Shape", "Split"},
}


def split(src, out_dir, dims=None):
    m = onnx.load(src)
    g = m.graph
    env = evaluate(g, dims or {"batch": 2, "height": 8, "width": 8, "sequence": 77})
    weights = {i.name: i for i in g.initializer}
    graph_inputs = {i.name for i in g.input}
    rng = np.random.default_rng(0)
    counts = {}
    for name, ops in list(CLASSES.items()) + [("all", set().union(*CLASSES.values()))]:
        nodes, inits, made = [], [], set()
        for n in g.node:
            if n.op_type not in ops or n.domain not in ("", "ai.onnx"):
                continue
            node = copy.deepcopy(n)
            for t in node.input:
                if not t or t in made or t in graph_inputs:
                    continue
                made.add(t)
                if t in weights:
                    inits.append(weights[t])
                    continue
                shape, elem, value = env[t]
                if value is not None:
                    arr = np.asarray(value)
                elif elem == onnx.TensorProto.FLOAT:
                    arr = rng.standard_normal(shape).astype(np.float32)
                else:
                    arr = np.ones(shape, dtype=np.int64)
                inits.append(numpy_helper.from_array(arr, t))
            # Outputs renamed so they never collide with the initializers standing in for them.
            node.output[:] = [o + "__out" if o else o for o in node.output]
            nodes.append(node)
        last = nodes[-1].output[0]
        out = helper.make_tensor_value_info(last, onnx.TensorProto.FLOAT, list(env[last[: -len("__out")]][0]))
        model = helper.make_model(helper.make_graph(nodes, name, list(g.input), [out], inits),
                                  opset_imports=m.opset_import)
        os.makedirs(os.path.join(out_dir, name, "unet"), exist_ok=True)
        onnx.save(model, os.path.join(out_dir, name, "unet", "model.onnx"))
        counts[name] = len(nodes)
    return counts


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    for k, v in split(sys.argv[1], sys.argv[2]).items():
        print(f"{k}: {v} nodes")
