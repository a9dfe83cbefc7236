#!/usr/bin/env sh
# Bandit and multi-model's offline pass on the same labelled set (tests/fixtures/review/).
# Not part of `cargo test`: it installs Bandit from PyPI into target/bandit-venv.
#
#   sh tests/review/bandit_compare.sh
#
# Scoring, for both tools alike, by line: a reported line that carries an `# expect:` label
# is a true positive whatever the tool calls the rule; a reported line without one is a
# false positive; a labelled line nobody reported is a miss. Per rule, a label's line
# counts as found if the tool reported anything on it.
set -eu
cd "$(dirname "$0")/../.."
venv=target/bandit-venv
if [ ! -x "$venv/bin/bandit" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet bandit
fi
"$venv/bin/bandit" --version | head -1
"$venv/bin/bandit" -q -f json -r tests/fixtures/review -o target/bandit.json || true
cargo run --quiet --release -- review tests/fixtures/review --offline --format json --fail-on none \
    > target/multi-model-review.json
python3 tests/review/score.py tests/fixtures/review target/bandit.json target/multi-model-review.json
