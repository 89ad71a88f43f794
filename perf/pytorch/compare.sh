#!/usr/bin/env bash
# PyTorch eager side by side: exports the suites' seeded models, times them in PyTorch (eager.py, Debian's
# python3-torch) and in our BenchmarkDotNet suites one after the other on this machine, and prints the ratios.
# Usage: perf/pytorch/compare.sh            (THREADS=N to change the 2 threads both sides use)
# Writes everything to BenchmarkDotNet.Artifacts/pytorch/ (ignored by git). Takes about 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${THREADS:-2}
python=/usr/bin/python3   # Debian's interpreter, the one python3-torch installs into

# python3-torch defaults to the generic reference BLAS; OpenBLAS (pthreads) is what makes it a fair peer.
missing=()
"$python" -c 'import torch' 2>/dev/null || missing+=(python3-torch)
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || missing+=(libopenblas0-pthread)
if (( ${#missing[@]} )); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "== installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "error: needs ${missing[*]} (Debian packages); install them as root and run again." >&2
    exit 1
  fi
fi

# Debian 12's OpenBLAS (0.3.21) does not recognise every CPU and then falls back to its oldest x86-64 kernels
# ("Prescott": about 20 GFLOP/s at 1024³ on the 2-core Xeon here, against about 190 with the AVX-512 ones). Name
# the core by the instruction set the CPU has, unless the caller did.
if [[ -z ${OPENBLAS_CORETYPE:-} ]]; then
  if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
  elif grep -qw avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell
  fi
fi
# The same threads on both sides: libtorch (ours and PyTorch's) reads OMP_NUM_THREADS, OpenBLAS its own variable.
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads

out=BenchmarkDotNet.Artifacts/pytorch
rm -rf "$out" && mkdir -p "$out"
dotnet build perf/AgentFlow.MLNet.Benchmarks -c Release -v q -nologo
dotnet perf/AgentFlow.MLNet.Benchmarks/bin/Release/net10.0/AgentFlow.MLNet.Benchmarks.dll export-models "$out/models"

echo "== PyTorch eager ($("$python" -c 'import torch; print(torch.__version__)'), $threads threads)"
"$python" perf/pytorch/eager.py "$out/models" --threads "$threads" > "$out/pytorch.json"

echo "== ours (BenchmarkDotNet)"
dotnet run -c Release --no-build --project perf/AgentFlow.MLNet.Benchmarks -- \
  --filter '*MatMulBenchmarks*' '*GenerationBenchmarks.Prefill*' '*GenerationBenchmarks.DecodeSteps*' '*SupervisedStepBenchmarks*' \
  --exporters json --artifacts "$out/bdn" > "$out/bdn.log"

echo "== ratios (machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'))"
"$python" perf/pytorch/ratios.py "$out/bdn/results" "$out/pytorch.json" | tee "$out/ratios.md"
