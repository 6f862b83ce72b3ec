#!/usr/bin/env python3
"""Writes model.onnx for a BertModel folder (config.json + model.safetensors, float32), so that
onnxruntime runs the very weights vllm-sr loads. Batch 1, no padding: inputs input_ids[S] and
position_ids[S] (int64), output the mean-pooled, unit-length embedding[H] (what
encoder_compare's Embed returns). Weight matrices stay [out, in] as the checkpoint stores them
(Gemm with transB), so no tensor is rewritten: their bytes go straight into the file.

Standard library only: the ONNX protobuf messages are encoded here by hand (field numbers from
onnx.proto). Usage: make_onnx.py MODEL_DIR  (writes MODEL_DIR/model.onnx)
"""
import json
import math
import struct
import sys

# --- protobuf wire format -------------------------------------------------------------------


def varint(n):
    n &= (1 << 64) - 1  # negative int64 values as two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def f_int(field, n):
    return key(field, 0) + varint(n)


def f_bytes(field, data):
    if isinstance(data, str):
        data = data.encode()
    return key(field, 2) + varint(len(data)) + data


def f_float(field, x):
    return key(field, 5) + struct.pack("<f", x)


# --- ONNX messages --------------------------------------------------------------------------

FLOAT, INT64 = 1, 7  # TensorProto.DataType


def tensor(name, dims, elem, raw):
    return b"".join(f_int(1, d) for d in dims) + f_int(2, elem) + f_bytes(8, name) + f_bytes(9, raw)


def attr_int(name, v):
    return f_bytes(1, name) + f_int(3, v) + f_int(20, 2)


def attr_float(name, v):
    return f_bytes(1, name) + f_float(2, v) + f_int(20, 1)


def attr_ints(name, vs):
    return f_bytes(1, name) + b"".join(f_int(8, v) for v in vs) + f_int(20, 7)


def value_info(name, elem, dims):
    shape = b"".join(
        f_bytes(1, f_bytes(2, d) if isinstance(d, str) else f_int(1, d)) for d in dims)
    tensor_type = f_int(1, elem) + f_bytes(2, shape)
    return f_bytes(1, name) + f_bytes(2, f_bytes(1, tensor_type))


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def op(self, op_type, inputs, attrs=()):
        self.count += 1
        out = f"t{self.count}"
        node = b"".join(f_bytes(1, i) for i in inputs) + f_bytes(2, out)
        node += f_bytes(3, f"n{self.count}") + f_bytes(4, op_type)
        node += b"".join(f_bytes(5, a) for a in attrs)
        self.nodes.append(node)
        return out

    def init(self, name, dims, elem, raw):
        self.inits.append(tensor(name, dims, elem, raw))
        return name

    def floats(self, name, values):
        return self.init(name, [len(values)], FLOAT, struct.pack(f"<{len(values)}f", *values))

    def ints(self, name, values):
        return self.init(name, [len(values)], INT64, struct.pack(f"<{len(values)}q", *values))


# --- the model ------------------------------------------------------------------------------


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    base = 8 + n
    tensors = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] != "F32":
            sys.exit(f"make_onnx: {name} is {t['dtype']}; only F32 checkpoints are supported")
        begin, end = t["data_offsets"]
        tensors[name] = (t["shape"], data[base + begin:base + end])
    return tensors


def build(cfg, w):
    H, NH = cfg["hidden_size"], cfg["num_attention_heads"]
    d, eps = H // NH, cfg.get("layer_norm_eps", 1e-12)
    g = Graph()

    def weight(name):
        shape, raw = w[name]
        return g.init(name, shape, FLOAT, raw)

    def layer_norm(x, prefix):
        return g.op("LayerNormalization", [x, weight(prefix + ".weight"), weight(prefix + ".bias")],
                    [attr_float("epsilon", eps), attr_int("axis", -1)])

    def dense(x, prefix):  # x[S, in] -> [S, out]: W stays [out, in]
        return g.op("Gemm", [x, weight(prefix + ".weight"), weight(prefix + ".bias")],
                    [attr_int("transB", 1)])

    heads = g.ints("heads_shape", [-1, NH, d])
    flat = g.ints("flat_shape", [-1, H])
    scale = g.floats("scale", [1 / math.sqrt(d)])
    half, one, sqrt2 = g.floats("half", [0.5]), g.floats("one", [1.0]), g.floats("sqrt2", [math.sqrt(2)])
    tt_shape, tt_raw = w["embeddings.token_type_embeddings.weight"]
    token_type0 = g.init("token_type0", [H], FLOAT, tt_raw[:4 * H])

    x = g.op("Add", [g.op("Gather", [weight("embeddings.word_embeddings.weight"), "input_ids"]),
                     g.op("Gather", [weight("embeddings.position_embeddings.weight"), "position_ids"])])
    x = layer_norm(g.op("Add", [x, token_type0]), "embeddings.LayerNorm")
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        q = g.op("Transpose", [g.op("Reshape", [dense(x, p + "attention.self.query"), heads])],
                 [attr_ints("perm", [1, 0, 2])])  # [NH, S, d]
        k = g.op("Transpose", [g.op("Reshape", [dense(x, p + "attention.self.key"), heads])],
                 [attr_ints("perm", [1, 2, 0])])  # [NH, d, S]
        v = g.op("Transpose", [g.op("Reshape", [dense(x, p + "attention.self.value"), heads])],
                 [attr_ints("perm", [1, 0, 2])])
        probs = g.op("Softmax", [g.op("Mul", [g.op("MatMul", [q, k]), scale])], [attr_int("axis", -1)])
        ctx = g.op("Transpose", [g.op("MatMul", [probs, v])], [attr_ints("perm", [1, 0, 2])])
        ctx = g.op("Reshape", [ctx, flat])
        a = layer_norm(g.op("Add", [dense(ctx, p + "attention.output.dense"), x]),
                       p + "attention.output.LayerNorm")
        i = dense(a, p + "intermediate.dense")
        gelu = g.op("Mul", [g.op("Mul", [i, half]),
                            g.op("Add", [g.op("Erf", [g.op("Div", [i, sqrt2])]), one])])
        x = layer_norm(g.op("Add", [dense(gelu, p + "output.dense"), a]), p + "output.LayerNorm")
    pooled = g.op("ReduceMean", [x], [attr_ints("axes", [0]), attr_int("keepdims", 0)])
    norm = g.op("ReduceL2", [pooled], [attr_ints("axes", [0]), attr_int("keepdims", 1)])
    out = g.op("Div", [pooled, norm])
    g.nodes.append(f_bytes(1, out) + f_bytes(2, "embedding") + f_bytes(3, "out") + f_bytes(4, "Identity"))

    graph = b"".join(f_bytes(1, n) for n in g.nodes) + f_bytes(2, "bert")
    graph += b"".join(f_bytes(5, t) for t in g.inits)
    graph += f_bytes(11, value_info("input_ids", INT64, ["S"]))
    graph += f_bytes(11, value_info("position_ids", INT64, ["S"]))
    graph += f_bytes(12, value_info("embedding", FLOAT, [H]))
    opset = f_bytes(1, "") + f_int(2, 17)
    return f_int(1, 8) + f_bytes(2, "vllm-sr bench/encoder") + f_bytes(7, graph) + f_bytes(8, opset)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_onnx.py MODEL_DIR")
    folder = sys.argv[1]
    with open(folder + "/config.json") as f:
        cfg = json.load(f)
    model = build(cfg, load_safetensors(folder + "/model.safetensors"))
    with open(folder + "/model.onnx", "wb") as f:
        f.write(model)


if __name__ == "__main__":
    main()
