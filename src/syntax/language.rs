//! The language table: extensions and LSP language ids → grammar and queries.

use std::path::Path;
use std::sync::OnceLock;

use tree_sitter::Node;

/// A supported language.
pub struct Language {
    pub name: &'static str,
    extensions: &'static [&'static str],
    language_ids: &'static [&'static str],
    grammar: fn() -> tree_sitter::Language,
    /// Node kinds that wrap a definition with what belongs to it (Python's decorators): a
    /// definition is shown, placed and counted with its wrapper.
    wrappers: &'static [&'static str],
    /// Node kinds that, directly above a definition (no blank line between), belong to it:
    /// doc comments (JSDoc, Go's `//` lines) and decorators that the grammar makes siblings
    /// (TypeScript's method decorators). Those whose kind ends in `comment` are its
    /// docstring when the query gives none.
    attached: &'static [&'static str],
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

    /// Whether nodes of `kind` wrap a definition (decorators, `export`).
    pub fn wraps(&self, kind: &str) -> bool {
        self.wrappers.contains(&kind)
    }

    /// `node` with its wrapper (decorators, `export`), if it has one. A wrapper of several
    /// nodes of its kind (Go's `type ( A …; B … )`) wraps none of them.
    pub fn with_wrapper<'t>(&self, node: Node<'t>) -> Node<'t> {
        match node.parent() {
            Some(parent)
                if self.wrappers.contains(&parent.kind())
                    && children(parent)
                        .iter()
                        .filter(|c| c.kind_id() == node.kind_id())
                        .count()
                        == 1 =>
            {
                parent
            }
            _ => node,
        }
    }

    /// Whether this language attaches comments or decorators above a definition to it.
    pub fn attaches(&self) -> bool {
        !self.attached.is_empty()
    }

    /// Whether `kind` is a comment or decorator that can belong to the definition below it.
    pub fn is_attached_kind(&self, kind: &str) -> bool {
        self.attached.contains(&kind)
    }

    /// The first of the comments and decorators directly above `node` that belong to it,
    /// or `node` itself. Costs a walk over `node`'s siblings: for a few nodes (the scopes
    /// around a cursor); the outline goes through `attached_in`.
    pub fn attached_start<'t>(&self, node: Node<'t>) -> Node<'t> {
        if self.attached.is_empty() {
            return node;
        }
        let Some(parent) = node.parent() else {
            return node;
        };
        let siblings = children(parent);
        match siblings.iter().position(|s| s.id() == node.id()) {
            Some(i) => siblings[self.attached_in(&siblings, i)],
            None => node,
        }
    }

    /// The index in `siblings` (a node's children, in order) of the first comment or
    /// decorator directly above `siblings[i]` that belongs to it; `i` if there is none.
    /// A comment after code on its line belongs to that code, and a blank line ends the run.
    pub fn attached_in(&self, siblings: &[Node], i: usize) -> usize {
        let mut first = i;
        while first > 0 {
            let previous = siblings[first - 1];
            if !self.attached.contains(&previous.kind())
                || previous.end_position().row + 1 < siblings[first].start_position().row
            {
                break;
            }
            let trailing = first >= 2 && {
                let before = siblings[first - 2];
                !self.attached.contains(&before.kind())
                    && before.end_position().row == previous.start_position().row
            };
            if trailing {
                break;
            }
            first -= 1;
        }
        first
    }

    /// The node after the comment or decorator `node` that `node` belongs to, if any (a
    /// cursor in a doc comment means the definition it documents). Inside a wrapper
    /// (`@Injectable() export class …`), the wrapped definition.
    pub fn documented_by<'t>(&self, node: Node<'t>) -> Option<Node<'t>> {
        let parent = node.parent()?;
        let siblings = children(parent);
        let at = siblings.iter().position(|s| s.id() == node.id())?;
        let owner = (at + 1..siblings.len())
            .find(|&j| siblings[j].is_named() && !self.attached.contains(&siblings[j].kind()))?;
        let belongs =
            self.wrappers.contains(&parent.kind()) || self.attached_in(&siblings, owner) <= at;
        belongs.then_some(siblings[owner])
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

/// The children of `node`, in order (named or not), by one cursor walk.
pub(super) fn children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.children(&mut cursor).collect()
}

/// JavaScript and TypeScript: comments above a definition, and decorators that are
/// siblings of a method (TypeScript's class bodies).
const SCRIPT_ATTACHED: &[&str] = &["comment", "decorator"];
/// `export` wraps a declaration; so does a decorated export.
const SCRIPT_WRAPPERS: &[&str] = &["export_statement"];

static LANGUAGES: [Language; 6] = [
    Language {
        name: "python",
        extensions: &["py", "pyi"],
        language_ids: &["python"],
        grammar: || tree_sitter_python::LANGUAGE.into(),
        wrappers: &["decorated_definition"],
        attached: &[],
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
        attached: &[],
        context_query: include_str!("../../queries/rust/context.scm"),
        references_query: include_str!("../../queries/rust/references.scm"),
        compiled: OnceLock::new(),
        compiled_scopes: OnceLock::new(),
        compiled_references: OnceLock::new(),
    },
    Language {
        name: "typescript",
        extensions: &["ts", "mts", "cts"],
        language_ids: &["typescript"],
        grammar: || tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        wrappers: SCRIPT_WRAPPERS,
        attached: SCRIPT_ATTACHED,
        context_query: include_str!("../../queries/typescript/context.scm"),
        references_query: include_str!("../../queries/typescript/references.scm"),
        compiled: OnceLock::new(),
        compiled_scopes: OnceLock::new(),
        compiled_references: OnceLock::new(),
    },
    // TSX is TypeScript's grammar with JSX: the same queries.
    Language {
        name: "tsx",
        extensions: &["tsx"],
        language_ids: &["typescriptreact"],
        grammar: || tree_sitter_typescript::LANGUAGE_TSX.into(),
        wrappers: SCRIPT_WRAPPERS,
        attached: SCRIPT_ATTACHED,
        context_query: include_str!("../../queries/typescript/context.scm"),
        references_query: include_str!("../../queries/typescript/references.scm"),
        compiled: OnceLock::new(),
        compiled_scopes: OnceLock::new(),
        compiled_references: OnceLock::new(),
    },
    // The JavaScript grammar parses JSX too.
    Language {
        name: "javascript",
        extensions: &["js", "jsx", "mjs", "cjs"],
        language_ids: &["javascript", "javascriptreact"],
        grammar: || tree_sitter_javascript::LANGUAGE.into(),
        wrappers: SCRIPT_WRAPPERS,
        attached: SCRIPT_ATTACHED,
        context_query: include_str!("../../queries/javascript/context.scm"),
        references_query: include_str!("../../queries/javascript/references.scm"),
        compiled: OnceLock::new(),
        compiled_scopes: OnceLock::new(),
        compiled_references: OnceLock::new(),
    },
    Language {
        name: "go",
        extensions: &["go"],
        language_ids: &["go"],
        grammar: || tree_sitter_go::LANGUAGE.into(),
        wrappers: &["type_declaration", "const_declaration", "var_declaration"],
        attached: &["comment"],
        context_query: include_str!("../../queries/go/context.scm"),
        references_query: include_str!("../../queries/go/references.scm"),
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
                "rust" => "use std::fmt;\n\nimpl A {\n    fn f(&self) -> u32 { 1 }\n}\n",
                "go" => {
                    "package a\n\nimport \"fmt\"\n\ntype A struct{}\n\nfunc (a A) f() int { return 1 }\n"
                }
                _ => "import { x } from './x';\n\nclass A {\n  f() { return 1; }\n}\n",
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

    #[test]
    fn script_and_go_files_are_found_by_every_extension_and_editor_id() {
        let cases = [
            ("web/a.ts", "typescript", "typescript"),
            ("web/a.mts", "typescript", "typescript"),
            ("web/a.tsx", "typescriptreact", "tsx"),
            ("web/a.js", "javascript", "javascript"),
            ("web/a.jsx", "javascriptreact", "javascript"),
            ("web/a.mjs", "javascript", "javascript"),
            ("web/a.cjs", "javascript", "javascript"),
            ("cmd/main.go", "go", "go"),
        ];
        for (path, id, name) in cases {
            let by_path = language_for(Some(Path::new(path)), None).map(|l| l.name);
            let by_id = language_for(None, Some(id)).map(|l| l.name);
            assert_eq!((by_path, by_id), (Some(name), Some(name)), "{path}, {id}");
        }
    }
}
