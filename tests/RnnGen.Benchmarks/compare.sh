#!/usr/bin/env bash
# RnnGen against its own C++ baseline (native/: hand-written AVX2/FMA kernels, built here with g++) and against ONNX
# Runtime, in alternating rounds of one session so all of them see the same machine weather.
# Prints one table of medians (ns per step): shape, the C++ baseline, then RnnGen's frozen snapshot (Freeze(): packed
# weights, as the baseline packs them) and the cell itself (in place, always its current parameters), each with its
# ratio to the baseline; then ONNX Runtime (one step per Run, 1 thread, IOBinding; (32,64) and (64,128)) and its ratio
# to the frozen snapshot. Weights are PyTorch's init ×4 everywhere. Before timing anything it checks the C++ kernels
# against their double-precision reference (native/run test) and the ONNX models against the generated cells
# (--check-onnx).
# Usage: tests/RnnGen.Benchmarks/compare.sh [rounds=3]
#        RNNGEN_LIMIT=path/to/limit/run compare.sh     adds a second C++ yardstick (same CSV): its column and frozen ÷ it
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
native=$here/native/run
limit=${RNNGEN_LIMIT:-}
rounds=${1:-3}
out=$(mktemp -d "${TMPDIR:-/tmp}/rnngen-compare.XXXXXX")
[ -z "$limit" ] || [ -x "$limit" ] || { echo "compare.sh: RNNGEN_LIMIT=$limit is not an executable" >&2; exit 2; }

"$native" test > "$out/native-test.txt" || { cat "$out/native-test.txt" >&2; echo "compare.sh: the C++ baseline failed its test" >&2; exit 1; }
dotnet build "$here" -c Release --nologo -v q >/dev/null
dotnet run -c Release --no-build --project "$here" -- --check-onnx > "$out/check-onnx.txt" ||
  { cat "$out/check-onnx.txt" >&2; exit 1; }
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: baseline step, bptt" >&2
  RNN_WSCALE=4 "$native" step > "$out/baseline-step-$r.csv"
  RNN_WSCALE=4 "$native" bptt > "$out/baseline-bptt-$r.txt"
  if [ -n "$limit" ]; then
    echo "round $r/$rounds: limit step, bptt" >&2
    RNN_WSCALE=4 "$limit" step > "$out/limit-step-$r.csv"
    RNN_WSCALE=4 "$limit" bptt > "$out/limit-bptt-$r.txt"
  fi
  echo "round $r/$rounds: RnnGen and ONNX Runtime" >&2
  dotnet run -c Release --no-build --project "$here" -- --compare --buildTimeout 600 --filter '*LimitStep*' '*LimitTraining*' '*GruTraining*' '*OnnxRuntimeBenchmarks*' \
    --artifacts "$out/bdn-$r" > "$out/bdn-$r.log" 2>&1 || { tail -20 "$out/bdn-$r.log" >&2; exit 1; }
done

# One line per measurement: "<key> <side> <ns>", key = cell:IxH or lstm-train:64x128, side = baseline, limit, frozen,
# cell or onnx.
{
  for side in baseline limit; do
    for f in "$out"/$side-step-*.csv; do
      [ -f "$f" ] || continue
      awk -F, -v side=$side 'NR > 1 && $1 != "" && $5 != "" { print $2 ":" $3 "x" $4, side, $5 }' "$f"
    done
    for f in "$out"/$side-bptt-*.txt; do
      [ -f "$f" ] || continue
      awk -v side=$side '/forward \+ backward/ { for (i = 1; i <= NF; i++) if ($i == "ns") { print "lstm-train:64x128", side, $(i-1); exit } }' "$f"
    done
  done
  for f in "$out"/bdn-*/results/*-report.csv; do
    [ -f "$f" ] || continue
    awk -F';' -v onnx="$(case $f in *OnnxRuntimeBenchmarks-report.csv) echo 1;; *) echo 0;; esac)" \
      -v train="$(case $f in *GruTraining-report.csv) echo gru;; *) echo lstm;; esac)" \
      'NR == 1 { for (i = 1; i <= NF; i++) { h[$i] = i } next }
      { med = $h["Median [ns]"]; gsub(/[,"]/, "", med)
        if ("Kind" in h) key = $h["Kind"] ":" $h["Shape"]; else key = train "-train:64x128"
        side = onnx == 1 ? "onnx" : $h["Method"] == "FrozenStep" ? "frozen" : "cell"
        print key, side, med }' "$f"
  done
} > "$out/all.txt"

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
side() { awk -v k="$1" -v s="$2" '$1 == k && $2 == s { print $3 }' "$out/all.txt" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'; }
header=$(printf '%-20s %11s %11s %6s %11s %6s %11s %6s' "cell (I,H)" "baseline ns" "frozen ns" "ratio" "cell ns" "ratio" "onnx ns" "÷frozen")
[ -z "$limit" ] || header="$header $(printf '%11s %6s' "limit ns" "÷limit")"
echo "$header"
for key in lstm:1x8 gru:1x8 lstm:8x32 gru:8x32 lstm:32x64 gru:32x64 lstm:64x128 gru:64x128 lstm:128x256 gru:128x256 lstm-train:64x128 gru-train:64x128; do
  base=$(side "$key" baseline) frozen=$(side "$key" frozen) cell=$(side "$key" cell) onnx=$(side "$key" onnx)
  line=$(printf '%-20s %11s %11s %6s %11s %6s %11s %6s' "$key" "$base" "$frozen" "$(ratio "$frozen" "$base")" "$cell" "$(ratio "$cell" "$base")" \
    "$onnx" "$(ratio "$onnx" "$frozen")")
  if [ -n "$limit" ]; then
    lim=$(side "$key" limit)
    # training has no frozen figure: set the cell against the limit there
    [ "$frozen" = "-" ] && ours=$cell || ours=$frozen
    line="$line $(printf '%11s %6s' "$lim" "$(ratio "$ours" "$lim")")"
  fi
  echo "$line"
done
echo "(medians of $rounds alternating rounds; ratios are RnnGen ÷ baseline, ONNX Runtime ÷ RnnGen frozen$([ -z "$limit" ] || echo ", RnnGen ÷ limit"); raw results in $out)"
