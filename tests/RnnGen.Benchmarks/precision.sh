#!/usr/bin/env bash
# Frozen.Step by weight precision: Float32 against BFloat16 and Half (Freeze(WeightPrecision)), at (I,H) = (1,8) (8,32)
# (32,64) (64,128) (128,256), LSTM and GRU, weights x4, all in one BenchmarkDotNet run per round (its compare job).
# Prints every round's medians, then per shape the median ns over the rounds and the speedups Float32 / BFloat16 and
# Float32 / Half (> 1: the 16-bit snapshot is faster).
# With RNNGEN_LIMIT=path/to/limit/run, each round first runs that yardstick's `step-bf16` (its float32 AVX2 step and its
# bfloat16 step, weights x4) and the table adds its medians, its speedup and RnnGen's bfloat16 step over the yardstick's.
# Usage: tests/RnnGen.Benchmarks/precision.sh [rounds=3]     (RNNGEN_BDN_JOB=Dry: a smoke run that checks the plumbing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-3}
limit=${RNNGEN_LIMIT:-}
[ -z "$limit" ] || [ -x "$limit" ] || { echo "precision.sh: RNNGEN_LIMIT=$limit is not an executable" >&2; exit 2; }
out=$(mktemp -d "${TMPDIR:-/tmp}/rnngen-precision.XXXXXX")
job=(--compare)
[[ -n ${RNNGEN_BDN_JOB:-} ]] && job=(--job "$RNNGEN_BDN_JOB")
dotnet build "$here" -c Release --nologo -v q >/dev/null
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds" >&2
  if [ -n "$limit" ]; then
    # impl,cell,I,H,B,ns_median,…: its float32 (hand-avx2) and bfloat16 (hand-bf16) steps
    RNN_WSCALE=4 "$limit" step-bf16 > "$out/limit-$r.csv"
    awk -F, -v round="$r" '$1 == "hand-avx2" || $1 == "hand-bf16" { print round, $2, $3 "x" $4, ($1 == "hand-avx2" ? "LimitFloat32" : "LimitBFloat16"), $6 }' \
      "$out/limit-$r.csv" >> "$out/all.txt"
  fi
  dotnet run -c Release --no-build --project "$here" -- "${job[@]}" --filter '*PrecisionBenchmarks*' --artifacts "$out/bdn-$r" > "$out/bdn-$r.log" 2>&1 ||
    { tail -20 "$out/bdn-$r.log" >&2; exit 1; }
  ! grep -q "executed benchmarks: 0" "$out/bdn-$r.log" || { grep -m 5 "error" "$out/bdn-$r.log" >&2; exit 1; }
  awk -F';' -v round="$r" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { med = $h["Median [ns]"]; if (med == "") med = $h["Median"]; gsub(/[,"]/, "", med); gsub(/ ns$/, "", med)
      print round, $h["Kind"], $h["Shape"], $h["Precision"], med }' \
    "$out/bdn-$r"/results/*PrecisionBenchmarks-report.csv >> "$out/all.txt"
done

grep -m 1 -h "Processor\|CPU" "$out"/bdn-1/results/*PrecisionBenchmarks-report-github.md 2>/dev/null || true
printf "%-5s %-8s %12s %12s %12s %9s %9s" "kind" "shape" "f32 ns" "bf16 ns" "half ns" "f32/bf16" "f32/half"
[ -z "$limit" ] && echo || printf " %12s %12s %9s %14s\n" "limit f32" "limit bf16" "f32/bf16" "bf16 ÷ limit"
awk -v limit="${limit:+1}" '
  { v[$2 " " $3 " " $4] = v[$2 " " $3 " " $4] " " $5; keys[$2 " " $3] = 1 }
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    for (k in keys) {
      f = median(v[k " Float32"]); b = median(v[k " BFloat16"]); h = median(v[k " Half"])
      split(k, p, " ")
      printf "%-5s %-8s %12.1f %12.1f %12.1f %9.2f %9.2f", p[1], p[2], f, b, h, (b > 0 ? f / b : 0), (h > 0 ? f / h : 0)
      if (!limit) { printf "\n"; continue }
      lf = median(v[k " LimitFloat32"]); lb = median(v[k " LimitBFloat16"])
      printf " %12.1f %12.1f %9.2f %14.2f\n", lf, lb, (lb > 0 ? lf / lb : 0), (lb > 0 ? b / lb : 0)
    }
  }' "$out/all.txt" | sort -k1,1 -k2,2n
echo "(raw results in $out)"
