#!/usr/bin/env bash
# Sequences of T = 100 steps, per step, in alternating rounds of one session (BenchmarkDotNet's compare job each round):
# RnnGen's Forward (input projections hoisted out of the recurrence, a block of steps per blocked product) against one
# Step per step, live and frozen, and ONNX Runtime's whole-sequence Run, LSTM and GRU at (32,64) (64,128) (128,256).
#   Forward ÷ Step            — targets ≤ 0.85 at (64,128), ≤ 0.8 at (128,256)
#   Forward ÷ ONNX Runtime    — target ≤ 1 everywhere
# Prints the medians over the rounds (ns per step) and their ratios.
# Usage: tests/RnnGen.Benchmarks/sequences.sh [rounds=3]
#        RNNGEN_BDN_JOB=Dry sequences.sh 1     a smoke run (one invocation each: checks that it runs, times nothing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-3}
out=$(mktemp -d "${TMPDIR:-/tmp}/rnngen-sequences.XXXXXX")
job=(--compare)
[ -z "${RNNGEN_BDN_JOB:-}" ] || job=(--job "$RNNGEN_BDN_JOB")
dotnet build "$here" -c Release --nologo -v q >/dev/null
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds" >&2
  dotnet run -c Release --no-build --project "$here" -- "${job[@]}" --filter '*SequenceBenchmarks*' --artifacts "$out/bdn-$r" > "$out/bdn-$r.log" 2>&1 ||
    { tail -20 "$out/bdn-$r.log" >&2; exit 1; }
  ! grep -q "executed benchmarks: 0" "$out/bdn-$r.log" || { grep -m 5 "error" "$out/bdn-$r.log" >&2; exit 1; }
  awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { med = $h["Median [ns]"]; gsub(/[,"]/, "", med); print $h["Kind"] ":" $h["Shape"], $h["Method"], med }' \
    "$out/bdn-$r"/results/*SequenceBenchmarks-report.csv >> "$out/all.txt"
done

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ns() { awk -v k="$1" -v m="$2" '$1 == k && $2 == m && $3 != "" { print $3 }' "$out/all.txt" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'; }
printf '%-14s %9s %9s %7s %9s %9s %7s %9s %7s %7s\n' "cell (I,H)" "Step" "Forward" "÷Step" "FrozStep" "FrozFwd" "÷Step" "ONNX" "Fwd÷OX" "FFw÷OX"
for key in lstm:32x64 gru:32x64 lstm:64x128 gru:64x128 lstm:128x256 gru:128x256; do
  step=$(ns "$key" Step) fwd=$(ns "$key" Forward) fstep=$(ns "$key" FrozenStep) ffwd=$(ns "$key" FrozenForward) onnx=$(ns "$key" Onnx)
  printf '%-14s %9s %9s %7s %9s %9s %7s %9s %7s %7s\n' "$key" "$step" "$fwd" "$(ratio "$fwd" "$step")" "$fstep" "$ffwd" \
    "$(ratio "$ffwd" "$fstep")" "$onnx" "$(ratio "$fwd" "$onnx")" "$(ratio "$ffwd" "$onnx")"
done
echo "(ns per step, medians of $rounds rounds; T = 100; weights PyTorch's init ×4; raw results in $out)"
