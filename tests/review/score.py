"""Precision and recall of Bandit and multi-model against `# expect:` labels, by line.

Each tool's results are reduced to distinct (file, lines covered) spans: a span is a true
positive if it covers a labelled line (whatever the tool calls the rule), a false positive
otherwise; a labelled line no span covers is a miss. `suppressions.py` is left out: it
tests multi-model's own suppression comments, which Bandit does not read (it has `# nosec`).
"""
import json
import os
import sys
from collections import defaultdict


EXCLUDED = {"suppressions.py"}


def labels(fixtures):
    expected = {}  # (file, line) -> set of rule ids
    for name in sorted(os.listdir(fixtures)):
        if not name.endswith(".py") or name in EXCLUDED:
            continue
        with open(os.path.join(fixtures, name), encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if "# expect:" in line:
                    ids = line.split("# expect:", 1)[1]
                    expected[(name, number)] = {i.strip() for i in ids.split(",")}
    return expected


def bandit_spans(path):
    with open(path, encoding="utf-8") as fh:
        results = json.load(fh)["results"]
    spans = defaultdict(set)
    for r in results:
        name = os.path.basename(r["filename"])
        if name in EXCLUDED:
            continue
        lines = r.get("line_range") or [r["line_number"]]
        spans[(name, tuple(lines))].add(r["test_id"])
    return spans


def ours_spans(path):
    with open(path, encoding="utf-8") as fh:
        results = json.load(fh)
    spans = defaultdict(set)
    for r in results:
        name = os.path.basename(r["file"])
        if name in EXCLUDED:
            continue
        spans[(name, tuple(range(r["line"], r["end_line"] + 1)))].add(r["rule"])
    return spans


def covered(spans):
    return {(name, line) for (name, lines) in spans for line in lines}


def score(name, spans, expected):
    tp = sum(1 for (f, lines) in spans if any((f, l) in expected for l in lines))
    fp = len(spans) - tp
    lines = covered(spans)
    fn = sum(1 for key in expected if key not in lines)
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    print(f"{name:<12} spans: TP {tp:3} FP {fp:3}; labelled lines missed {fn:3}; precision {precision:.3f}  recall {recall:.3f}")
    return precision, recall


def per_rule(expected, tools):
    rules = sorted({r for ids in expected.values() for r in ids})
    print()
    print(f"{'rule (label)':<26} {'lines':>5} " + " ".join(f"{t:>12}" for t in tools))
    for rule in rules:
        keys = [k for k, ids in expected.items() if rule in ids]
        found = [sum(1 for k in keys if k in covered(spans)) / len(keys) for spans in tools.values()]
        print(f"{rule:<26} {len(keys):>5} " + " ".join(f"{f:>12.2f}" for f in found))


def main():
    fixtures, bandit_json, ours_json = sys.argv[1:4]
    expected = labels(fixtures)
    bandit = bandit_spans(bandit_json)
    ours = ours_spans(ours_json)
    print(f"{len(expected)} labelled lines in {fixtures}")
    score("bandit", bandit, expected)
    score("multi-model", ours, expected)
    per_rule(expected, {"bandit": bandit, "multi-model": ours})
    print()
    for tool, spans in (("Bandit", bandit), ("multi-model", ours)):
        print(f"{tool} spans covering no labelled line (false positives here):")
        for (f, lines), ids in sorted(spans.items()):
            if not any((f, l) in expected for l in lines):
                print(f"  {f}:{lines[0]}-{lines[-1]} {', '.join(sorted(ids))}")


main()
