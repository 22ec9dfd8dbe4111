#!/usr/bin/env bash
# Benchmarks the release binary over ../shared/corpus (skips cleanly when it is absent).
# Prints wall time per run, files/s and MB/s, and peak memory, for:
#   - the whole corpus (the PR CI gate case),
#   - one small template (the pre-commit case).
# Usage: scripts/bench.sh [RUNS]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="../shared/corpus"
runs="${1:-10}"
if [ ! -d "$corpus" ]; then
  echo "bench: $corpus not found; skipping"
  exit 0
fi
cargo build --release --quiet
bin="target/release/tendon"

files=$(find "$corpus" -type f \( -name '*.json' -o -name '*.jsonc' -o -name '*.bicep' -o -name '*.bicepparam' \) \
  -not -path '*/.*/*' | wc -l)
bytes=$(find "$corpus" -type f \( -name '*.json' -o -name '*.jsonc' -o -name '*.bicep' -o -name '*.bicepparam' \) \
  -not -path '*/.*/*' -print0 | xargs -0 cat | wc -c)

# Best and median of N runs, in milliseconds.
time_runs() {
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f %.2f\n", a[1]/1000, a[int((NR+1)/2)]/1000}'
}

read -r best median < <(time_runs "$bin" check "$corpus" --format json --fail-on never)
mb=$(awk -v b="$bytes" 'BEGIN {printf "%.2f", b/1048576}')
echo "corpus: $files files, $mb MB"
echo "corpus: best ${best} ms, median ${median} ms over $runs runs"
awk -v f="$files" -v b="$bytes" -v t="$median" 'BEGIN {printf "corpus: %.0f files/s, %.1f MB/s (median)\n", f/(t/1000), b/1048576/(t/1000)}'
if command -v /usr/bin/time >/dev/null 2>&1; then
  rss=$(/usr/bin/time -f '%M' "$bin" check "$corpus" --format json --fail-on never 2>&1 >/dev/null | tail -1)
  awk -v r="$rss" -v b="$bytes" 'BEGIN {printf "corpus: peak RSS %.1f MB (%.1fx input)\n", r/1024, r*1024/b}'
fi

small="fixtures/AKS001/fail/azuredeploy.json"
read -r best median < <(time_runs "$bin" check "$small" --format gcc --fail-on never)
echo "one small template: best ${best} ms, median ${median} ms (process start to exit)"
