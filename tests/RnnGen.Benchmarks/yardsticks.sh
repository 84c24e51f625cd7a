#!/usr/bin/env bash
# The C++ baseline (native/) against another hand-tuned C++ yardstick with the same CSV (by default the limit kernel
# at ../shared/bench/limit, outside this repository): both programs alternate in every round (their order flips from
# round to round), and every figure of both is printed with ours ÷ theirs: the single-stream step (10 cells), the
# batched step (B = 1, 8, 16, 32 at three sizes, per stream-step) and LSTM (64,128) BPTT (forward + backward, T = 100).
# A ratio <= 1.10 means the baseline is within 10% of the yardstick (or faster). C++ only, a few minutes.
# Usage: tests/RnnGen.Benchmarks/yardsticks.sh [rounds=3]     (RNNGEN_LIMIT=path/to/run to point elsewhere)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
native=$here/native/run
limit=${RNNGEN_LIMIT:-$root/../shared/bench/limit/run}
rounds=${1:-3}
[ -x "$limit" ] || { echo "yardsticks.sh: no yardstick at $limit (set RNNGEN_LIMIT)" >&2; exit 2; }
out=$(mktemp -d "${TMPDIR:-/tmp}/rnngen-yardsticks.XXXXXX")
"$native" test > "$out/native-test.txt" || { cat "$out/native-test.txt" >&2; exit 1; }
"$limit" test > "$out/limit-test.txt" 2>&1 || { tail "$out/limit-test.txt" >&2; exit 1; }

# "<round> <key> <side> <ns>", key = step:cell:IxH, batch:cell:IxH:B or bptt:lstm:64x128
measure() {   # measure <side> <program> <round>
  local side=$1 program=$2 r=$3
  RNN_WSCALE=4 "$program" step > "$out/$side-step-$r.csv"
  RNN_WSCALE=4 "$program" step-batch > "$out/$side-batch-$r.csv"
  RNN_WSCALE=4 "$program" bptt > "$out/$side-bptt-$r.txt"
  awk -F, -v r="$r" -v s="$side" 'NR > 1 && $5 != "" { print r, "step:" $2 ":" $3 "x" $4, s, $5 }' "$out/$side-step-$r.csv"
  # the limit adds ablation rows under other impl names (LIMIT_VARIANTS=1): keep its default ones
  awk -F, -v r="$r" -v s="$side" 'NR > 1 && $6 != "" && $1 !~ /-v[0-9]/ { print r, "batch:" $2 ":" $3 "x" $4 ":" $5, s, $6 }' "$out/$side-batch-$r.csv"
  awk -v r="$r" -v s="$side" '/forward \+ backward/ { for (i = 1; i <= NF; i++) if ($i == "ns") { print r, "bptt:lstm:64x128", s, $(i-1); exit } }' "$out/$side-bptt-$r.txt"
}
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then order="ours theirs"; else order="theirs ours"; fi
  for side in $order; do
    echo "round $r/$rounds: $side" >&2
    if [ "$side" = ours ]; then measure ours "$native" "$r"; else measure theirs "$limit" "$r"; fi
  done
done > "$out/all.txt"

echo "C++ baseline (native/) ÷ yardstick ($limit), ns per step; $(lscpu | sed -n 's/^Model name: *//p')"
awk -v rounds="$rounds" '{ ns[$2, $1, $3] = $4; if (!($2 in seen)) { seen[$2] = 1; keys[++n] = $2 } }
  END {
    printf "%-24s", "figure"
    for (r = 1; r <= rounds; r++) printf " %21s", "round " r " ours/theirs"
    printf " %8s\n", "median"
    for (i = 1; i <= n; i++) {
      k = keys[i]; m = 0
      printf "%-24s", k
      for (r = 1; r <= rounds; r++) {
        a = ns[k, r, "ours"]; b = ns[k, r, "theirs"]
        if (a == "" || b == "") { printf " %21s", "-"; continue }
        q[++m] = a / b
        printf " %9.1f/%-7.1f %4.2f", a, b, a / b
      }
      # median of the per-round ratios (insertion sort: a handful of values)
      for (x = 2; x <= m; x++) { v = q[x]; for (y = x - 1; y >= 1 && q[y] > v; y--) q[y + 1] = q[y]; q[y + 1] = v }
      med = m == 0 ? "-" : (m % 2 ? q[(m + 1) / 2] : (q[m / 2] + q[m / 2 + 1]) / 2)
      printf " %8s%s\n", (m == 0 ? "-" : sprintf("%.2f", med)), (m > 0 && med > 1.10 ? "  > 1.10" : "")
    }
  }' "$out/all.txt"
echo "(ratio < 1: the baseline is faster; raw results in $out)"
