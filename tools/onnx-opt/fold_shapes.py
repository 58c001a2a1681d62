"""
Folds a U-Net's shape arithmetic into constants for one fixed input shape (issue #15 item 5).

The embedded model's export computes every attention reshape at run time (Shape -> Gather ->
Unsqueeze -> Concat -> Reshape, ~200 of the 616 nodes onnxruntime executes per call), and
onnxruntime does not fold them even with freeDimensionOverrides. With the inputs' dims fixed
(batch, latent height and width, tokens), this pass evaluates those small integer subgraphs and
replaces them with initializers; nothing else changes, so the numerics are the same (max |diff|
4.8e-7 on the embedded U-Net). Measured (npx tsx scripts/bench-unet.ts --compare DIR, Chromium
WASM, 1 thread, 8x8 latents, batch 2, shared 2-core machine, three interleaved rounds): 25.6 / 30.5 /
28.2 ms per call before, 21.7 / 22.1 / 23.9 ms after (about -20 %); 616 -> 418 executed nodes.

The result only runs at that one shape, so the app does not ship it: it is the measured upper
bound of removing the shape plumbing, and a tool for fixed-shape uses (e.g. Live mode at 64x64
with the no-CFG turbo model: batch 1). simplify_graph.py is the rewrite that keeps the dims dynamic
(Reshape with 0 for "copy this dim" instead of Shape/Gather chains); the shipped U-Nets use it, and
on an idle machine it is as fast as this fold (both about -2 %: the -20 % above was under load).

  /usr/bin/python3 tools/onnx-opt/fold_shapes.py IN.onnx OUT.onnx BATCH HEIGHT WIDTH TOKENS
"""
import sys, numpy as np, onnx
from onnx import numpy_helper, helper, shape_inference
src, dst, b, h, w, seq = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
m = onnx.load(src)
g = m.graph
dims = {'batch': b, 'height': h, 'width': w, 'sequence': seq}
for inp in list(g.input) + list(g.output):
    for d in inp.type.tensor_type.shape.dim:
        if d.dim_param:
            name = d.dim_param
            val = dims.get(name, {'height_x8': h*8, 'width_x8': w*8}.get(name))
            if val is None: raise SystemExit(f'unknown dim {name}')
            d.ClearField('dim_param'); d.dim_value = val
del g.value_info[:]
m = shape_inference.infer_shapes(m, data_prop=True)
g = m.graph
shapes = {}
for vi in list(g.value_info) + list(g.input) + list(g.output):
    t = vi.type.tensor_type
    if t.HasField('shape') and all(d.HasField('dim_value') for d in t.shape.dim):
        shapes[vi.name] = [d.dim_value for d in t.shape.dim]
const = {i.name: numpy_helper.to_array(i) for i in g.initializer}
def attr(n, k, default=None):
    for a in n.attribute:
        if a.name == k: return helper.get_attribute_value(a)
    return default
def ev(n, xs):
    op = n.op_type
    if op == 'Shape':
        s = np.array(shapes[n.input[0]], dtype=np.int64); st = attr(n, 'start', 0); en = attr(n, 'end', None)
        return s[st:en]
    if op == 'Gather': return np.take(xs[0], xs[1], axis=attr(n, 'axis', 0))
    if op == 'Unsqueeze':
        axes = xs[1] if len(xs) > 1 else attr(n, 'axes'); r = xs[0]
        for a in sorted(int(a) for a in axes): r = np.expand_dims(r, a if a >= 0 else a + r.ndim + 1)
        return r
    if op == 'Squeeze':
        axes = xs[1] if len(xs) > 1 else attr(n, 'axes'); return np.squeeze(xs[0], tuple(int(a) for a in axes)) if axes is not None else np.squeeze(xs[0])
    if op == 'Concat': return np.concatenate(xs, axis=attr(n, 'axis'))
    if op == 'Cast': return xs[0].astype(helper.tensor_dtype_to_np_dtype(attr(n, 'to')))
    if op in ('Mul', 'Add', 'Sub', 'Div'):
        f = {'Mul': np.multiply, 'Add': np.add, 'Sub': np.subtract, 'Div': (lambda a, b: a // b if a.dtype.kind == 'i' else a / b)}[op]
        return f(xs[0], xs[1]).astype(xs[0].dtype)
    if op == 'Slice':
        data, starts, ends = xs[0], xs[1], xs[2]; axes = xs[3] if len(xs) > 3 else range(len(starts)); steps = xs[4] if len(xs) > 4 else [1]*len(starts)
        sl = [slice(None)] * data.ndim
        for s, e, a, st in zip(starts, ends, axes, steps): sl[int(a)] = slice(int(s), int(e), int(st))
        return data[tuple(sl)]
    if op == 'Constant': return numpy_helper.to_array(attr(n, 'value'))
    if op == 'Range': return np.arange(xs[0], xs[1], xs[2]).astype(xs[0].dtype)
    return None
keep = []; folded = 0
for n in g.node:
    ready = n.op_type == 'Shape' and n.input[0] in shapes or n.op_type == 'Constant' or (n.op_type != 'Shape' and all(i in const for i in n.input if i))
    val = None
    if ready and n.op_type in ('Shape','Gather','Unsqueeze','Squeeze','Concat','Cast','Mul','Add','Sub','Div','Slice','Constant','Range'):
        try: val = ev(n, [const[i] for i in n.input if i] if n.op_type != 'Shape' else [])
        except Exception as e: val = None
    # only fold small integer/shape tensors (never the weights math)
    if val is not None and (val.dtype.kind == 'i' or n.op_type in ('Shape','Constant')) and val.size <= 64:
        const[n.output[0]] = np.asarray(val); folded += 1
    else:
        keep.append(n)
used = {i for n in keep for i in n.input} | {o.name for o in g.output}
new_inits = [i for i in g.initializer if i.name in used]
have = {i.name for i in new_inits}
for k, v in const.items():
    if k in used and k not in have: new_inits.append(numpy_helper.from_array(np.asarray(v), k))
del g.node[:]; g.node.extend(keep)
del g.initializer[:]; g.initializer.extend(new_inits)
onnx.save(m, dst)
print('folded', folded, 'nodes left', len(keep))
