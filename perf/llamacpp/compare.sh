#!/usr/bin/env bash
# Decode side by side with llama.cpp: writes the LlamaCppDecodeBenchmarks models as float32 GGUF files, times them with
# llama.cpp's llama-batched-bench (64-token prompts, 64 decoded tokens, batch 1, 8 and 64, best of RUNS runs) and
# with our BenchmarkDotNet suite one after the other on this machine, and prints the ratios.
# Usage: perf/llamacpp/compare.sh LLAMA_CPP_BIN_DIR      (THREADS=N to change the 2 threads both sides use; RUNS=3)
# Build llama.cpp's CPU tools first (cmake -B build -DGGML_NATIVE=ON && cmake --build build in a llama.cpp source tree; a measuring aid, never a dependency).
# Writes everything to BenchmarkDotNet.Artifacts/llamacpp/ (ignored by git). Takes about 5 minutes on 2 cores.
set -euo pipefail
bin=${1:?usage: perf/llamacpp/compare.sh LLAMA_CPP_BIN_DIR (the folder holding llama-batched-bench)}
bin=$(cd "$bin" && pwd)
[[ -x $bin/llama-batched-bench ]] || { echo "error: $bin/llama-batched-bench not found" >&2; exit 1; }
cd "$(dirname "$0")/../.."
threads=${THREADS:-2}
runs=${RUNS:-3}
export OMP_NUM_THREADS=$threads   # libtorch's intra-op threads

out=BenchmarkDotNet.Artifacts/llamacpp
rm -rf "$out" && mkdir -p "$out"
dotnet build perf/AgentFlow.MLNet.Benchmarks -c Release -v q -nologo
dotnet perf/AgentFlow.MLNet.Benchmarks/bin/Release/net10.0/AgentFlow.MLNet.Benchmarks.dll export-gguf "$out/models"

echo "== llama.cpp ($("$bin/llama-batched-bench" --version 2>&1 | grep -m1 version || true), $threads threads, best of $runs)"
for model in "$out"/models/*.gguf; do
  name=$(basename "$model" .gguf)
  for run in $(seq "$runs"); do
    # n_ctx holds 64 rows of 128 tokens; one ubatch takes a whole batch-64 decode step.
    "$bin/llama-batched-bench" -m "$model" -t "$threads" -c 8448 -b 4096 -ub 512 -npp 64 -ntg 64 -npl 1,8,64 \
      --output-format jsonl 2>/dev/null | grep '^{' | sed "s/^{/{\"model\": \"$name\", \"run\": $run, /" >> "$out/llamacpp.jsonl"
  done
done

echo "== ours (BenchmarkDotNet)"
dotnet run -c Release --no-build --project perf/AgentFlow.MLNet.Benchmarks -- \
  --filter '*LlamaCppDecodeBenchmarks*' --exporters json --artifacts "$out/bdn" > "$out/bdn.log"

echo "== ratios (machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'))"
python3 perf/llamacpp/ratios.py "$out/bdn/results" "$out/llamacpp.jsonl" | tee "$out/ratios.md"
