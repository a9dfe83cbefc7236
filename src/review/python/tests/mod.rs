//! One table of snippets per rule family: each snippet with the (1-based line, rule) it
//! must report, and nothing else.

use std::path::Path;

use crate::review::review_source;

mod crypto;
mod deserialize;
mod flow;
mod injection;
mod paths;
mod syntax;
mod transport;
mod web;
mod xss;
mod xxe;

/// Reviews `code` as `app.py` and asserts exactly `expect` is reported, as (line, rule).
#[track_caller]
fn check(code: &str, expect: &[(u32, &str)]) {
    let review = review_source(Some(Path::new("app.py")), None, code).expect("python");
    let found: Vec<(u32, String)> = review
        .findings
        .iter()
        .map(|f| (f.start.line + 1, f.rule.clone()))
        .collect();
    let expected: Vec<(u32, String)> = expect.iter().map(|(l, r)| (*l, r.to_string())).collect();
    assert_eq!(found, expected, "in:\n{code}");
}

/// Runs `check` over a table of (code, expected).
#[track_caller]
fn table(cases: &[(&str, &[(u32, &str)])]) {
    for (code, expect) in cases {
        check(code, expect);
    }
}
