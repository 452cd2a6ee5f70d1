"""A model of a real family's shapes with random weights, for speed measurements at sizes
the bundled SmolLM2-135M does not reach (speed does not depend on the values, and both
sides of a comparison read the same file). Writes into --out:

  model-f16.gguf     every matrix in fp16, in llama.cpp's converter layout and names
  model-Q4_K_M.gguf  the same quantized by llama.cpp's own quantizer (llama_model_quantize,
                     the code behind llama-quantize), so the file mixes Q4_K and Q6_K blocks
                     exactly as a downloaded Q4_K_M does

Shapes (from the families' published config.json files):
  qwen2.5-0.5b  24 layers, d 896,  ffn 4864, 14 heads / 2 KV heads, vocab 151936, tied head
  qwen2.5-1.5b  28 layers, d 1536, ffn 8960, 12 heads / 2 KV heads, vocab 151936, tied head

Weights are N(0, 0.02) as in the families' initializer_range, norms 1, q/k/v biases small.
The tokenizer: with --qwen-vocab FILE, Qwen's own byte-level BPE (the 151,643 ranks of
qwen.tiktoken, which the PyPI package dashscope ships as dashscope/resources/qwen.tiktoken;
merges recovered from the ranks as transformers' TikTokenConverter does), so texts take as
many tokens as with a real Qwen2.5 and the main job's timings mean something; without it a
small byte-level BPE in Qwen2's format (scripts/fixtures/tiny_family.py), enough for the
benchmarks, which feed token ids. Either is padded to the vocabulary with llama.cpp
converter's "[PADn]" unused tokens, as real Qwen GGUF files are.

Run: scripts/.venv-bench/bin/python scripts/peers/make_bench_model.py --shape qwen2.5-1.5b --out DIR [--qwen-vocab FILE]
"""
import argparse
import ctypes
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
import tiny_family  # noqa: E402  (the Qwen chat specials and template, the small tokenizer)

SPECIALS = tiny_family.QWEN_SPECIALS
TEMPLATE = tiny_family.QWEN_TEMPLATE

SHAPES = {
    "qwen2.5-0.5b": dict(layers=24, d=896, ffn=4864, heads=14, kv=2, vocab=151936),
    "qwen2.5-1.5b": dict(layers=28, d=1536, ffn=8960, heads=12, kv=2, vocab=151936),
}


def qwen_vocabulary(path):
    """Qwen's BPE from its tiktoken ranks: token strings in the byte-level alphabet by rank, the
    three chat specials after them (151643–151645, as in Qwen2.5), and the merges."""
    import base64

    from transformers.convert_slow_tokenizer import TikTokenConverter

    with open(path, "rb") as f:
        ranks = {base64.b64decode(tok): int(rank) for tok, rank in (line.split() for line in f if line.strip())}
    TikTokenConverter.load_tiktoken_bpe = staticmethod(lambda _: ranks)
    vocab, merges = TikTokenConverter(vocab_file=path).extract_vocab_merges_from_model(path)
    for i, special in enumerate(SPECIALS):
        vocab[special] = len(ranks) + i
    return vocab, [f"{a} {b}" for a, b in merges]


def write_f16(path, name, s, seed, qwen_vocab=None):
    import gguf

    rng = np.random.default_rng(seed)
    head_dim = s["d"] // s["heads"]
    if qwen_vocab:
        vocab, merges = qwen_vocabulary(qwen_vocab)
    else:
        tok = tiny_family.train_tokenizer("qwen2", SPECIALS, 384)
        vocab = tok.get_vocab(with_added_tokens=True)
        merges = json.loads(tok.to_str())["model"]["merges"]
    tokens = [f"[PAD{i}]" for i in range(s["vocab"])]
    types = [5] * s["vocab"]
    for t, i in vocab.items():
        tokens[i], types[i] = t, (3 if t in SPECIALS else 1)

    w = gguf.GGUFWriter(path + ".partial", "qwen2")
    w.add_name(name + " (random weights)")
    w.add_context_length(32768)
    w.add_embedding_length(s["d"])
    w.add_feed_forward_length(s["ffn"])
    w.add_block_count(s["layers"])
    w.add_head_count(s["heads"])
    w.add_head_count_kv(s["kv"])
    w.add_rope_freq_base(1_000_000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_file_type(1)  # mostly F16
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges([" ".join(m) if isinstance(m, list) else m for m in merges])
    w.add_eos_token_id(vocab["<|im_end|>"])
    w.add_pad_token_id(vocab["<|endoftext|>"])
    w.add_bos_token_id(vocab["<|endoftext|>"])
    w.add_add_bos_token(False)
    w.add_chat_template(TEMPLATE)

    def normal(*shape):
        return (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float16)

    d, kvd = s["d"], s["kv"] * head_dim
    w.add_tensor("token_embd.weight", normal(s["vocab"], d))
    for layer in range(s["layers"]):
        b = f"blk.{layer}."
        w.add_tensor(b + "attn_norm.weight", np.ones(d, np.float32))
        w.add_tensor(b + "attn_q.weight", normal(d, d))
        w.add_tensor(b + "attn_q.bias", (rng.standard_normal(d, dtype=np.float32) * 0.02))
        w.add_tensor(b + "attn_k.weight", normal(kvd, d))
        w.add_tensor(b + "attn_k.bias", (rng.standard_normal(kvd, dtype=np.float32) * 0.02))
        w.add_tensor(b + "attn_v.weight", normal(kvd, d))
        w.add_tensor(b + "attn_v.bias", (rng.standard_normal(kvd, dtype=np.float32) * 0.02))
        w.add_tensor(b + "attn_output.weight", normal(d, d))
        w.add_tensor(b + "ffn_norm.weight", np.ones(d, np.float32))
        w.add_tensor(b + "ffn_gate.weight", normal(s["ffn"], d))
        w.add_tensor(b + "ffn_up.weight", normal(s["ffn"], d))
        w.add_tensor(b + "ffn_down.weight", normal(d, s["ffn"]))
    w.add_tensor("output_norm.weight", np.ones(d, np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    os.replace(path + ".partial", path)


def quantize_q4_k_m(src, dst, threads):
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M
    params.nthread = threads
    status = llama_cpp.llama_model_quantize(src.encode(), (dst + ".partial").encode(), ctypes.byref(params))
    if status != 0:
        sys.exit(f"make_bench_model: llama_model_quantize returned {status} for {src}")
    os.replace(dst + ".partial", dst)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", choices=sorted(SHAPES), default="qwen2.5-1.5b")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--qwen-vocab", help="qwen.tiktoken (pip install --no-deps dashscope: dashscope/resources/qwen.tiktoken)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    f16 = os.path.join(a.out, "model-f16.gguf")
    q4 = os.path.join(a.out, "model-Q4_K_M.gguf")
    if not os.path.exists(f16):
        print(f"make_bench_model: writing {f16}", file=sys.stderr)
        write_f16(f16, a.shape, SHAPES[a.shape], a.seed, a.qwen_vocab)
    if not os.path.exists(q4):
        print(f"make_bench_model: quantizing to {q4}", file=sys.stderr)
        quantize_q4_k_m(f16, q4, a.threads)
    print(q4)


if __name__ == "__main__":
    main()
