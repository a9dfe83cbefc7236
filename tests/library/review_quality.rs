//! The offline review measured on a labelled set (`tests/fixtures/review/`): vulnerable
//! lines marked `# expect: RULE-ID`, safe look-alikes beside them. A finding is a true
//! positive when its rule is expected on the line where it starts. The labels are an exact
//! snapshot: every (file, line, rule) found must be labelled and every label found, so a
//! lost detection or a new false positive fails.
//!
//! `cargo test --test library review_quality -- --nocapture` prints the per-rule figures.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use multi_model::review::{RULES, review_source};

/// (file, 1-based line, rule)
type Label = (String, u32, String);

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/review");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    files
}

fn expected_in(name: &str, text: &str) -> Vec<Label> {
    let mut labels = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some((_, ids)) = line.split_once("# expect:") else {
            continue;
        };
        for id in ids.split(',') {
            labels.push((name.to_string(), index as u32 + 1, id.trim().to_string()));
        }
    }
    labels
}

struct Scores {
    expected: BTreeSet<Label>,
    reported: BTreeSet<Label>,
}

impl Scores {
    fn measure() -> Scores {
        let mut scores = Scores {
            expected: BTreeSet::new(),
            reported: BTreeSet::new(),
        };
        for path in fixtures() {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            scores.expected.extend(expected_in(&name, &text));
            let review = review_source(Some(Path::new(&name)), None, &text).unwrap();
            scores.reported.extend(
                review
                    .findings
                    .into_iter()
                    .map(|f| (name.clone(), f.start.line + 1, f.rule)),
            );
        }
        scores.print();
        scores
    }

    fn counts(&self, rule: Option<&str>) -> (usize, usize, usize) {
        let of_rule = |l: &&Label| rule.is_none_or(|r| l.2 == r);
        let tp = self
            .reported
            .iter()
            .filter(of_rule)
            .filter(|l| self.expected.contains(*l))
            .count();
        let reported = self.reported.iter().filter(of_rule).count();
        let expected = self.expected.iter().filter(of_rule).count();
        (tp, reported - tp, expected - tp)
    }

    fn precision(&self) -> f64 {
        let (tp, fp, _) = self.counts(None);
        tp as f64 / (tp + fp).max(1) as f64
    }

    fn recall(&self) -> f64 {
        let (tp, _, fn_) = self.counts(None);
        tp as f64 / (tp + fn_).max(1) as f64
    }

    fn print(&self) {
        let mut rows: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
        for rule in RULES {
            rows.insert(rule.id, self.counts(Some(rule.id)));
        }
        println!(
            "{:<26} {:>3} {:>3} {:>3} {:>9} {:>7}",
            "rule", "TP", "FP", "FN", "precision", "recall"
        );
        for (rule, (tp, fp, fn_)) in rows {
            println!(
                "{rule:<26} {tp:>3} {fp:>3} {fn_:>3} {:>9.2} {:>7.2}",
                tp as f64 / (tp + fp).max(1) as f64,
                tp as f64 / (tp + fn_).max(1) as f64
            );
        }
        let (tp, fp, fn_) = self.counts(None);
        println!(
            "{:<26} {tp:>3} {fp:>3} {fn_:>3} {:>9.3} {:>7.3}",
            "overall",
            self.precision(),
            self.recall()
        );
        for label in self.reported.difference(&self.expected) {
            println!("false positive: {}:{} {}", label.0, label.1, label.2);
        }
        for label in self.expected.difference(&self.reported) {
            println!("missed: {}:{} {}", label.0, label.1, label.2);
        }
    }
}

#[test]
fn every_rule_has_labelled_cases() {
    let scores = Scores::measure();
    let labelled: BTreeSet<&str> = scores.expected.iter().map(|l| l.2.as_str()).collect();
    let missing: Vec<&str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !labelled.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without labelled cases: {missing:?}"
    );
}

#[test]
fn every_label_names_a_known_rule() {
    let scores = Scores::measure();
    let unknown: Vec<&Label> = scores
        .expected
        .iter()
        .filter(|l| !RULES.iter().any(|r| r.id == l.2))
        .collect();
    assert!(unknown.is_empty(), "labels naming no rule: {unknown:?}");
}

#[test]
fn every_finding_is_labelled() {
    let scores = Scores::measure();
    let unlabelled: Vec<&Label> = scores.reported.difference(&scores.expected).collect();
    assert!(unlabelled.is_empty(), "false positives: {unlabelled:?}");
}

#[test]
fn every_label_is_found() {
    let scores = Scores::measure();
    let missed: Vec<&Label> = scores.expected.difference(&scores.reported).collect();
    assert!(missed.is_empty(), "missed: {missed:?}");
}
