//! Review findings as the editor shows them: anchored to the line they quote, linked to
//! the project's own CWE catalogue.

mod anchor;
mod cwe;

pub use anchor::{Anchor, anchor};
pub use cwe::cwe_link;
