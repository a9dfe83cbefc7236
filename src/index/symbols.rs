//! `workspace/symbol`: definitions matched by name.

use std::collections::BTreeMap;

use super::file::{FileEntry, Symbol};

/// A symbol whose name matches a query.
#[derive(Debug, PartialEq)]
pub struct SymbolMatch<'a> {
    pub path: &'a str,
    pub symbol: &'a Symbol,
}

/// How well a name matches: lower is better; `None` when it does not.
fn rank(name: &str, query: &str) -> Option<u8> {
    if query.is_empty() {
        return Some(4);
    }
    let lower = name.to_lowercase();
    if lower == query {
        Some(0)
    } else if lower.starts_with(query) {
        Some(1)
    } else if lower.contains(query) {
        Some(2)
    } else {
        let mut letters = lower.chars();
        query.chars().all(|q| letters.any(|c| c == q)).then_some(3)
    }
}

pub(super) fn matching<'a>(
    files: &'a BTreeMap<String, FileEntry>,
    query: &str,
    limit: usize,
) -> Vec<SymbolMatch<'a>> {
    let query = query.trim().to_lowercase();
    let mut found: Vec<(u8, usize, SymbolMatch)> = Vec::new();
    for (path, entry) in files {
        for symbol in &entry.symbols {
            if let Some(rank) = rank(&symbol.name, &query) {
                found.push((rank, symbol.name.len(), SymbolMatch { path, symbol }));
            }
        }
    }
    // Best rank, then shorter names (closer to what was typed), then path order.
    found.sort_by_key(|f| (f.0, f.1));
    found.truncate(limit);
    found.into_iter().map(|(_, _, m)| m).collect()
}
