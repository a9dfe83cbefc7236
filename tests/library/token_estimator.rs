//! The token estimator measured against real tokenizers (OpenAI's o200k_base and
//! cl100k_base) on this repository's own files: sources, queries, docs, configuration and
//! test fixtures. `cargo test --test library token_estimator -- --nocapture` prints the
//! figures README.md quotes.

use std::path::Path;

use multi_model::context::estimate;
use tiktoken_rs::CoreBPE;

struct Measured {
    files: usize,
    estimated: usize,
    actual: usize,
    /// Mean of |estimate − actual| / actual over files.
    mean_abs_error: f64,
    /// The file the estimate undershoots most, and by how much (negative).
    worst_under: (String, f64),
    worst_over: (String, f64),
}

fn repository_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for entry in ignore::WalkBuilder::new(root).build().flatten() {
        let path = entry.path();
        let wanted = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["rs", "py", "md", "scm", "yaml", "toml", "lua", "ts"].contains(&e));
        if !wanted {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(path)
            && 200 <= text.len()
        {
            let rel = path.strip_prefix(root).unwrap_or(path);
            files.push((rel.display().to_string(), text));
        }
    }
    files.sort();
    files
}

fn measure(bpe: &CoreBPE) -> Measured {
    let files = repository_files();
    assert!(50 <= files.len(), "only {} files found", files.len());
    let mut measured = Measured {
        files: files.len(),
        estimated: 0,
        actual: 0,
        mean_abs_error: 0.0,
        worst_under: (String::new(), 0.0),
        worst_over: (String::new(), 0.0),
    };
    for (name, text) in &files {
        let actual = bpe.encode_ordinary(text).len();
        let estimated = estimate(text);
        let error = (estimated as f64 - actual as f64) / actual as f64;
        measured.estimated += estimated;
        measured.actual += actual;
        measured.mean_abs_error += error.abs();
        if error < measured.worst_under.1 {
            measured.worst_under = (name.clone(), error);
        }
        if measured.worst_over.1 < error {
            measured.worst_over = (name.clone(), error);
        }
    }
    measured.mean_abs_error /= files.len() as f64;
    measured
}

fn report(name: &str, m: &Measured) -> f64 {
    let total_error = (m.estimated as f64 - m.actual as f64) / m.actual as f64;
    println!(
        "{name}: {} files, {} tokens, estimated {} ({:+.1}%), mean |error| per file {:.1}%, \
         worst under {} {:+.1}%, worst over {} {:+.1}%",
        m.files,
        m.actual,
        m.estimated,
        total_error * 100.0,
        m.mean_abs_error * 100.0,
        m.worst_under.0,
        m.worst_under.1 * 100.0,
        m.worst_over.0,
        m.worst_over.1 * 100.0,
    );
    total_error
}

/// Over the whole repository within 10%, and within 10% per file on average.
fn assert_close(name: &str, bpe: &CoreBPE) {
    let m = measure(bpe);
    let total_error = report(name, &m);
    assert!(total_error.abs() < 0.10, "total error {total_error:+.3}");
    assert!(
        m.mean_abs_error < 0.10,
        "mean error {:.3}",
        m.mean_abs_error
    );
}

#[test]
fn the_estimate_is_close_to_o200k_base_on_this_repository() {
    assert_close("o200k_base", &tiktoken_rs::o200k_base().unwrap());
}

#[test]
fn the_estimate_is_close_to_cl100k_base_on_this_repository() {
    assert_close("cl100k_base", &tiktoken_rs::cl100k_base().unwrap());
}

#[test]
fn no_file_is_underestimated_by_more_than_a_quarter() {
    let m = measure(&tiktoken_rs::o200k_base().unwrap());
    assert!(-0.25 < m.worst_under.1, "{:?}", m.worst_under);
}
