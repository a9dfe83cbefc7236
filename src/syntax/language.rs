//! The language table: extensions and LSP language ids → grammar and queries.

use std::path::Path;
use std::sync::OnceLock;

/// A supported language.
pub struct Language {
    pub name: &'static str,
    extensions: &'static [&'static str],
    language_ids: &'static [&'static str],
    grammar: fn() -> tree_sitter::Language,
    /// Node kinds that wrap a definition with what belongs to it (Python's decorators): a
    /// definition is shown, placed and counted with its wrapper.
    wrappers: &'static [&'static str],
    context_query: &'static str,
    references_query: &'static str,
    compiled: OnceLock<Option<tree_sitter::Query>>,
    compiled_scopes: OnceLock<Option<tree_sitter::Query>>,
    compiled_references: OnceLock<Option<tree_sitter::Query>>,
}

impl Language {
    pub fn grammar(&self) -> tree_sitter::Language {
        (self.grammar)()
    }

    /// Whether nodes of `kind` wrap a definition (decorators).
    pub fn wraps(&self, kind: &str) -> bool {
        self.wrappers.contains(&kind)
    }

    /// `node` with its wrapper (decorators), if it has one.
    pub fn with_wrapper<'t>(&self, node: tree_sitter::Node<'t>) -> tree_sitter::Node<'t> {
        match node.parent() {
            Some(parent) if self.wrappers.contains(&parent.kind()) => parent,
            _ => node,
        }
    }

    /// The context query, compiled once. `None` only if the embedded query is broken,
    /// which a unit test rules out.
    pub fn context_query(&self) -> Option<&tree_sitter::Query> {
        self.compiled
            .get_or_init(|| tree_sitter::Query::new(&self.grammar(), self.context_query).ok())
            .as_ref()
    }

    /// The context query with only its `@scope` patterns: what finding the definition
    /// around a cursor needs (the others would make the cursor walk whole definitions
    /// looking for their docstrings).
    pub fn scope_query(&self) -> Option<&tree_sitter::Query> {
        self.compiled_scopes
            .get_or_init(|| {
                let mut query =
                    tree_sitter::Query::new(&self.grammar(), self.context_query).ok()?;
                let starts: Vec<usize> = (0..query.pattern_count())
                    .map(|i| query.start_byte_for_pattern(i))
                    .chain([self.context_query.len()])
                    .collect();
                for i in 0..query.pattern_count() {
                    let source = &self.context_query[starts[i]..starts[i + 1]];
                    if !source.contains("@scope") {
                        query.disable_pattern(i);
                    }
                }
                Some(query)
            })
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
        wrappers: &["decorated_definition"],
        context_query: include_str!("../../queries/python/context.scm"),
        references_query: include_str!("../../queries/python/references.scm"),
        compiled: OnceLock::new(),
        compiled_scopes: OnceLock::new(),
        compiled_references: OnceLock::new(),
    },
    Language {
        name: "rust",
        extensions: &["rs"],
        language_ids: &["rust"],
        grammar: || tree_sitter_rust::LANGUAGE.into(),
        wrappers: &[],
        context_query: include_str!("../../queries/rust/context.scm"),
        references_query: include_str!("../../queries/rust/references.scm"),
        compiled: OnceLock::new(),
        compiled_scopes: OnceLock::new(),
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
    fn the_scope_query_keeps_only_scope_patterns() {
        for language in &LANGUAGES {
            let query = language.scope_query().unwrap();
            let scope = query.capture_index_for_name("scope").unwrap();
            let code = match language.name {
                "python" => "import os\n\nclass A:\n    def f(self):\n        return 1\n",
                _ => "use std::fmt;\n\nimpl A {\n    fn f(&self) -> u32 { 1 }\n}\n",
            };
            let tree = crate::syntax::parse(language, code, None).unwrap();
            let mut cursor = tree_sitter::QueryCursor::new();
            let mut matches = cursor.matches(query, tree.root_node(), code.as_bytes());
            let mut found = 0;
            while let Some(m) = streaming_iterator::StreamingIterator::next(&mut matches) {
                assert!(
                    m.captures().iter().all(|c| c.index == scope),
                    "{}",
                    language.name
                );
                found += 1;
            }
            assert_eq!(found, 2, "{}", language.name);
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
