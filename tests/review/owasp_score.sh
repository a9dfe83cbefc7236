#!/usr/bin/env sh
# Scores the offline pass on the OWASP Benchmark for Python (kept outside the repository,
# `../shared/benchmarks/owasp-python` beside the checkout, or $OWASP_PYTHON), with the
# benchmark's own score.py, on three parts: the tuning part, the held-out part, the whole.
#
#   sh tests/review/owasp_score.sh [path/to/multi-model]
#
# The held-out part was chosen once, before any tuning, and never looked at: a case is held
# out when the first byte of sha256(its test name) is below 77 (~30% of the cases).
set -eu
cd "$(dirname "$0")/../.."
bench=${OWASP_PYTHON:-../shared/benchmarks/owasp-python}
[ -d "$bench" ] || bench=/work/shared/benchmarks/owasp-python
binary=${1:-target/release/multi-model}
out=target/owasp
mkdir -p "$out"
(cd "$bench" && "$OLDPWD/$binary" review --offline --format json --fail-on none testcode) \
    > "$out/findings.json"
python3 - "$bench/expectedresults-0.1.csv" "$out" <<'PY'
import hashlib, sys
expected, out = sys.argv[1], sys.argv[2]
parts = {"tuning": [], "holdout": []}
for line in open(expected):
    if line.startswith("#") or not line.strip():
        continue
    name = line.split(",")[0]
    held = hashlib.sha256(name.encode()).digest()[0] < 77
    parts["holdout" if held else "tuning"].append(line)
for part, lines in parts.items():
    with open(f"{out}/expected-{part}.csv", "w") as f:
        f.writelines(lines)
PY
for part in tuning holdout; do
    echo "== $part part"
    python3 "$bench/score.py" --expected "$out/expected-$part.csv" "$out/findings.json"
done
echo "== whole benchmark"
python3 "$bench/score.py" "$out/findings.json"
