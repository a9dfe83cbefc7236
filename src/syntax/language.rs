//! The language table: extensions and LSP language ids → grammar and queries.

use std::path::Path;
use std::sync::OnceLock;

/// A supported language.
pub struct Language {
    pub name: &'static str,
    extensions: &'static [&'static str],
    language_ids: &'static [&'static str],
    grammar: fn() -> tree_sitter::Language,
    context_query: &'static str,
    references_query: &'static str,
    compiled: OnceLock<Option<tree_sitter::Query>>,
    compiled_references: OnceLock<Option<tree_sitter::Query>>,
}

impl Language {
    pub fn grammar(&self) -> tree_sitter::Language {
        (self.grammar)()
    }

    /// The context query, compiled once. `None` only if the embedded query is broken,
    /// which a unit test rules out.
    pub fn context_query(&self) -> Option<&tree_sitter::Query> {
        self.compiled
            .get_or_init(|| tree_sitter::Query::new(&self.grammar(), self.context_query).ok())
            .as_ref()
    }

    /// The names-used query (`@reference`), run over a selection only: matching every
    /// identifier of a large file is the expensive part of a query.
    pub fn references_query(&self) -> Option<&tree_sitter::Query> {
        self.compiled_references
            .get_or_init(|| tree_sitter::Query::new(&self.grammar(), self.references_query).ok())
            .as_ref()
    }
}

static LANGUAGES: [Language; 2] = [
    Language {
        name: "python",
        extensions: &["py", "pyi"],
        language_ids: &["python"],
        grammar: || tree_sitter_python::LANGUAGE.into(),
        context_query: include_str!("../../queries/python/context.scm"),
        references_query: include_str!("../../queries/python/references.scm"),
        compiled: OnceLock::new(),
        compiled_references: OnceLock::new(),
    },
    Language {
        name: "rust",
        extensions: &["rs"],
        language_ids: &["rust"],
        grammar: || tree_sitter_rust::LANGUAGE.into(),
        context_query: include_str!("../../queries/rust/context.scm"),
        references_query: include_str!("../../queries/rust/references.scm"),
        compiled: OnceLock::new(),
        compiled_references: OnceLock::new(),
    },
];

/// The language of a file, by its LSP language id first, else its extension.
pub fn language_for(path: Option<&Path>, language_id: Option<&str>) -> Option<&'static Language> {
    if let Some(language) =
        language_id.and_then(|id| LANGUAGES.iter().find(|l| l.language_ids.contains(&id)))
    {
        return Some(language);
    }
    let extension = path?.extension()?.to_str()?;
    LANGUAGES.iter().find(|l| l.extensions.contains(&extension))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_query_compiles() {
        for language in &LANGUAGES {
            for source in [language.context_query, language.references_query] {
                let query = tree_sitter::Query::new(&language.grammar(), source);
                assert!(query.is_ok(), "{}: {:?}", language.name, query.err());
            }
        }
    }

    #[test]
    fn languages_are_found_by_id_or_extension() {
        assert_eq!(
            language_for(None, Some("python")).map(|l| l.name),
            Some("python")
        );
        assert_eq!(
            language_for(Some(Path::new("src/lib.rs")), None).map(|l| l.name),
            Some("rust")
        );
        assert!(language_for(Some(Path::new("a.txt")), Some("plaintext")).is_none());
    }
}
