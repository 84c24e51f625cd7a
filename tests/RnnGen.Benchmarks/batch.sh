#!/usr/bin/env bash
# Many streams at once, against the hand-tuned limit's step-batch (../shared/bench/limit, `run step-batch`), in
# alternating rounds of one session: the frozen snapshot's StepBatch at B = 32 against its Step at B = 1, per
# stream-step, at (32,64) (64,128) (128,256), LSTM and GRU, weights ×4 on both sides. Prints per round and shape
# RnnGen's two medians and speedup next to the limit's; then the medians over the rounds.
# Usage: tests/RnnGen.Benchmarks/batch.sh [rounds=3]     (RNNGEN_LIMIT=path/to/limit/run to point elsewhere)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
limit=${RNNGEN_LIMIT:-$root/../shared/bench/limit/run}
rounds=${1:-3}
out=$(mktemp -d "${TMPDIR:-/tmp}/rnngen-batch.XXXXXX")
[ -x "$limit" ] || { echo "batch.sh: the limit script is not at $limit (set RNNGEN_LIMIT)" >&2; exit 2; }
dotnet build "$here" -c Release --nologo -v q >/dev/null
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: limit step-batch" >&2
  RNN_WSCALE=4 "$limit" step-batch > "$out/limit-$r.csv"
  echo "round $r/$rounds: RnnGen" >&2
  dotnet run -c Release --no-build --project "$here" -- --compare --filter '*.BatchBenchmarks.*' --artifacts "$out/bdn-$r" > "$out/bdn-$r.log" 2>&1 ||
    { tail -20 "$out/bdn-$r.log" >&2; exit 1; }
  ! grep -q "executed benchmarks: 0" "$out/bdn-$r.log" || { grep -m 5 "error" "$out/bdn-$r.log" >&2; exit 1; }
  # limit: impl,kind,I,H,B,ns_median,...: keep B = 1 (hand-avx2) and B = 32 (hand-batch)
  awk -F, -v round="$r" '$1 == "hand-avx2" || ($1 == "hand-batch" && $5 == 32) { print round, $2 ":" $3 "x" $4, ($5 == 1 ? "limit1" : "limit32"), $6 }' "$out/limit-$r.csv" >> "$out/all.txt"
  awk -F';' -v round="$r" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { med = $h["Median [ns]"]; gsub(/[,"]/, "", med); print round, $h["Kind"] ":" $h["Shape"], ($h["Method"] == "FrozenStep" ? "rnngen1" : "rnngen32"), med }' \
    "$out/bdn-$r"/results/*BatchBenchmarks-report.csv >> "$out/all.txt"
done

printf '%-6s %-14s %12s %12s %8s %12s %12s %8s\n' "round" "cell" "RnnGen B=1" "RnnGen B=32" "speedup" "limit B=1" "limit B=32" "speedup"
awk '{ ns[$1, $2, $3] = $4; rounds[$1] = 1; cells[$2] = 1 }
  END {
    for (r in rounds) for (c in cells) {
      a = ns[r, c, "rnngen1"]; b = ns[r, c, "rnngen32"]; la = ns[r, c, "limit1"]; lb = ns[r, c, "limit32"]
      if (a == "" || la == "") continue
      printf "%-6s %-14s %12.1f %12.1f %8.2f %12.1f %12.1f %8.2f\n", r, c, a, b, a / b, la, lb, la / lb
    }
  }' "$out/all.txt" | sort -k2,2 -k1,1
echo "(raw results in $out)"
