"""Peers for scripts/bench-generate: llama.cpp (llama-cpp-python) on the GGUF and on an F32
GGUF of the same weights, and transformers batch-8 sampling when torch is installed; with
--same-file-only (a user's model, e.g. 1.5B, where an F32 copy would be 6 GB) llama.cpp on
the given file alone. Same machine, same run, same thread count and token counts as Rounds.
Prints one JSON object.

The F32 GGUF is written here from the Q4_1 file with the `gguf` package: every tensor
dequantized to float32, metadata copied, so llama.cpp reads exactly the weights Rounds uses.
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def write_f32_gguf(src: str, dst: str) -> None:
    import gguf

    if os.path.exists(dst) and os.path.getmtime(dst) >= os.path.getmtime(src):
        return
    reader = gguf.GGUFReader(src)
    arch = reader.fields["general.architecture"].contents()
    writer = gguf.GGUFWriter(dst + ".partial", arch)
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture" or name == "general.alignment":
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(name, field.contents(), vtype, sub_type=sub)
    for t in reader.tensors:
        values = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
        # GGUF dims are fastest-first; numpy wants slowest-first.
        values = values.reshape(list(reversed([int(d) for d in t.shape])))
        writer.add_tensor(t.name, values, raw_dtype=gguf.GGMLQuantizationType.F32)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(dst + ".partial", dst)


def llama_cpp_rates(path: str, threads: int, prompt: list, short: list, new_tokens: int, repeats: int) -> dict:
    from llama_cpp import Llama

    llm = Llama(model_path=path, n_threads=threads, n_threads_batch=threads, n_ctx=512, n_batch=512, verbose=False)
    prefill = decode = float("inf")
    for _ in range(repeats):
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(prompt)
        prefill = min(prefill, time.perf_counter() - t0)
    for _ in range(repeats):
        llm.reset()
        llm.eval(short)
        t0 = time.perf_counter()
        for _ in range(new_tokens - 1):
            logits = llm.scores[llm.n_tokens - 1]
            llm.eval([int(np.argmax(logits))])
        decode = min(decode, time.perf_counter() - t0)
    return {"prefill_tok_s": len(prompt) / prefill, "decode_b1_tok_s": (new_tokens - 1) / decode}


def transformers_rate(gguf_path: str, threads: int, short: list, new_tokens: int, batch: int) -> dict:
    try:
        import torch
        from transformers import AutoModelForCausalLM
    except ImportError as e:
        return {"skipped": f"transformers/torch not installed ({e.name})"}
    torch.set_num_threads(threads)
    model = AutoModelForCausalLM.from_pretrained(
        os.path.dirname(gguf_path), gguf_file=os.path.basename(gguf_path), torch_dtype=torch.float32)
    ids = torch.tensor([short] * batch)
    best = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True, temperature=0.7, top_p=0.9,
                             max_new_tokens=new_tokens, min_new_tokens=new_tokens, pad_token_id=0)
        best = min(best, time.perf_counter() - t0)
    generated = (out.shape[1] - len(short)) * batch
    return {"sample_tok_s": generated / best}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt-tokens", type=int, default=256)
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--same-file-only", action="store_true")
    a = ap.parse_args()
    rng = np.random.default_rng(2024)
    prompt = [int(x) for x in rng.integers(100, 30100, a.prompt_tokens)]
    short = prompt[:32]
    if a.same_file_only:
        print(json.dumps({"llama_cpp": llama_cpp_rates(a.model, a.threads, prompt, short, a.new_tokens, a.repeats)}))
        return
    f32 = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".venv-bench", "model-f32.gguf")
    write_f32_gguf(a.model, f32)
    result = {
        "llama_cpp": llama_cpp_rates(a.model, a.threads, prompt, short, a.new_tokens, a.repeats),
        "llama_cpp_f32": llama_cpp_rates(f32, a.threads, prompt, short, a.new_tokens, a.repeats),
        "transformers": transformers_rate(f32, a.threads, short, a.new_tokens, a.batch),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
