//! Security review: the offline pass (`queries/<language>/security.scm` plus predicates),
//! suppressions and baselines, merging with the Oracle model's findings, and the report
//! formats (text, JSON, SARIF). Findings are anchored to the lines they quote and linked
//! only to the project's own CWE catalogue.

mod anchor;
mod cwe;
mod finding;
mod injection;
mod offline;
mod python;
pub mod rules;
mod suppress;

pub use anchor::{Anchor, anchor};
pub use cwe::cwe_link;
pub use finding::{Confidence, Finding, Origin, Position, Severity, cwe_number};
pub use injection::addresses_reviewer;
pub use offline::{OfflineReview, review_source, review_tree, reviewable};
pub use rules::{RULES, Rule, rule};
pub use suppress::{Suppressions, directive_ids};
