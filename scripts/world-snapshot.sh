#!/usr/bin/env bash
# Snapshots `tendon world` and `tendon check --format json` for every fixture
# folder and the corpus (../shared/corpus, when present), to prove a refactor
# changes nothing, byte for byte.
# Usage: scripts/world-snapshot.sh record|compare [SNAPSHOT_DIR] [BINARY]
#   (defaults: /tmp/tendon-world-snapshot, target/debug/tendon)
set -uo pipefail
cd "$(dirname "$0")/.."
mode="${1:?record or compare}"
snap="${2:-/tmp/tendon-world-snapshot}"
bin="${3:-target/debug/tendon}"
case "$mode" in
  record) out="$snap/base" ;;
  compare) out="$snap/new" ;;
  *) echo "usage: $0 record|compare [SNAPSHOT_DIR] [BINARY]" >&2; exit 2 ;;
esac
rm -rf "$out" && mkdir -p "$out"
# A copy, so a rebuild while this runs cannot mix two binaries.
tmpbin="$snap/tendon"
cp "$bin" "$tmpbin"
dirs=(fixtures/*/*)
[ -d ../shared/corpus ] && dirs+=(../shared/corpus)
for d in "${dirs[@]}"; do
  [ -d "$d" ] || continue
  key=$(echo "$d" | tr '/' '_')
  "$tmpbin" world "$d" >"$out/$key.world" 2>"$out/$key.world.err"; echo "rc=$?" >>"$out/$key.world.err"
  "$tmpbin" check "$d" --format json >"$out/$key.check" 2>"$out/$key.check.err"; echo "rc=$?" >>"$out/$key.check.err"
done
if [ "$mode" = compare ]; then
  if diff -rq "$snap/base" "$snap/new"; then
    echo "identical: ${#dirs[@]} folders"
  else
    echo "DIFFERENT (diff -r $snap/base $snap/new)"; exit 1
  fi
fi
