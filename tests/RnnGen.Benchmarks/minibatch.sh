#!/usr/bin/env bash
# Minibatch training against per-sequence training, in alternating rounds of one session: MinibatchBenchmarks
# (LSTM and GRU (64,128), T = 100, B = 32, one thread: ForwardBatch with a tape + BackwardBatch, against B
# Forward + Backward calls), per sequence-step; next to the C++ baseline's single-sequence BPTT (native/run bptt:
# hand-written AVX2/FMA, built here with g++, LSTM only), with RNNGEN_LIMIT a second C++ yardstick's (`run bptt`),
# and, with RNNGEN_BEFORE, the per-sequence training of another checkout (its LimitTraining benchmark: LSTM (64,128),
# T = 100), e.g. the commit before minibatches. Weights ×4.
# Usage: tests/RnnGen.Benchmarks/minibatch.sh [rounds=3]
#        RNNGEN_BEFORE=/path/to/older/clone tests/RnnGen.Benchmarks/minibatch.sh     (RNNGEN_LIMIT=path/to/limit/run)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
native=$here/native/run
limit=${RNNGEN_LIMIT:-}
before=${RNNGEN_BEFORE:-}
rounds=${1:-3}
out=$(mktemp -d "${TMPDIR:-/tmp}/rnngen-minibatch.XXXXXX")
[ -z "$limit" ] || [ -x "$limit" ] || { echo "minibatch.sh: RNNGEN_LIMIT=$limit is not an executable" >&2; exit 2; }
[ -z "$before" ] || [ -d "$before/tests/RnnGen.Benchmarks" ] || { echo "minibatch.sh: no tests/RnnGen.Benchmarks under RNNGEN_BEFORE=$before" >&2; exit 2; }
"$native" test > "$out/native-test.txt" || { cat "$out/native-test.txt" >&2; echo "minibatch.sh: the C++ baseline failed its test" >&2; exit 1; }

dotnet build "$here" -c Release --nologo -v q >/dev/null
[ -z "$before" ] || dotnet build "$before/tests/RnnGen.Benchmarks" -c Release --nologo -v q >/dev/null
bdn() {   # bdn <project dir> <artifacts> <filter…>: one BenchmarkDotNet run, its medians as "<kind> <method> <ns>"
  local project=$1 artifacts=$2; shift 2
  dotnet run -c Release --no-build --project "$project" -- --buildTimeout 600 --filter "$@" --artifacts "$artifacts" > "$artifacts.log" 2>&1 ||
    { tail -20 "$artifacts.log" >&2; exit 1; }
  ! grep -q "executed benchmarks: 0" "$artifacts.log" || { grep -m 5 "error" "$artifacts.log" >&2; exit 1; }
  for f in "$artifacts"/results/*-report.csv; do
    awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
      { med = $h["Median [ns]"]; gsub(/[,"]/, "", med); print ("Kind" in h ? $h["Kind"] : "lstm"), $h["Method"], med }' "$f"
  done
}
for r in $(seq 1 "$rounds"); do
  # "<round> lstm <side> <ns>" from a C++ program's "forward + backward : <ns> ns" line
  bptt_line() { awk -v round="$r" -v side="$1" '/forward \+ backward/ { for (i = 1; i <= NF; i++) if ($i == "ns") { print round, "lstm", side, $(i-1); exit } }'; }
  echo "round $r/$rounds: baseline bptt" >&2
  RNN_WSCALE=4 "$native" bptt | bptt_line baseline >> "$out/all.txt"
  if [ -n "$limit" ]; then
    echo "round $r/$rounds: limit bptt" >&2
    RNN_WSCALE=4 "$limit" bptt | bptt_line limit >> "$out/all.txt"
  fi
  if [ -n "$before" ]; then
    echo "round $r/$rounds: before ($before)" >&2
    bdn "$before/tests/RnnGen.Benchmarks" "$out/before-$r" '*LimitTraining*' | awk -v round="$r" '{ print round, $1, "before", $3 }' >> "$out/all.txt"
  fi
  echo "round $r/$rounds: RnnGen" >&2
  bdn "$here" "$out/bdn-$r" '*MinibatchBenchmarks*' | awk -v round="$r" '{ print round, $1, $2, $3 }' >> "$out/all.txt"
done

printf '%-6s %-5s %14s %14s %8s %14s %8s %14s %8s %14s %8s\n' "round" "kind" "per-sequence" "minibatch" "speedup" "before" "speedup" \
  "baseline bptt" "ratio" "limit bptt" "ratio"
awk '{ ns[$1, $2, $3] = $4; rounds[$1] = 1; kinds[$2] = 1 }
  function versus(x, b) { return x == "" ? sprintf(" %14s %8s", "-", "-") : sprintf(" %14.1f %8.2f", x, b / x) }
  END {
    for (r in rounds) for (k in kinds) {
      a = ns[r, k, "PerSequence"]; b = ns[r, k, "Minibatch"]; o = ns[r, k, "before"]
      if (a == "" || b == "") continue
      printf "%-6s %-5s %14.1f %14.1f %8.2f %14s %8s%s%s\n", r, k, a, b, a / b,
        (o == "" ? "-" : sprintf("%.1f", o)), (o == "" ? "-" : sprintf("%.2f", o / b)),
        versus(ns[r, k, "baseline"], b), versus(ns[r, k, "limit"], b)
    }
  }' "$out/all.txt" | sort -k2,2 -k1,1
echo "(ns per sequence-step; speedups are per-sequence or before ÷ minibatch, ratios are minibatch ÷ baseline or limit (single-sequence LSTM BPTT); raw results in $out)"
