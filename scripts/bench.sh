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

# Bicep: the corpus's .bicep/.bicepparam files alone, and one generated 1 MB
# file (parse + lowering is the `load` stage of --timings).
mapfile -d '' bicep_files < <(find "$corpus" -type f \( -name '*.bicep' -o -name '*.bicepparam' \) -not -path '*/.*/*' -print0 | sort -z)
bicep_bytes=$(cat "${bicep_files[@]}" | wc -c)
load_ms() {
  "$@" --timings --format json --fail-on never 2>&1 >/dev/null | awk '$1 == "timing" && $2 == "load" {print $3}'
}
best_load() {
  local best=""
  for _ in $(seq "$runs"); do
    local t
    t=$(load_ms "$@")
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$t; fi
  done
  echo "$best"
}
t=$(best_load "$bin" check "${bicep_files[@]}")
awk -v n="${#bicep_files[@]}" -v b="$bicep_bytes" -v t="$t" 'BEGIN {printf "bicep corpus: %d files, %.2f MB, load (read, parse, lower) best %.1f ms: %.1f MB/s\n", n, b/1048576, t, b/1048576/(t/1000)}'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
  echo "param prefix string = 'aks'"
  i=0
  while [ "$(stat -c %s "$tmp/big.bicep" 2>/dev/null || echo 0)" -lt 1048576 ]; do
    for _ in $(seq 50); do
      i=$((i + 1))
      cat <<BICEP
@description('route table $i')
resource rt$i 'Microsoft.Network/routeTables@2023-09-01' = {
  name: '\${prefix}-rt-$i'
  location: resourceGroup().location
  properties: {
    routes: [for (r, k) in ['10.$((i % 250)).0.0/16', '0.0.0.0/0']: {
      name: 'route-\${k}'
      properties: { addressPrefix: r, nextHopType: k == 0 ? 'VnetLocal' : 'VirtualAppliance', nextHopIpAddress: k == 0 ? null : '10.0.0.4' }
    }]
  }
}
BICEP
    done >> "$tmp/big.bicep"
  done
} > "$tmp/head.bicep"
cat "$tmp/head.bicep" "$tmp/big.bicep" > "$tmp/main.bicep" && rm "$tmp/head.bicep" "$tmp/big.bicep"
big_bytes=$(stat -c %s "$tmp/main.bicep")
t=$(best_load "$bin" check "$tmp/main.bicep")
awk -v b="$big_bytes" -v t="$t" 'BEGIN {printf "one %.2f MB Bicep file: load (read, parse, lower) best %.1f ms: %.1f MB/s\n", b/1048576, t, b/1048576/(t/1000)}'
read -r best median < <(time_runs "$bin" check "$tmp/main.bicep" --format gcc --fail-on never)
echo "one 1 MB Bicep file, whole run: best ${best} ms, median ${median} ms"
