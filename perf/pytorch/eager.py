#!/usr/bin/env python3
"""PyTorch eager twin of the C# suites that perf/pytorch/compare.sh sets side by side.

It loads the folders `BenchmarkModelExport` writes (the suites' own seeded weights, as Hugging Face config.json +
safetensors), checks that its forward gives the logits ours gave for the same ids (parity.json), then times what
GenerationBenchmarks (Prefill, DecodeSteps) and SupervisedStepBenchmarks (TrainStep) time, with the same shapes,
the same warm-up and the same number of measured iterations, and prints one JSON document.

The network is the plain eager Qwen2 of Hugging Face transformers written out (RMSNorm, rotary embeddings with
rotate-half, grouped-query attention by repeating the key/value heads, SwiGLU, tied head) with a preallocated KV
cache. Debian 12's python3-torch is 1.13, which has no fused scaled-dot-product attention, so attention is the
explicit softmax(QK^T / sqrt(d) + mask) V.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

PROMPT_TOKENS = 256     # GenerationBenchmarks.PromptTokens
NEW_TOKENS = 8          # GenerationBenchmarks.NewTokens
TRAIN_TOKENS = 256      # SupervisedStepBenchmarks.SequenceTokens
TRAIN_BATCH = 16        # SupervisedStepBenchmarks.Batch
WARMUP, ITERATIONS = 1, 3   # the suites' Monitoring job


def read_safetensors(path):
    with open(path, "rb") as f:
        header_bytes = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_bytes))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name} is {info['dtype']}; the benchmark models are saved as F32")
        start, end = info["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data, dtype=np.float32, count=(end - start) // 4, offset=start)
                                         .reshape(info["shape"]).copy())
    return tensors


class RmsNorm(torch.nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.kv_heads = c["num_attention_heads"], c["num_key_value_heads"]
        self.head_dim = c.get("head_dim") or c["hidden_size"] // self.heads
        hidden, bias = c["hidden_size"], c.get("attention_bias", True)
        self.q_proj = torch.nn.Linear(hidden, self.heads * self.head_dim, bias=bias)
        self.k_proj = torch.nn.Linear(hidden, self.kv_heads * self.head_dim, bias=bias)
        self.v_proj = torch.nn.Linear(hidden, self.kv_heads * self.head_dim, bias=bias)
        self.o_proj = torch.nn.Linear(self.heads * self.head_dim, hidden, bias=False)

    def forward(self, x, cos, sin, cache, start):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        if cache is not None:
            keys, values = cache
            keys[:, :, start:start + t] = k
            values[:, :, start:start + t] = v
            k, v = keys[:, :, :start + t], values[:, :, :start + t]
        groups = self.heads // self.kv_heads
        k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim)
        if t > 1:
            total = k.shape[-2]
            mask = torch.ones(t, total, dtype=torch.bool).triu(total - t + 1)
            scores = scores.masked_fill(mask, float("-inf"))
        out = torch.softmax(scores, dim=-1) @ v
        return self.o_proj(out.transpose(1, 2).reshape(b, t, -1))


class Layer(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        hidden, inner = c["hidden_size"], c["intermediate_size"]
        self.input_layernorm = RmsNorm(hidden, c["rms_norm_eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RmsNorm(hidden, c["rms_norm_eps"])
        self.mlp = torch.nn.Module()
        self.mlp.gate_proj = torch.nn.Linear(hidden, inner, bias=False)
        self.mlp.up_proj = torch.nn.Linear(hidden, inner, bias=False)
        self.mlp.down_proj = torch.nn.Linear(inner, hidden, bias=False)

    def forward(self, x, cos, sin, cache, start):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, cache, start)
        h = self.post_attention_layernorm(x)
        return x + self.mlp.down_proj(F.silu(self.mlp.gate_proj(h)) * self.mlp.up_proj(h))


class Qwen2(torch.nn.Module):
    def __init__(self, folder):
        super().__init__()
        with open(os.path.join(folder, "config.json")) as f:
            self.config = c = json.load(f)
        if not c.get("tie_word_embeddings", False):
            raise SystemExit(f"{folder}: the benchmark models tie the LM head to the embedding")
        self.model = torch.nn.Module()
        self.model.embed_tokens = torch.nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.model.layers = torch.nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))
        self.model.norm = RmsNorm(c["hidden_size"], c["rms_norm_eps"])
        missing, unexpected = self.load_state_dict(read_safetensors(os.path.join(folder, "model.safetensors")), strict=False)
        if missing or unexpected:
            raise SystemExit(f"{folder}: weights do not match the network (missing {missing}, unexpected {unexpected})")
        head_dim = c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]
        self.inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))

    def new_cache(self, batch, capacity):
        a = self.model.layers[0].self_attn
        return [(torch.zeros(batch, a.kv_heads, capacity, a.head_dim), torch.zeros(batch, a.kv_heads, capacity, a.head_dim))
                for _ in self.model.layers]

    def forward(self, ids, cache=None, start=0, last_token_only=False):
        freqs = torch.arange(start, start + ids.shape[1], dtype=torch.float32)[:, None] * self.inv_freq
        angles = torch.cat((freqs, freqs), dim=-1)
        cos, sin = angles.cos(), angles.sin()
        x = self.model.embed_tokens(ids)
        for i, layer in enumerate(self.model.layers):
            x = layer(x, cos, sin, None if cache is None else cache[i], start)
        x = self.model.norm(x)
        if last_token_only:
            x = x[:, -1:]
        return x @ self.model.embed_tokens.weight.t()


def blas_library():
    """The BLAS this process really loaded (Debian's torch calls whatever libblas.so.3 the alternatives point at)."""
    with open("/proc/self/maps") as maps:
        names = {line.split()[-1] for line in maps if "blas" in line.split()[-1].lower()}
    return sorted(os.path.basename(name) for name in names)


def check_parity(model, folder):
    with open(os.path.join(folder, "parity.json")) as f:
        parity = json.load(f)
    with torch.no_grad():
        logits = model(torch.tensor(parity["input_ids"]))
    expected = torch.tensor(parity["logits"])
    difference = (logits[..., :expected.shape[-1]] - expected).abs().max().item()
    scale = expected.abs().max().item()
    if not difference <= 1e-4 * max(1.0, scale) + 1e-5:
        raise SystemExit(f"{folder}: logits differ from ours by up to {difference:.3g} (largest logit {scale:.3g}): not the same network")
    return difference


def measure(run, setup=None, iterations=ITERATIONS):
    """WARMUP + iterations runs of run(), each after setup() (untimed), like BenchmarkDotNet's IterationSetup."""
    times = []
    for i in range(WARMUP + iterations):
        if setup is not None:
            setup()
        begin = time.perf_counter()
        run()
        elapsed = time.perf_counter() - begin
        if i >= WARMUP:
            times.append(elapsed * 1e3)
    return {"mean_ms": sum(times) / len(times), "median_ms": sorted(times)[len(times) // 2], "min_ms": min(times),
            "samples_ms": times}


def random_ids(vocab, batch, tokens, seed):
    return torch.randint(vocab, (batch, tokens), generator=torch.Generator().manual_seed(seed))


def generation(model, batch):
    vocab = model.config["vocab_size"]
    prompt = random_ids(vocab, batch, PROMPT_TOKENS, 1)
    results = {}
    with torch.no_grad():
        results["Prefill"] = measure(lambda: model(prompt, last_token_only=True).argmax(-1)[0, 0].item())
        state = {}

        def prefill_into_cache():
            state["cache"] = model.new_cache(batch, PROMPT_TOKENS + NEW_TOKENS)
            state["next"] = model(prompt, cache=state["cache"], last_token_only=True).argmax(-1)

        def decode_steps():
            token = state["next"]
            for step in range(NEW_TOKENS):
                token = model(token, cache=state["cache"], start=PROMPT_TOKENS + step, last_token_only=True).argmax(-1)
            return token[0, 0].item()

        results["DecodeSteps"] = measure(decode_steps, setup=prefill_into_cache)
    return results


def matmul(n):
    generator = torch.Generator().manual_seed(1)
    a, b = torch.randn(n, n, generator=generator), torch.randn(n, n, generator=generator)
    # BenchmarkDotNet's default job runs a short matmul many times; 20 here keeps the median as steady.
    return measure(lambda: (a @ b)[0, 0].item(), iterations=20)


def train_step(model):
    ids = random_ids(model.config["vocab_size"], TRAIN_BATCH, TRAIN_TOKENS, 1)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)

    def step():
        optimizer.zero_grad()
        logits = model(ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
        loss.backward()
        optimizer.step()
        return loss.item()

    result = measure(step)
    model.eval()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", help="folder holding the exported QuickStart/1M/30M model folders")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads (set the C# side to the same)")
    parser.add_argument("--sizes", default="QuickStart,1M,30M", help="comma-separated model sizes")
    parser.add_argument("--batches", default="1,8,64", help="comma-separated batches of the generation suite")
    parser.add_argument("--train-sizes", default="QuickStart,30M", help="model sizes of the supervised step")
    parser.add_argument("--parity-only", action="store_true", help="check the logits of every size and time nothing")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    report = {"torch": torch.__version__, "threads": torch.get_num_threads(),
              "blas": blas_library(), "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
              "results": []}
    for n in () if args.parity_only else (256, 1024):
        report["results"].append({"suite": "MatMulBenchmarks", "method": "MatMul", "n": n, **matmul(n)})
    for size in args.sizes.split(","):
        folder = os.path.join(args.models, size)
        model = Qwen2(folder).eval()
        report["results"].append({"suite": "Parity", "model": size, "max_abs_logit_difference": check_parity(model, folder)})
        if args.parity_only:
            continue
        for batch in map(int, args.batches.split(",")):
            for method, stats in generation(model, batch).items():
                report["results"].append({"suite": "GenerationBenchmarks", "method": method, "model": size, "batch": batch, **stats})
                print(f"{size} batch {batch} {method}: median {stats['median_ms']:.1f} ms", file=sys.stderr)
        if size in args.train_sizes.split(","):
            stats = train_step(model)
            report["results"].append({"suite": "SupervisedStepBenchmarks", "method": "TrainStep", "model": size, "batch": TRAIN_BATCH, **stats})
            print(f"{size} TrainStep: median {stats['median_ms']:.1f} ms", file=sys.stderr)
    json.dump(report, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
