#!/usr/bin/env bash
# RnnGen against the practical limit: the hand-tuned C++ AVX2 kernels of ../shared/bench/limit, run in the same
# session, alternating with RnnGen's BenchmarkDotNet benchmarks so both see the same machine weather.
# Prints one table of medians (ns per step): shape, limit, then RnnGen's frozen snapshot (Freeze(): packed weights, what the
# limit's load() builds too) and the cell itself (in place, always its current parameters), each with its ratio to the limit.
# Weights are PyTorch's init ×4 on both sides.
# Usage: tests/RnnGen.Benchmarks/compare.sh [rounds=3]     (RNNGEN_LIMIT=path/to/limit/run to point elsewhere)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
limit=${RNNGEN_LIMIT:-$root/../shared/bench/limit/run}
rounds=${1:-3}
out=$(mktemp -d "${TMPDIR:-/tmp}/rnngen-compare.XXXXXX")
[ -x "$limit" ] || { echo "compare.sh: the limit script is not at $limit (set RNNGEN_LIMIT)" >&2; exit 2; }

dotnet build "$here" -c Release --nologo -v q >/dev/null
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: limit step" >&2
  RNN_WSCALE=4 "$limit" step > "$out/limit-step-$r.csv"
  echo "round $r/$rounds: limit bptt" >&2
  RNN_WSCALE=4 "$limit" bptt > "$out/limit-bptt-$r.txt"
  echo "round $r/$rounds: RnnGen" >&2
  dotnet run -c Release --no-build --project "$here" -- --compare --filter '*LimitStep*' '*LimitTraining*' \
    --artifacts "$out/bdn-$r" > "$out/bdn-$r.log" 2>&1 || { tail -20 "$out/bdn-$r.log" >&2; exit 1; }
done

# One line per measurement: "<key> <side> <ns>", key = cell:IxH or lstm-train:64x128, side = limit, frozen or cell.
{
  for f in "$out"/limit-step-*.csv; do
    awk -F, 'NR > 1 && $1 != "" && $5 != "" { print $2 ":" $3 "x" $4, "limit", $5 }' "$f"
  done
  for f in "$out"/limit-bptt-*.txt; do
    awk '/forward \+ backward/ { for (i = 1; i <= NF; i++) if ($i == "ns") { print "lstm-train:64x128", "limit", $(i-1); exit } }' "$f"
  done
  for f in "$out"/bdn-*/results/*LimitStep-report.csv "$out"/bdn-*/results/*LimitTraining-report.csv; do
    [ -f "$f" ] || continue
    awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) { h[$i] = i } next }
      { med = $h["Median [ns]"]; gsub(/[,"]/, "", med)
        if ("Kind" in h) key = $h["Kind"] ":" $h["Shape"]; else key = "lstm-train:64x128"
        side = $h["Method"] == "FrozenStep" ? "frozen" : "cell"
        print key, side, med }' "$f"
  done
} > "$out/all.txt"

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
side() { awk -v k="$1" -v s="$2" '$1 == k && $2 == s { print $3 }' "$out/all.txt" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "nan" && b > 0) printf "%.2f", a / b; else print "-" }'; }
printf '%-20s %10s %12s %6s %12s %6s\n' "cell (I,H)" "limit ns" "frozen ns" "ratio" "cell ns" "ratio"
for key in lstm:1x8 gru:1x8 lstm:8x32 gru:8x32 lstm:32x64 gru:32x64 lstm:64x128 gru:64x128 lstm:128x256 gru:128x256 lstm-train:64x128; do
  limit_ns=$(side "$key" limit) frozen_ns=$(side "$key" frozen) cell_ns=$(side "$key" cell)
  printf '%-20s %10s %12s %6s %12s %6s\n' "$key" "$limit_ns" "$frozen_ns" "$(ratio "$frozen_ns" "$limit_ns")" "$cell_ns" "$(ratio "$cell_ns" "$limit_ns")"
done
echo "(medians of $rounds alternating rounds; raw results in $out)"
