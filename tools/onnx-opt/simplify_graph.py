"""
Removes a graph's per-call shape plumbing while its dims stay dynamic (issue #15 item 5).

torch.onnx's TorchScript exporter writes every reshape as Shape -> Gather -> Unsqueeze -> Concat
-> Reshape, computed on each call, and onnxruntime executes those tiny integer ops one by one
(about 200 of the embedded U-Net's 616 nodes). tools/onnx-opt/fold_shapes.py folds them for one
fixed input shape; this pass keeps the graph valid for every shape:

1. Probing. The graph's shapes are evaluated (shapes only, no arithmetic on the data; small
   integer tensors by value) for several input shapes with unrelated dims (PROBES). A value that
   every probe agrees on does not depend on the input dims.
2. Reshape targets become constants in ONNX Reshape's own dynamic notation: a target dim that is
   the same in every probe is written as that number, one that equals the input's dim at the
   same position in every probe as 0 ("copy", allowzero=0), and at most one other as -1
   ("infer"). A target that needs two inferred dims but equals the whole shape of an earlier
   tensor becomes Shape(that tensor), shared by every reshape that needs it.
3. Every other small integer tensor that is the same in every probe (e.g. GEGLU's split point
   computed from Shape(x)[-1]) becomes an initializer.
4. Dead nodes are dropped, identical nodes (same op, inputs, attributes) merged, Identity and
   same-type Cast removed.

Each replacement is checked against every probe before it is kept, and the result must give the
same shapes as the input graph on a further set of shapes (CHECKS) or the pass refuses to write
it. The numerics are the same operations on the same data (tests/node/onnx-simplify.test.ts runs
both graphs in onnxruntime-node at several shapes). Running it twice changes nothing.

Measured on the embedded U-Net (batch 2, 8x8 latents): 1066 -> 454 graph nodes, 575 -> 389 nodes
executed after onnxruntime's own optimiser; outputs bit-identical. The shipped U-Nets
(models/tiny-shapes*/unet) are its output, and training/export.py applies it on export.

--attention also rewrites each attention block into com.microsoft.MultiHeadAttention (the WASM
build has the kernel; 389 -> 309 executed nodes, max |diff| 8e-7). It measured no faster on WASM
(8.42 / 8.37 / 8.57 ms against 8.32 / 8.36 / 8.56 ms, three interleaved rounds), so the shipped
graphs do not use it.

  /usr/bin/python3 tools/onnx-opt/simplify_graph.py IN.onnx OUT.onnx [--attention]
"""
import sys
from collections import defaultdict

import numpy as np
import onnx
from onnx import helper, numpy_helper

# Input dims used to probe the graph: unrelated values (and even, since the U-Nets halve the
# latent size), so that two different symbolic dims do not agree in every probe by chance.
PROBES = [
    {"batch": 2, "height": 8, "width": 8, "sequence": 77},
    {"batch": 3, "height": 12, "width": 20, "sequence": 7},
    {"batch": 5, "height": 16, "width": 28, "sequence": 11},
    {"batch": 1, "height": 24, "width": 12, "sequence": 5},
]
CHECKS = [
    {"batch": 7, "height": 36, "width": 44, "sequence": 13},
    {"batch": 4, "height": 4, "width": 64, "sequence": 3},
]
# Dims named by the exports (models/*/config.json "onnx" sections); any other name is probed
# with these values in turn.
FALLBACK = [6, 10, 14, 18, 22, 26]
SMALL = 64  # small integer tensors are tracked by value (shape vectors and indices)


def _np_to_onnx(dtype):
    return onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(dtype)]


def _onnx_to_np(t):
    return onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[t]


def _attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


class Unknown(Exception):
    """An op the shape evaluator does not cover: the tensors after it stay as they are."""


def _bshape(*shapes):
    return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))


def evaluate(graph, dims):
    """Shapes (and small integer values) of every tensor for the given input dims.

    Returns {name: (shape tuple, elem_type, value or None)}; tensors after an unsupported op are
    missing. Only shapes are computed for float data, never the arithmetic on it.
    """
    env = {}
    for init in graph.initializer:
        arr = numpy_helper.to_array(init)
        val = arr if arr.size <= SMALL and arr.dtype.kind in "iu" else None
        if arr.size <= SMALL and arr.dtype.kind == "f":
            val = arr
        env[init.name] = (tuple(arr.shape), init.data_type, val)
    fallback = iter(FALLBACK)
    named = {}
    for inp in graph.input:
        if inp.name in env:
            continue
        t = inp.type.tensor_type
        shape = []
        for d in t.shape.dim:
            if d.HasField("dim_value"):
                shape.append(d.dim_value)
            else:
                key = d.dim_param
                if key not in dims and key not in named:
                    named[key] = next(fallback)
                shape.append(dims.get(key, named.get(key)))
        env[inp.name] = (tuple(shape), t.elem_type, None)
    for node in graph.node:
        try:
            outs = _eval_node(node, env)
        except (Unknown, KeyError, ValueError, IndexError, TypeError):
            continue
        for name, entry in zip(node.output, outs):
            if name:
                env[name] = entry
    return env


FLOAT = onnx.TensorProto.FLOAT
INT64 = onnx.TensorProto.INT64
UNARY = {
    "Sigmoid", "Erf", "Cos", "Sin", "Tanh", "Relu", "Neg", "Exp", "Log", "Sqrt", "Abs", "Identity",
    "Softmax", "LogSoftmax", "InstanceNormalization", "Not", "Reciprocal", "Floor", "Ceil",
    "Gelu", "QuickGelu", "FastGelu", "BiasGelu", "LeakyRelu", "HardSigmoid", "Softplus", "Round",
}
BINARY = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": None, "Pow": np.power,
          "Equal": np.equal, "Less": np.less, "Greater": np.greater, "And": np.logical_and,
          "Or": np.logical_or, "Max": np.maximum, "Min": np.minimum, "Mod": np.mod}
BOOL_OUT = {"Equal", "Less", "Greater", "And", "Or", "Not"}


def _eval_node(node, env):
    op = node.op_type
    ins = [env[i] if i else None for i in node.input]
    shp = [x[0] if x else None for x in ins]
    typ = [x[1] if x else None for x in ins]
    val = [x[2] if x else None for x in ins]
    if node.domain not in ("", "ai.onnx"):
        if op in UNARY:
            return [(shp[0], typ[0], None)]
        raise Unknown(op)
    if op == "Constant":
        arr = numpy_helper.to_array(_attr(node, "value"))
        keep = arr if arr.size <= SMALL else None
        return [(tuple(arr.shape), _np_to_onnx(arr.dtype), keep)]
    if op == "Shape":
        s = np.array(shp[0], dtype=np.int64)[_attr(node, "start", 0):_attr(node, "end", None)]
        return [(tuple(s.shape), INT64, s)]
    if op in UNARY:
        out_t = onnx.TensorProto.BOOL if op in BOOL_OUT else typ[0]
        v = None
        if op == "Identity":
            v = val[0]
        elif op == "Not" and val[0] is not None:
            v = np.logical_not(val[0])
        return [(shp[0], out_t, v)]
    if op in BINARY:
        s = _bshape(shp[0], shp[1])
        out_t = onnx.TensorProto.BOOL if op in BOOL_OUT else typ[0]
        v = None
        if val[0] is not None and val[1] is not None:
            a, b = np.asarray(val[0]), np.asarray(val[1])
            if op == "Div":
                v = (np.trunc(a / b).astype(a.dtype) if a.dtype.kind in "iu" else a / b)
            else:
                v = BINARY[op](a, b)
                if op not in BOOL_OUT:
                    v = v.astype(a.dtype)
        return [(s, out_t, v)]
    if op == "Where":
        s = _bshape(shp[0], shp[1], shp[2])
        v = None
        if all(x is not None for x in val[:3]):
            v = np.where(val[0], val[1], val[2])
        return [(s, typ[1], v)]
    if op == "Cast":
        to = _attr(node, "to")
        v = None
        if val[0] is not None:
            v = np.asarray(val[0]).astype(_onnx_to_np(to))
        return [(shp[0], to, v)]
    if op == "Gather":
        axis = _attr(node, "axis", 0)
        if axis < 0:
            axis += len(shp[0])
        if val[1] is None:
            raise Unknown("Gather indices")
        idx = np.asarray(val[1])
        s = tuple(shp[0][:axis]) + tuple(idx.shape) + tuple(shp[0][axis + 1:])
        v = np.take(val[0], idx, axis=axis) if val[0] is not None else None
        return [(s, typ[0], v)]
    if op in ("Unsqueeze", "Squeeze"):
        axes = val[1] if len(val) > 1 and node.input[1] else _attr(node, "axes")
        if len(node.input) > 1 and node.input[1] and axes is None:
            raise Unknown("axes")
        v = val[0]
        if op == "Unsqueeze":
            rank = len(shp[0]) + len(axes)
            ax = sorted(int(a) % rank for a in axes)
            s = list(shp[0])
            for a in ax:
                s.insert(a, 1)
        else:
            rank = len(shp[0])
            ax = ([i for i, d in enumerate(shp[0]) if d == 1] if axes is None
                  else [int(a) % rank for a in axes])
            s = [d for i, d in enumerate(shp[0]) if i not in ax]
        if v is not None:
            v = np.asarray(v).reshape(s)
        return [(tuple(s), typ[0], v)]
    if op == "Concat":
        axis = _attr(node, "axis")
        rank = len(shp[0])
        axis %= rank
        s = list(shp[0])
        s[axis] = sum(x[axis] for x in shp)
        v = None
        if all(x is not None for x in val):
            v = np.concatenate([np.asarray(x) for x in val], axis=axis)
        return [(tuple(s), typ[0], v)]
    if op == "Reshape":
        if val[1] is None:
            raise Unknown("Reshape shape")
        target = [int(d) for d in val[1]]
        allowzero = _attr(node, "allowzero", 0)
        out = [shp[0][i] if d == 0 and not allowzero else d for i, d in enumerate(target)]
        total = int(np.prod(shp[0]))
        if -1 in out:
            known = int(np.prod([d for d in out if d != -1]))
            out[out.index(-1)] = total // known if known else 0
        if int(np.prod(out)) != total:
            raise ValueError("reshape size")
        v = np.asarray(val[0]).reshape(out) if val[0] is not None else None
        return [(tuple(out), typ[0], v)]
    if op == "Transpose":
        perm = _attr(node, "perm", list(reversed(range(len(shp[0])))))
        v = np.transpose(val[0], perm) if val[0] is not None else None
        return [(tuple(shp[0][p] for p in perm), typ[0], v)]
    if op == "MatMul":
        a, b = list(shp[0]), list(shp[1])
        if len(a) < 2 or len(b) < 2:
            raise Unknown("MatMul 1-D")
        batch = _bshape(a[:-2], b[:-2])
        if a[-1] != b[-2]:
            raise ValueError("matmul")
        return [(tuple(batch) + (a[-2], b[-1]), typ[0], None)]
    if op == "Gemm":
        a, b = shp[0], shp[1]
        m = a[1] if _attr(node, "transA", 0) else a[0]
        n = b[0] if _attr(node, "transB", 0) else b[1]
        return [((m, n), typ[0], None)]
    if op in ("Conv", "ConvTranspose", "MaxPool", "AveragePool"):
        x = shp[0]
        if op in ("MaxPool", "AveragePool"):
            k, cout = _attr(node, "kernel_shape"), x[1]
        else:
            w = shp[1]
            k = _attr(node, "kernel_shape", list(w[2:]))
            cout = w[0] if op == "Conv" else w[1] * _attr(node, "group", 1)
        nsp = len(x) - 2
        pads = _attr(node, "pads", [0] * 2 * nsp)
        strides = _attr(node, "strides", [1] * nsp)
        dil = _attr(node, "dilations", [1] * nsp)
        if _attr(node, "auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            raise Unknown("auto_pad")
        sp = []
        for i in range(nsp):
            if op == "ConvTranspose":
                op_pad = _attr(node, "output_padding", [0] * nsp)[i]
                sp.append(strides[i] * (x[2 + i] - 1) + op_pad + ((k[i] - 1) * dil[i] + 1)
                          - pads[i] - pads[i + nsp])
            else:
                sp.append((x[2 + i] + pads[i] + pads[i + nsp] - dil[i] * (k[i] - 1) - 1)
                          // strides[i] + 1)
        return [((x[0], cout, *sp), typ[0], None)]
    if op == "LayerNormalization":
        return [(shp[0], typ[0], None)] + [None] * (len(node.output) - 1)
    if op == "Slice":
        if any(v is None for v in val[1:]):
            raise Unknown("Slice bounds")
        data = shp[0]
        starts, ends = val[1], val[2]
        axes = val[3] if len(val) > 3 and val[3] is not None else range(len(starts))
        steps = val[4] if len(val) > 4 and val[4] is not None else [1] * len(starts)
        s = list(data)
        sl = [slice(None)] * len(data)
        for st, en, ax, sp in zip(starts, ends, axes, steps):
            ax = int(ax) % len(data)
            sl[ax] = slice(int(st), int(en), int(sp))
            s[ax] = len(range(*slice(int(st), int(en), int(sp)).indices(data[ax])))
        v = np.asarray(val[0])[tuple(sl)] if val[0] is not None else None
        return [(tuple(s), typ[0], v)]
    if op == "Resize":
        x = shp[0]
        scales = val[2] if len(val) > 2 and node.input[2] else None
        sizes = val[3] if len(val) > 3 and node.input[3] else None
        if sizes is not None and len(sizes):
            return [(tuple(int(d) for d in sizes), typ[0], None)]
        if scales is None or not len(scales):
            raise Unknown("Resize")
        return [(tuple(int(np.floor(d * s)) for d, s in zip(x, scales)), typ[0], None)]
    if op == "Expand":
        if val[1] is None:
            raise Unknown("Expand")
        s = _bshape(shp[0], tuple(int(d) for d in val[1]))
        v = np.broadcast_to(val[0], s) if val[0] is not None and int(np.prod(s)) <= SMALL else None
        return [(s, typ[0], v)]
    if op == "ConstantOfShape":
        if val[0] is None:
            raise Unknown("ConstantOfShape")
        s = tuple(int(d) for d in val[0])
        t = _attr(node, "value")
        fill = numpy_helper.to_array(t) if t is not None else np.zeros(1, np.float32)
        v = np.full(s, fill.reshape(-1)[0], dtype=fill.dtype) if int(np.prod(s)) <= SMALL else None
        return [(s, _np_to_onnx(fill.dtype), v)]
    if op == "Range":
        if any(v is None for v in val):
            raise Unknown("Range")
        v = np.arange(val[0], val[1], val[2]).astype(np.asarray(val[0]).dtype)
        return [(tuple(v.shape), typ[0], v if v.size <= SMALL else None)]
    if op in ("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ArgMax", "ArgMin"):
        rank = len(shp[0])
        if op in ("ArgMax", "ArgMin"):
            axes = [_attr(node, "axis", 0)]
        elif op == "ReduceSum" or len(node.input) > 1:
            axes = val[1] if len(val) > 1 else None
            if len(node.input) > 1 and node.input[1] and axes is None:
                raise Unknown("axes")
        else:
            axes = _attr(node, "axes")
        ax = list(range(rank)) if axes is None else [int(a) % rank for a in axes]
        keep = _attr(node, "keepdims", 1)
        s = [1 if i in ax else d for i, d in enumerate(shp[0])] if keep else \
            [d for i, d in enumerate(shp[0]) if i not in ax]
        out_t = INT64 if op.startswith("Arg") else typ[0]
        return [(tuple(s), out_t, None)]
    if op == "Split":
        axis = _attr(node, "axis", 0) % len(shp[0])
        split = val[1] if len(val) > 1 and node.input[1] else _attr(node, "split")
        n = len(node.output)
        if split is None:
            split = [shp[0][axis] // n] * n
        outs = []
        for part in split:
            s = list(shp[0])
            s[axis] = int(part)
            outs.append((tuple(s), typ[0], None))
        return outs
    raise Unknown(op)


def _consumers(graph):
    uses = defaultdict(list)
    for n in graph.node:
        for i in n.input:
            uses[i].append(n)
    return uses


def _reshape_spec(node, envs):
    """A constant Reshape target (numbers, 0 = copy, one -1) that is right in every probe, or None."""
    src, dst = node.input[0], node.output[0]
    if any(src not in e or dst not in e for e in envs):
        return None
    ins = [e[src][0] for e in envs]
    outs = [e[dst][0] for e in envs]
    rank = len(outs[0])
    if any(len(o) != rank for o in outs):
        return None
    spec = []
    for j in range(rank):
        col = [o[j] for o in outs]
        if all(c == col[0] for c in col) and col[0] != 0:
            spec.append(col[0])
        elif all(j < len(i) and i[j] == o[j] for i, o in zip(ins, outs)):
            spec.append(0)
        else:
            spec.append(-1)
    if spec.count(-1) > 1:
        return None
    # The spec must reproduce every probe (allowzero=0 semantics).
    for i, o in zip(ins, outs):
        out = [i[k] if d == 0 else d for k, d in enumerate(spec)]
        if -1 in out:
            known = int(np.prod([d for d in out if d != -1]))
            out[out.index(-1)] = int(np.prod(i)) // known
        if tuple(out) != tuple(o):
            return None
    return spec


def _const_name(graph_names, base):
    name = base
    k = 1
    while name in graph_names:
        name = f"{base}_{k}"
        k += 1
    graph_names.add(name)
    return name


def simplify(model):
    graph = model.graph
    envs = [evaluate(graph, d) for d in PROBES]
    before_checks = [evaluate(graph, d) for d in CHECKS]
    names = {o for n in graph.node for o in n.output} | {i.name for i in graph.initializer} | \
        {i.name for i in graph.input}
    produced = {o: n for n in graph.node for o in n.output}
    position = {o: k for k, n in enumerate(graph.node) for o in n.output}
    new_inits = []
    stats = defaultdict(int)

    def const_input(value, base):
        name = _const_name(names, base)
        new_inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    # 2. Reshape targets.
    shape_nodes = {}
    extra_nodes = []  # (insert before node index, node)
    for k, node in enumerate(graph.node):
        if node.op_type != "Reshape" or node.domain not in ("", "ai.onnx"):
            continue
        shape_in = node.input[1]
        if shape_in not in produced or _attr(node, "allowzero", 0):
            continue  # already a constant (initializer) or allowzero semantics
        spec = _reshape_spec(node, envs)
        if spec is not None:
            node.input[1] = const_input(np.array(spec, np.int64), node.name + "_shape" if node.name else "reshape_shape")
            stats["reshape targets made constant"] += 1
            continue
        if produced[shape_in].op_type == "Shape" and len(produced[shape_in].attribute) == 0:
            continue  # already one Shape node
        # The whole shape of a tensor computed before this node (or an input)?
        want = [e[node.output[0]][0] if node.output[0] in e else None for e in envs]
        if any(w is None for w in want):
            continue
        candidates = [i.name for i in graph.input] + [o for n in graph.node[:k] for o in n.output if o]
        for cand in candidates:
            if all(cand in e and e[cand][0] == w for e, w in zip(envs, want)):
                if cand not in shape_nodes:
                    out = _const_name(names, cand.strip("/").replace("/", "_") + "_shape")
                    shape_node = helper.make_node("Shape", [cand], [out], name=out)
                    shape_nodes[cand] = out
                    extra_nodes.append((position.get(cand, -1) + 1, shape_node))
                node.input[1] = shape_nodes[cand]
                stats["reshape targets taken from one Shape"] += 1
                break

    # 3. Other small tensors that are the same in every probe.
    inputs_of_graph = {i.name for i in graph.input}
    for node in graph.node:
        for idx, name in enumerate(node.input):
            if not name or name not in produced or name in inputs_of_graph:
                continue
            p = produced[name]
            if p.op_type == "Constant":
                continue
            vals = [e.get(name, (None, None, None))[2] for e in envs]
            if any(v is None for v in vals):
                continue
            first = np.asarray(vals[0])
            if first.dtype.kind not in "iub" or first.size > SMALL:
                continue
            if all(np.array_equal(np.asarray(v), first) and np.asarray(v).shape == first.shape for v in vals):
                node.input[idx] = const_input(first, name.strip("/").replace("/", "_") + "_const")
                stats["small tensors made constant"] += 1

    # Insert the shared Shape nodes where their source is computed.
    nodes = list(graph.node)
    for pos, sn in sorted(extra_nodes, key=lambda x: -x[0]):
        nodes.insert(pos, sn)
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(new_inits)

    _cleanup(graph, stats)

    after_checks = [evaluate(graph, d) for d in CHECKS]
    # Every tensor the evaluator could follow before must have the same shape after (outputs too).
    for b, a in zip(before_checks, after_checks):
        for name, entry in b.items():
            if name in live_names(graph) and (name not in a or a[name][0] != entry[0]):
                raise SystemExit(f"refusing: {name} changed shape at a check shape")
    return stats


def live_names(graph):
    return {o for n in graph.node for o in n.output} | {o.name for o in graph.output}


def _cleanup(graph, stats):
    outputs = {o.name for o in graph.output}
    # Identity and same-type Cast: rewire their consumers (not when they feed a graph output).
    env = evaluate(graph, PROBES[0])
    rename = {}
    keep = []
    for n in graph.node:
        n.input[:] = [rename.get(i, i) for i in n.input]
        if n.output[0] not in outputs and (
                n.op_type == "Identity" or
                (n.op_type == "Cast" and n.input[0] in env and env[n.input[0]][1] == _attr(n, "to"))):
            rename[n.output[0]] = n.input[0]
            stats["identity/cast no-ops dropped"] += 1
            continue
        keep.append(n)
    # Common subexpressions: the same op on the same inputs with the same attributes.
    seen = {}
    deduped = []
    for n in keep:
        n.input[:] = [rename.get(i, i) for i in n.input]
        if n.op_type == "Constant":
            key = ("Constant", n.attribute[0].SerializeToString())
        else:
            key = (n.domain, n.op_type, tuple(n.input),
                   tuple(sorted(a.SerializeToString() for a in n.attribute)), len(n.output))
        if key in seen and not any(o in outputs for o in n.output):
            for a, b in zip(n.output, seen[key].output):
                rename[a] = b
            stats["duplicate nodes merged"] += 1
            continue
        seen.setdefault(key, n)
        deduped.append(n)
    for o in graph.output:
        if o.name in rename:
            raise SystemExit("internal: an output was renamed")
    # Dead nodes.
    live = set(outputs)
    alive = []
    for n in reversed(deduped):
        if any(o in live for o in n.output):
            alive.append(n)
            live.update(i for i in n.input if i)
        else:
            stats["dead nodes dropped"] += 1
    alive.reverse()
    del graph.node[:]
    graph.node.extend(alive)
    inits = [i for i in graph.initializer if i.name in live]
    del graph.initializer[:]
    graph.initializer.extend(inits)
    # Stale shape annotations of removed tensors.
    vis = [v for v in graph.value_info if v.name in live]
    del graph.value_info[:]
    graph.value_info.extend(vis)


def fuse_attention(model, stats):
    """Scaled dot-product attention written out by the exporter -> com.microsoft.MultiHeadAttention.

    The pattern (diffusers-style attention, heads split by Reshape/Transpose):
      Q = Transpose(Reshape(q, [0, 0, H, d]), [0, 2, 1, 3]); K^T = Transpose(Reshape(k, ..), [0, 2, 3, 1])
      V = Transpose(Reshape(v, ..), [0, 2, 1, 3]); out = Reshape(Transpose(Softmax(Q K^T * s) V), [0, 0, H*d])
    becomes MultiHeadAttention(q, k, v, num_heads=H, scale=s): one kernel instead of twelve, and
    onnxruntime's CPU (and WASM) build has it. Only matched when every reshape is a constant
    target (run after the shape pass) and the intermediate tensors have no other consumers.
    """
    graph = model.graph
    produced = {o: n for n in graph.node for o in n.output}
    uses = _consumers(graph)
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}

    def const(name):
        if name in inits:
            return inits[name]
        p = produced.get(name)
        if p is not None and p.op_type == "Constant":
            return numpy_helper.to_array(_attr(p, "value"))
        return None

    def only_use(name):
        return len(uses.get(name, [])) == 1 and name not in {o.name for o in graph.output}

    def split_heads(name, perm):
        """(projection tensor, heads, head size) when `name` = Transpose(Reshape(x, [0,*,H,d]), perm)."""
        t = produced.get(name)
        if t is None or t.op_type != "Transpose" or list(_attr(t, "perm", [])) != perm or not only_use(name):
            return None
        r = produced.get(t.input[0])
        if r is None or r.op_type != "Reshape" or not only_use(t.input[0]):
            return None
        spec = const(r.input[1])
        if spec is None or len(spec) != 4 or spec[0] != 0 or spec[2] <= 0 or spec[3] <= 0:
            return None
        return r.input[0], int(spec[2]), int(spec[3]), [t, r]

    remove = set()
    added = []
    for sm in graph.node:
        if sm.op_type != "Softmax" or _attr(sm, "axis", -1) not in (-1, 3):
            continue
        scale_node = produced.get(sm.input[0])
        if scale_node is None or scale_node.op_type not in ("Mul", "Div") or not only_use(sm.input[0]):
            continue
        s = const(scale_node.input[1])
        if s is None or s.size != 1:
            continue
        scale = float(s.reshape(-1)[0]) if scale_node.op_type == "Mul" else 1.0 / float(s.reshape(-1)[0])
        qk = produced.get(scale_node.input[0])
        if qk is None or qk.op_type != "MatMul" or not only_use(scale_node.input[0]):
            continue
        q = split_heads(qk.input[0], [0, 2, 1, 3])
        k = split_heads(qk.input[1], [0, 2, 3, 1])
        pv_uses = uses.get(sm.output[0], [])
        if q is None or k is None or len(pv_uses) != 1 or pv_uses[0].op_type != "MatMul" or \
                pv_uses[0].input[0] != sm.output[0]:
            continue
        pv = pv_uses[0]
        v = split_heads(pv.input[1], [0, 2, 1, 3])
        if v is None:
            continue
        t_uses = uses.get(pv.output[0], [])
        if len(t_uses) != 1 or t_uses[0].op_type != "Transpose" or list(_attr(t_uses[0], "perm", [])) != [0, 2, 1, 3]:
            continue
        tr = t_uses[0]
        r_uses = uses.get(tr.output[0], [])
        if len(r_uses) != 1 or r_uses[0].op_type != "Reshape":
            continue
        merge = r_uses[0]
        mspec = const(merge.input[1])
        heads, dq, dk, dv = q[1], q[2], k[2], v[2]
        if mspec is None or len(mspec) != 3 or list(mspec[:2]) != [0, 0] or k[1] != heads or v[1] != heads or \
                dq != dk or int(mspec[2]) != heads * dv:
            continue
        name = (merge.name or merge.output[0]) + "_mha"
        added.append((merge, helper.make_node(
            "MultiHeadAttention", [q[0], k[0], v[0]], [merge.output[0]], name=name,
            domain="com.microsoft", num_heads=heads, scale=scale)))
        remove.update(id(n) for n in q[3] + k[3] + v[3] + [qk, scale_node, sm, pv, tr, merge])
        stats["attention blocks fused into MultiHeadAttention"] += 1
    if not added:
        return
    replace = {id(m): n for m, n in added}
    nodes = []
    for n in graph.node:
        if id(n) in replace:
            nodes.append(replace[id(n)])
        elif id(n) not in remove:
            nodes.append(n)
    del graph.node[:]
    graph.node.extend(nodes)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    _cleanup(graph, stats)


def main(argv):
    flags = [a for a in argv[1:] if a.startswith("--")]
    argv = [argv[0]] + [a for a in argv[1:] if not a.startswith("--")] + flags
    if len(argv) - len(flags) != 3:
        raise SystemExit(__doc__)
    model = onnx.load(argv[1])
    n0 = len(model.graph.node)
    stats = simplify(model)
    if "--attention" in argv:
        fuse_attention(model, stats)
    onnx.checker.check_model(model)
    onnx.save(model, argv[2])
    print(f"{argv[1]}: {n0} -> {len(model.graph.node)} nodes;",
          ", ".join(f"{k} {v}" for k, v in stats.items()) or "nothing to do")


if __name__ == "__main__":
    main(sys.argv)
