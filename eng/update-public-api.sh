#!/usr/bin/env bash
# Brings every src/*/PublicAPI.Unshipped.txt up to date after a deliberate public API change: builds with a SARIF
# error log and applies the entries the PublicApiAnalyzers ask for (RS0016 adds, RS0017 removes), as its IDE
# code fix would. Review the diff before committing. Needs python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for project in "$root"/src/*/; do
[[ -f $project/PublicAPI.Unshipped.txt ]] || continue
log=$(mktemp --suffix=.sarif)
dotnet build "$project" -c Release --no-incremental -p:ErrorLog="$log%2Cversion=2.1" -p:TreatWarningsAsErrors=false >/dev/null || true
python3 - "$log" "$project/PublicAPI.Unshipped.txt" <<'PY'
import json, sys
log, path = sys.argv[1], sys.argv[2]
lines = [l.rstrip('\n') for l in open(path, encoding='utf-8') if l.strip()]
header = [l for l in lines if l.startswith('#')]
entries = set(l for l in lines if not l.startswith('#'))
for run in json.load(open(log, encoding='utf-8'))['runs']:
    for result in run.get('results', []):
        props = result.get('properties', {}).get('customProperties', {})
        if result.get('ruleId') == 'RS0016':
            entries.add(props['APIName'])
            entries.difference_update(s for s in props.get('ApiNamesOfSiblingsToRemove', '').split(';') if s)
        elif result.get('ruleId') == 'RS0017':
            entries.discard(props.get('APIName', ''))
with open(path, 'w', encoding='utf-8', newline='\n') as f:
    f.write('\n'.join(header + sorted(entries, key=str.lower)) + '\n')
PY
rm -f "$log"
done
git -C "$root" diff --stat -- 'src/*/PublicAPI.Unshipped.txt'
