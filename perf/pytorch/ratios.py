#!/usr/bin/env python3
"""Prints the side-by-side table of perf/pytorch/compare.sh: our BenchmarkDotNet figures against eager.py's.

Usage: ratios.py BENCHMARKDOTNET_RESULTS_FOLDER PYTORCH_JSON
Reads every *-report-full*.json BenchmarkDotNet wrote (--exporters json) and the JSON eager.py printed, pairs the
same suite, method and parameters, and prints a Markdown table of median and minimum times with the ratio
ours ÷ PyTorch (below 1: we are faster). The MatMul rows give each side's fp32 peak in the same run, and the
compute rows are also read against it.
"""
import glob
import json
import os
import sys


def ours(folder):
    rows = {}
    for path in glob.glob(os.path.join(folder, "*-report-full*.json")):
        with open(path) as f:
            for benchmark in json.load(f)["Benchmarks"]:
                parameters = dict(p.split("=", 1) for p in benchmark["Parameters"].split("&") if p)
                statistics = benchmark.get("Statistics")
                if statistics is None:
                    raise SystemExit(f"{path}: {benchmark['FullName']} has no statistics (did it fail?)")
                key = key_of(benchmark["Type"], benchmark["Method"], parameters.get("Model"),
                             parameters.get("Batch") or parameters.get("N"))
                rows[key] = {"median_ms": statistics["Median"] / 1e6, "min_ms": statistics["Min"] / 1e6}
    return rows


def key_of(suite, method, model, size):
    return (suite, method, model or "", str(size or ""))


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    measured = ours(sys.argv[1])
    with open(sys.argv[2]) as f:
        pytorch = json.load(f)
    peaks = {}
    lines = ["| suite | model | batch / N | PyTorch median | ours median | ours ÷ PyTorch (median) | ours ÷ PyTorch (min) |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in pytorch["results"]:
        if row["suite"] == "Parity":
            print(f"parity {row['model']}: largest logit difference {row['max_abs_logit_difference']:.2g}")
            continue
        size = row.get("batch", row.get("n"))
        key = key_of(row["suite"], row["method"], row.get("model"), size)
        if key not in measured:
            raise SystemExit(f"no BenchmarkDotNet result for {key}: run the same suites on both sides")
        ours_row = measured[key]
        name = f"{row['suite'].replace('Benchmarks', '')}.{row['method']}"
        if row["suite"] == "MatMulBenchmarks":
            flops = 2 * size ** 3
            peaks[size] = (flops / row["median_ms"] / 1e6, flops / ours_row["median_ms"] / 1e6)
            name += f" (GFLOP/s: PyTorch {peaks[size][0]:.0f}, ours {peaks[size][1]:.0f})"
        lines.append(f"| {name} | {row.get('model', '')} | {size} | {row['median_ms']:,.1f} ms | {ours_row['median_ms']:,.1f} ms "
                     f"| **{ours_row['median_ms'] / row['median_ms']:.2f}×** | {ours_row['min_ms'] / row['min_ms']:.2f}× |")
    print(f"PyTorch {pytorch['torch']}, {pytorch['threads']} threads, BLAS {', '.join(pytorch['blas']) or 'built in'}"
          + (f" (OPENBLAS_CORETYPE={pytorch['openblas_coretype']})" if pytorch.get("openblas_coretype") else ""))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
