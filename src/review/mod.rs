//! Security review: the offline pass (Python only: `python/`, a tree walk, a value flow and
//! one file per rule family), suppressions and baselines, merging with the Oracle model's
//! findings, and the report formats (text, JSON, SARIF). Findings are anchored to the lines they quote and linked
//! only to the project's own CWE catalogue.
//!
//! For an editor: `review_source` (or `review_tree` with a kept tree) gives a document's
//! offline findings; `candidates` turns them into what `Orchestrator::review` offers the
//! model; `merge` folds the model's answer in.

mod anchor;
mod baseline;
mod collect;
mod cwe;
mod error;
mod injection;
mod merge;
mod model;
mod offline;
mod python;
mod report;
pub mod rules;
mod sarif;
mod suppress;

pub use crate::finding::{Category, Confidence, Finding, Origin, Position, Severity, cwe_number};
pub use anchor::{Anchor, anchor};
pub use baseline::{Accepted, Baseline, line_fingerprint};
pub use collect::{Collected, read_source, sources};
pub use cwe::cwe_link;
pub use error::ReviewError;
pub use injection::addresses_reviewer;
pub use merge::{Merged, Rejections, candidates, merge};
pub use model::{OFFLINE_NOTE, offline_note, review_input};
pub use offline::{OfflineReview, review_source, review_tree, reviewable};
pub use report::{FileReport, fails, json, text};
pub use rules::{RULES, Rule, rule};
pub use sarif::sarif;
pub use suppress::{Suppressions, directive_ids};
