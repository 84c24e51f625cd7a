#!/usr/bin/env bash
# The cost of composing layers, in alternating rounds of one session (BenchmarkDotNet's compare job each round):
#   two layers:    FrozenStepTwoLayers ÷ (FrozenStepLayer0 + FrozenStepLayer1)    — target ≤ 1.1
#   bidirectional: ForwardBidirectional ÷ (2 × ForwardUnidirectional)             — target ≤ 1.1
# Prints every round's medians and ratios, then the ratios of the medians over the rounds.
# Usage: tests/RnnGen.Benchmarks/models.sh [rounds=3]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-3}
out=$(mktemp -d "${TMPDIR:-/tmp}/rnngen-models.XXXXXX")
dotnet build "$here" -c Release --nologo -v q >/dev/null
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds" >&2
  dotnet run -c Release --no-build --project "$here" -- --compare --filter '*ModelBenchmarks*' --artifacts "$out/bdn-$r" > "$out/bdn-$r.log" 2>&1 ||
    { tail -20 "$out/bdn-$r.log" >&2; exit 1; }
  ! grep -q "executed benchmarks: 0" "$out/bdn-$r.log" || { grep -m 5 "error" "$out/bdn-$r.log" >&2; exit 1; }
  awk -F';' -v round="$r" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { med = $h["Median [ns]"]; gsub(/[,"]/, "", med); print round, $h["Kind"], $h["Method"], med }' \
    "$out/bdn-$r"/results/*ModelBenchmarks-report.csv >> "$out/all.txt"
done

printf "%-6s %-5s %12s %12s %12s %7s %12s %12s %7s\n" "round" "kind" "layer0 ns" "layer1 ns" "2 layers ns" "ratio" "uni T=100" "bi T=100" "ratio"
awk '
  { ns[$1, $2, $3] = $4; rounds[$1] = 1; kinds[$2] = 1 }
  END {
    for (r in rounds) for (k in kinds) {
      l0 = ns[r, k, "FrozenStepLayer0"]; l1 = ns[r, k, "FrozenStepLayer1"]; two = ns[r, k, "FrozenStepTwoLayers"]
      uni = ns[r, k, "ForwardUnidirectional"]; bi = ns[r, k, "ForwardBidirectional"]
      printf "%-6s %-5s %12.1f %12.1f %12.1f %7.3f %12.0f %12.0f %7.3f\n", r, k, l0, l1, two, two / (l0 + l1), uni, bi, bi / (2 * uni)
    }
  }' "$out/all.txt" | sort -k1,1 -k2,2
echo "(raw results in $out)"
