#!/usr/bin/env bash
# Cold start: the first 100,000 streaming steps of a cell from process start, in blocks of 1,000 (ColdStart.cs), each
# run in a fresh process, under each runtime setting, with and without Warmup.Prepare. Per row: the worst block after
# the first (the median and the worst over the runs), the first block (median), the median block, and the methods the
# JIT compiled on the stepping thread during the stream (median). An audio callback has ~10 ms in all.
# Usage: tests/RnnGen.Benchmarks/coldstart.sh [runs=5]
#   RNNGEN_CELLS   cells to run, default "lstm:8x32:frozen gru:8x32:frozen lstm:8x32:live gru:8x32:live"
#   RNNGEN_CALL    direct (default) or interface (through IFrozenCell<float> / IRecurrentCell<float>)
#   RNNGEN_STEPS   steps per run (default 100000)
#   RNNGEN_R2R=1   adds rows for a ReadyToRun publish of the benchmarks (dotnet publish -r <rid> -p:PublishReadyToRun=true)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${1:-5}
cells=${RNNGEN_CELLS:-"lstm:8x32:frozen gru:8x32:frozen lstm:8x32:live gru:8x32:live"}
call=${RNNGEN_CALL:-direct}
steps=${RNNGEN_STEPS:-100000}
out=$(mktemp -d "${TMPDIR:-/tmp}/rnngen-coldstart.XXXXXX")
dotnet build "$here" -c Release --nologo -v q >/dev/null
dll="$here/bin/Release/net10.0/RnnGen.Benchmarks.dll"
declare -A launch=([jit]="dotnet $dll")
builds="jit"
if [[ ${RNNGEN_R2R:-0} == 1 ]]; then
  rid=$(dotnet --info | awk '/^ *RID:/ { print $2; exit }')
  dotnet publish "$here" -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$out/r2r" --nologo -v q >/dev/null
  launch[r2r]="dotnet $out/r2r/RnnGen.Benchmarks.dll"
  builds="jit r2r"
fi
# label|environment
settings=(
  "default|"
  "TieredCompilation=0|DOTNET_TieredCompilation=0"
  "TC_QuickJitForLoops=0|DOTNET_TC_QuickJitForLoops=0"
  "TieredPGO=0|DOTNET_TieredPGO=0"
  "QuickJitForLoops=0,TieredPGO=0|DOTNET_TC_QuickJitForLoops=0 DOTNET_TieredPGO=0"
)
for build in $builds; do
  for cell in $cells; do
    IFS=: read -r kind shape mode <<< "$cell"
    for setting in "${settings[@]}"; do
      label=${setting%%|*}; envs=${setting#*|}
      for prepare in "" "--prepare"; do
        for r in $(seq 1 "$runs"); do
          # shellcheck disable=SC2086
          line=$(env $envs ${launch[$build]} --cold-start --quiet --cell "$kind" --shape "$shape" --call "$call" --steps "$steps" \
            $([[ $mode == live ]] && echo --live) $prepare | grep '^RESULT') || { echo "failed: $build $cell $label $prepare" >&2; exit 1; }
          echo "$build $kind $shape $mode $label $([[ -n $prepare ]] && echo yes || echo no) $line" >> "$out/all.txt"
        done
      done
    done
  done
done

printf "%-4s %-18s %-31s %-8s %11s %11s %10s %10s %5s\n" "run" "cell" "setting" "prepare" "worst ms" "max ms" "first ms" "median ms" "JIT"
awk '
  function field(name,   i, kv) { for (i = 7; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] } return "" }
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return a[int((n + 1) / 2)]
  }
  function maxof(list,   a, n, i, m) { n = split(list, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]; return m }
  {
    key = sprintf("%-4s %-18s %-31s %-8s", $1, $2 " (" $3 ") " $4, $5, $6)
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    worst[key] = worst[key] " " field("worst_after_first_ms"); first[key] = first[key] " " field("first_ms")
    med[key] = med[key] " " field("median_ms"); jit[key] = jit[key] " " field("jit_methods")
  }
  END {
    for (i = 1; i <= n; i++) { k = order[i]
      printf "%s %11.3f %11.3f %10.3f %10.3f %5d\n", k, median(worst[k]), maxof(worst[k]), median(first[k]), median(med[k]), median(jit[k]) }
  }' "$out/all.txt"
echo "worst ms: the worst block after the first, median over $runs runs; max ms: the worst of those runs. (raw results in $out)"
