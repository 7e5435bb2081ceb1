#!/usr/bin/env bash
# One latency sweep per GPU, side by side: GPU i measures the models listed in the i-th
# argument file, in its own process pinned to its own CPU cores, into its own cache copy
# (a copy of data/results.parquet, so models measured before are skipped). Each process gets
# SIGINT at TIMEOUT seconds, which keeps every finished row. Merge the results afterwards with
#   python -c "from efficiency.store import cache; cache.merge_rows(cache.read('gpu.parquet'), 'data/results.parquet')"
# Usage: bench/gpu_sweep_parallel.sh OUTDIR TIMEOUT ARGFILE [ARGFILE ...]
set -u
if [ $# -lt 3 ]; then
  echo "usage: $0 OUTDIR TIMEOUT_SECONDS ARGFILE [ARGFILE ...]   (one argument file per GPU)" >&2; exit 2
fi
out=$1; limit=$2; shift 2
mkdir -p "$out"
export PYTHONUNBUFFERED=1
ngpu=$#; ncpu=$(nproc); per=$(( ncpu / ngpu ))
have=$(nvidia-smi -L 2>/dev/null | wc -l)
if [ "$ngpu" -gt "$have" ]; then
  echo "error: $ngpu argument files but $have GPU(s): give one file per GPU" >&2; exit 2
fi
nvidia-smi --query-gpu=index,name,driver_version,clocks.sm,temperature.gpu --format=csv
i=0
for f in "$@"; do
  tag=$(basename "$f" .args)
  cp data/results.parquet "$out/$tag.parquet"
  lo=$(( i * per )); hi=$(( lo + per - 1 ))
  CUDA_VISIBLE_DEVICES=$i OMP_NUM_THREADS=$per taskset -c $lo-$hi \
    timeout -s INT -k 20 "$limit" python3 -m efficiency.refresh "@$f" --task classification \
      --skip-counts --device cuda --batch-size 1 256 --dtype bf16 --mode eager cuda_graph \
      --cuda-graph-batch-size 1 --min-time 0.2 --max-time 2 --no-progress \
      --cache "$out/$tag.parquet" > "$out/$tag.log" 2>&1 &
  i=$(( i + 1 ))
done
wait
nvidia-smi --query-gpu=index,clocks.sm,temperature.gpu --format=csv
for f in "$@"; do tag=$(basename "$f" .args); echo "== $tag"; tail -n 4 "$out/$tag.log"; done
