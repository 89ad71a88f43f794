#!/usr/bin/env python3
"""Prints the side-by-side table of perf/llamacpp/compare.sh: our decode tokens/s against llama-batched-bench's.

Usage: ratios.py BENCHMARKDOTNET_RESULTS_FOLDER LLAMACPP_JSONL
Ours: LlamaCppDecodeBenchmarks' Generate (prefill + 64 tokens) and Prefill (prefill + 1 token) medians, so one
decode step of the batch takes (Generate - Prefill) / 63 and decode tokens/s = Batch / that. Prefill tokens/s is
Batch x 64 / Prefill. llama.cpp: the best (fastest) of its runs of S_TG and S_PP per model and batch.
"""
import glob
import json
import os
import sys

PROMPT_TOKENS = 64
NEW_TOKENS = 64


def ours(folder):
    medians = {}
    for path in glob.glob(os.path.join(folder, "*-report-full*.json")):
        with open(path) as f:
            for benchmark in json.load(f)["Benchmarks"]:
                if benchmark["Type"] != "LlamaCppDecodeBenchmarks":
                    continue
                parameters = dict(p.split("=", 1) for p in benchmark["Parameters"].split("&") if p)
                statistics = benchmark.get("Statistics")
                if statistics is None:
                    raise SystemExit(f"{path}: {benchmark['FullName']} has no statistics (did it fail?)")
                medians[(parameters["Model"], int(parameters["Batch"]), benchmark["Method"])] = statistics["Median"] / 1e9
    return medians


def llamacpp(path):
    best = {}
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            key = (row["model"], row["pl"])
            tg, pp = best.get(key, (0.0, 0.0))
            best[key] = (max(tg, row["speed_tg"]), max(pp, row["speed_pp"]))
    return best


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    medians = ours(sys.argv[1])
    peer = llamacpp(sys.argv[2])
    print("| model | batch | llama.cpp decode tok/s | ours decode tok/s | ours ÷ llama.cpp | llama.cpp prefill tok/s | ours prefill tok/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (model, batch), (tg, pp) in sorted(peer.items()):
        generate = medians.get((model, batch, "Generate"))
        prefill = medians.get((model, batch, "Prefill"))
        if generate is None or prefill is None:
            raise SystemExit(f"no BenchmarkDotNet result for {model} at batch {batch}: run the same suite on both sides")
        decode = batch * (NEW_TOKENS - 1) / (generate - prefill)
        print(f"| {model} | {batch} | {tg:,.0f} | {decode:,.0f} | **{decode / tg:.2f}×** | {pp:,.0f} | {batch * PROMPT_TOKENS / prefill:,.0f} |")


if __name__ == "__main__":
    main()
