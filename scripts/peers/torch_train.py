"""PyTorch peer for scripts/bench-train: the same training steps Rounds benchmarks, on the
same weights (the GGUF dequantized to fp32 by transformers, or a Hugging Face folder) and the same shapes, on
CPU with the same thread count. Prints one JSON object per mode on stdout.

modes:
  full  - full fine-tuning step: forward, cross-entropy over all tokens, backward, AdamW
  lora  - the same with a PEFT LoRA adapter (r, alpha) on q,k,v,o,gate,up,down
  dpo   - a DPO step as TRL runs it by default with a PEFT policy: reference log-probs from
          a forward with the adapter disabled (no grad), policy forward + backward over
          chosen and rejected, sigmoid loss, AdamW
"""
import argparse
import json
import os
import resource
import sys
import time


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="a .gguf file or a Hugging Face folder")
    ap.add_argument("--mode", choices=["full", "lora", "dpo"], required=True)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rank", type=int, default=16)
    args = ap.parse_args()

    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    if os.path.isdir(args.model):
        model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    else:
        folder, name = os.path.split(os.path.abspath(args.model))
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    model.config.use_cache = False
    vocab = model.config.vocab_size

    if args.mode in ("lora", "dpo"):
        from peft import LoraConfig, get_peft_model

        cfg = LoraConfig(r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.0,
                         target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
                         task_type="CAUSAL_LM")
        model = get_peft_model(model, cfg)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5)

    g = torch.Generator().manual_seed(1)
    B, T = args.batch, args.seq

    def step_sft():
        ids = torch.randint(1, vocab, (B, T), generator=g)
        out = model(input_ids=ids, labels=ids)
        out.loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return B * T

    def seq_logps(m, ids, prompt_len):
        logits = m(input_ids=ids).logits[:, prompt_len - 1:-1, :]
        return torch.log_softmax(logits, dim=-1).gather(-1, ids[:, prompt_len:].unsqueeze(-1)).squeeze(-1).sum(-1)

    def step_dpo():
        # B pairs: chosen and rejected rows share a prompt of T/4 tokens, each row T tokens.
        prompt_len = T // 4
        prompt = torch.randint(1, vocab, (B, prompt_len), generator=g)
        chosen = torch.cat([prompt, torch.randint(1, vocab, (B, T - prompt_len), generator=g)], 1)
        rejected = torch.cat([prompt, torch.randint(1, vocab, (B, T - prompt_len), generator=g)], 1)
        both = torch.cat([chosen, rejected], 0)
        with torch.no_grad(), model.disable_adapter():
            ref = seq_logps(model, both, prompt_len)
        pol = seq_logps(model, both, prompt_len)
        logits = 0.1 * ((pol[:B] - ref[:B]) - (pol[B:] - ref[B:]))
        loss = -torch.nn.functional.logsigmoid(logits).mean()
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return 2 * B * T

    step = step_dpo if args.mode == "dpo" else step_sft
    step()  # warm-up: allocator, threads, optimizer state
    times = []
    tokens = 0
    for _ in range(args.steps):
        t0 = time.perf_counter()
        tokens = step()
        times.append(time.perf_counter() - t0)
    per_step = sorted(times)[len(times) // 2]
    print(json.dumps({
        "peer": "pytorch", "mode": args.mode, "torch": torch.__version__, "threads": args.threads,
        "batch": B, "seq": T, "tokens_per_step": tokens, "seconds_per_step": per_step,
        "tokens_per_second": tokens / per_step, "peak_rss_mb": peak_rss_mb(),
    }))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
