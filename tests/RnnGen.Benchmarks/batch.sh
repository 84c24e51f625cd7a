#!/usr/bin/env bash
# Many streams at once, against the C++ baseline's step-batch (native/run step-batch: hand-written AVX2/FMA kernels
# built here with g++), in alternating rounds of one session: the frozen snapshot's StepBatch at B = 32 against its
# Step at B = 1, per stream-step, at (32,64) (64,128) (128,256), LSTM and GRU, weights ×4 on both sides. Prints per
# round and shape RnnGen's two medians and speedup next to the baseline's (and, with RNNGEN_LIMIT, the limit's), then
# a bfloat16 snapshot's StepBatch at B = 32 and its time over the float32 one's, then the cell's own (live) Step and
# StepBatch at B = 32 on its parameters, their speedup, and the live StepBatch's time over the frozen one's.
# Usage: tests/RnnGen.Benchmarks/batch.sh [rounds=3]     (RNNGEN_LIMIT=path/to/limit/run adds a second C++ yardstick)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
native=$here/native/run
limit=${RNNGEN_LIMIT:-}
rounds=${1:-3}
out=$(mktemp -d "${TMPDIR:-/tmp}/rnngen-batch.XXXXXX")
[ -z "$limit" ] || [ -x "$limit" ] || { echo "batch.sh: RNNGEN_LIMIT=$limit is not an executable" >&2; exit 2; }
"$native" test > "$out/native-test.txt" || { cat "$out/native-test.txt" >&2; echo "batch.sh: the C++ baseline failed its test" >&2; exit 1; }
dotnet build "$here" -c Release --nologo -v q >/dev/null
touch "$out/all.txt"
for r in $(seq 1 "$rounds"); do
  # both C++ programs print impl,cell,I,H,B,ns_median,...: keep B = 1 (the single-stream step) and B = 32
  echo "round $r/$rounds: baseline step-batch" >&2
  RNN_WSCALE=4 "$native" step-batch > "$out/baseline-$r.csv"
  awk -F, -v round="$r" 'NR > 1 && ($5 == 1 || $5 == 32) { print round, $2 ":" $3 "x" $4, "base" $5, $6 }' "$out/baseline-$r.csv" >> "$out/all.txt"
  if [ -n "$limit" ]; then
    echo "round $r/$rounds: limit step-batch" >&2
    RNN_WSCALE=4 "$limit" step-batch > "$out/limit-$r.csv"
    awk -F, -v round="$r" '$1 == "hand-avx2" || ($1 == "hand-batch" && $5 == 32) { print round, $2 ":" $3 "x" $4, "limit" $5, $6 }' "$out/limit-$r.csv" >> "$out/all.txt"
  fi
  echo "round $r/$rounds: RnnGen" >&2
  dotnet run -c Release --no-build --project "$here" -- --compare --buildTimeout 600 --filter '*.BatchBenchmarks.*' --artifacts "$out/bdn-$r" > "$out/bdn-$r.log" 2>&1 ||
    { tail -20 "$out/bdn-$r.log" >&2; exit 1; }
  ! grep -q "executed benchmarks: 0" "$out/bdn-$r.log" || { grep -m 5 "error" "$out/bdn-$r.log" >&2; exit 1; }
  awk -F';' -v round="$r" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { med = $h["Median [ns]"]; gsub(/[,"]/, "", med); m = $h["Method"]
      print round, $h["Kind"] ":" $h["Shape"], (m == "FrozenStep" ? "rnngen1" : m == "FrozenStepBatch" ? "rnngen32" : m == "LiveStep" ? "live1" : m == "LiveStepBatch" ? "live32" : "bf16x32"), med }' \
    "$out/bdn-$r"/results/*BatchBenchmarks-report.csv >> "$out/all.txt"
done

printf '%-6s %-14s %11s %11s %7s %11s %11s %7s' "round" "cell" "RnnGen B=1" "RnnGen B=32" "speedup" "base B=1" "base B=32" "speedup"
[ -z "$limit" ] || printf ' %11s %11s %7s' "limit B=1" "limit B=32" "speedup"
printf ' %11s %9s %11s %11s %7s %9s\n' "bf16 B=32" "÷ f32" "live B=1" "live B=32" "speedup" "÷ frozen"
awk -v limit="${limit:+1}" '{ ns[$1, $2, $3] = $4; rounds[$1] = 1; cells[$2] = 1 }
  function pair(a, b) { return (a == "" || b == "") ? sprintf(" %11s %11s %7s", "-", "-", "-") : sprintf(" %11.1f %11.1f %7.2f", a, b, a / b) }
  END {
    for (r in rounds) for (c in cells) {
      if (ns[r, c, "rnngen1"] == "") continue
      line = sprintf("%-6s %-14s", r, c) pair(ns[r, c, "rnngen1"], ns[r, c, "rnngen32"]) pair(ns[r, c, "base1"], ns[r, c, "base32"])
      if (limit) line = line pair(ns[r, c, "limit1"], ns[r, c, "limit32"])
      b = ns[r, c, "bf16x32"]; f = ns[r, c, "rnngen32"]
      line = line ((b == "" || f == "") ? sprintf(" %11s %9s", "-", "-") : sprintf(" %11.1f %9.2f", b, b / f))
      l = ns[r, c, "live32"]
      print line pair(ns[r, c, "live1"], l) ((l == "" || f == "") ? sprintf(" %9s", "-") : sprintf(" %9.2f", l / f))
    }
  }' "$out/all.txt" | sort -k2,2 -k1,1
echo "(ns per stream-step; speedup = B=1 ÷ B=32; raw results in $out)"
