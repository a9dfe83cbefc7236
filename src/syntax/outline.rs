//! A file's outline: its definitions, imports and docstring, computed once per parse and
//! shared by the selection context, the code actions and the workspace index.

use std::collections::HashMap;
use std::ops::Range;

use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, QueryCursor, Tree};

use super::language::{Language, children};

/// How deep the outline looks for definitions: module → class → body → method, plus a
/// decorator level (Rust: module → impl → body → function, inside one `mod`). Deeper
/// definitions (functions inside functions) are not in the outline; a query over the whole
/// tree would cost a large file several milliseconds.
const OUTLINE_DEPTH: u32 = 5;

/// What a definition is, as the query's `@definition.KIND` capture names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefinitionKind {
    Function,
    /// A function inside a class, `impl` or trait.
    Method,
    Class,
    Struct,
    Enum,
    Interface,
    Constant,
    Type,
    Module,
    Macro,
}

impl DefinitionKind {
    fn from_capture(name: &str) -> Option<DefinitionKind> {
        Some(match name.strip_prefix("definition.")? {
            "function" => DefinitionKind::Function,
            "method" => DefinitionKind::Method,
            "class" => DefinitionKind::Class,
            "struct" => DefinitionKind::Struct,
            "enum" => DefinitionKind::Enum,
            "interface" => DefinitionKind::Interface,
            "constant" => DefinitionKind::Constant,
            "type" => DefinitionKind::Type,
            "module" => DefinitionKind::Module,
            "macro" => DefinitionKind::Macro,
            _ => return None,
        })
    }

    /// The word a listing uses for it.
    pub fn as_str(self) -> &'static str {
        match self {
            DefinitionKind::Function => "function",
            DefinitionKind::Method => "method",
            DefinitionKind::Class => "class",
            DefinitionKind::Struct => "struct",
            DefinitionKind::Enum => "enum",
            DefinitionKind::Interface => "interface",
            DefinitionKind::Constant => "constant",
            DefinitionKind::Type => "type",
            DefinitionKind::Module => "module",
            DefinitionKind::Macro => "macro",
        }
    }
}

/// One definition of the outline.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    pub name: String,
    pub kind: DefinitionKind,
    /// The class, `impl` type, trait or receiver type a method belongs to.
    pub container: Option<String>,
    /// With its decorators, wrapper (`export`) and doc comments, if it has any.
    pub bytes: Range<usize>,
    /// 0-based, end exclusive; decorators and doc comments included.
    pub rows: Range<usize>,
    /// The syntax node that holds it: definitions with the same parent are siblings.
    pub parent: usize,
    /// The first line of the definition itself (after any decorators), trimmed at the end.
    pub signature: String,
    pub docstring: Option<String>,
}

/// The outline of one parse.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outline {
    /// In file order.
    pub definitions: Vec<Definition>,
    /// Import statements, as row ranges (0-based, end exclusive) in file order.
    pub imports: Vec<Range<usize>>,
    /// The module docstring's rows.
    pub docstring: Option<Range<usize>>,
}

impl Outline {
    /// The definitions named `name`, in file order.
    pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Definition> + 'a {
        self.definitions.iter().filter(move |d| d.name == name)
    }
}

/// The outline of `tree`, the parse of `text` in `language`.
pub fn outline(language: &Language, tree: &Tree, text: &str) -> Outline {
    let Some(query) = language.context_query() else {
        return Outline::default();
    };
    let names = query.capture_names();
    let index = |name: &str| query.capture_index_for_name(name);
    let (name_i, doc_i, container_i, receiver_i, import_i, docstring_i) = (
        index("name"),
        index("doc"),
        index("container"),
        index("receiver"),
        index("import"),
        index("docstring"),
    );
    let mut siblings = Siblings::default();
    let mut outline = Outline::default();
    // By node id: a definition matched by two patterns (with and without its docstring)
    // is one definition.
    let mut seen: HashMap<usize, usize> = HashMap::new();
    let mut containers: Vec<(Range<usize>, String)> = Vec::new();
    let mut cursor = QueryCursor::new();
    cursor.set_max_start_depth(Some(OUTLINE_DEPTH));
    let mut matches = cursor.matches(query, tree.root_node(), text.as_bytes());
    while let Some(m) = matches.next() {
        let node_of = |i: Option<u32>| {
            i.and_then(|i| m.captures().iter().find(|c| c.index == i).map(|c| c.node))
        };
        let slice = |node: tree_sitter::Node| text.get(node.byte_range()).unwrap_or_default();
        let rows = |node: tree_sitter::Node| node.start_position().row..node.end_position().row + 1;
        let definition = m.captures().iter().find_map(|c| {
            DefinitionKind::from_capture(names[c.index as usize]).map(|kind| (c.node, kind))
        });
        if let (Some((node, kind)), Some(name)) = (definition, node_of(name_i)) {
            let docstring = node_of(doc_i).map(|doc| slice(doc).to_string());
            match seen.get(&node.id()) {
                Some(&at) => {
                    if docstring.is_some() {
                        outline.definitions[at].docstring = docstring;
                    }
                }
                None => {
                    seen.insert(node.id(), outline.definitions.len());
                    let whole = language.with_wrapper(node);
                    let parent = whole.parent();
                    let (first, comments) = match parent {
                        Some(parent) if language.attaches() => {
                            siblings.attached(language, parent, whole)
                        }
                        _ => (whole, None),
                    };
                    let docstring = docstring.or_else(|| {
                        comments.map(|(start, end)| {
                            text.get(start.start_byte()..end.end_byte())
                                .unwrap_or_default()
                                .to_string()
                        })
                    });
                    outline.definitions.push(Definition {
                        name: slice(name).to_string(),
                        kind,
                        container: node_of(receiver_i).map(|r| slice(r).to_string()),
                        bytes: first.start_byte()..whole.end_byte(),
                        rows: first.start_position().row..whole.end_position().row + 1,
                        parent: parent.map_or(0, |p| p.id()),
                        signature: slice(node).lines().next().unwrap_or("").trim_end().into(),
                        docstring,
                    });
                }
            }
        } else if let (Some(node), Some(name)) = (node_of(container_i), node_of(name_i)) {
            containers.push((node.byte_range(), slice(name).to_string()));
        }
        if let Some(node) = node_of(import_i) {
            outline.imports.push(rows(node));
        }
        if let Some(node) = node_of(docstring_i) {
            // A comment docstring (Go's package comment) is its whole run of comments.
            let first = match node.parent() {
                Some(parent) if language.is_attached_kind(node.kind()) => {
                    siblings.attached(language, parent, node).0
                }
                _ => node,
            };
            outline
                .docstring
                .get_or_insert(first.start_position().row..node.end_position().row + 1);
        }
    }
    outline.definitions.sort_by_key(|d| d.bytes.start);
    for definition in &mut outline.definitions {
        if definition.container.is_some() {
            // Named by its receiver.
            continue;
        }
        // The innermost container around it, other than itself.
        let container = containers
            .iter()
            .filter(|(bytes, _)| {
                bytes.start <= definition.bytes.start
                    && definition.bytes.end <= bytes.end
                    && *bytes != definition.bytes
            })
            .min_by_key(|(bytes, _)| bytes.len());
        if let Some((_, name)) = container {
            definition.container = Some(name.clone());
            if definition.kind == DefinitionKind::Function {
                definition.kind = DefinitionKind::Method;
            }
        }
    }
    outline
}

/// The children of the parents of definitions, each walked once: finding what is attached
/// above each of a thousand top-level definitions must not walk the file a thousand times.
#[derive(Default)]
struct Siblings<'t> {
    by_parent: HashMap<usize, Vec<Node<'t>>>,
}

impl<'t> Siblings<'t> {
    /// The first node attached above `node` (a child of `parent`), or `node`; and the first
    /// and last comments among those attached, if any.
    fn attached(
        &mut self,
        language: &Language,
        parent: Node<'t>,
        node: Node<'t>,
    ) -> (Node<'t>, Option<CommentRun<'t>>) {
        let children = self
            .by_parent
            .entry(parent.id())
            .or_insert_with(|| children(parent));
        let from = children.partition_point(|c| c.start_byte() < node.start_byte());
        let Some(i) = (from..children.len()).find(|&i| children[i].id() == node.id()) else {
            return (node, None);
        };
        let first = language.attached_in(children, i);
        let is_comment = |c: &&Node| c.kind().ends_with("comment");
        let attached = &children[first..i];
        let comments = attached
            .iter()
            .find(is_comment)
            .zip(attached.iter().rev().find(is_comment))
            .map(|(start, end)| (*start, *end));
        (children[first], comments)
    }
}

/// The first and last of a run of comments.
type CommentRun<'t> = (Node<'t>, Node<'t>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{language_for, parse};

    fn outline_of(language: &str, text: &str) -> Outline {
        let language = language_for(None, Some(language)).unwrap();
        let tree = parse(language, text, None).unwrap();
        outline(language, &tree, text)
    }

    #[test]
    fn python_functions_classes_methods_and_constants_are_outlined() {
        let text = "RATE = 2\n\ndef tax(x):\n    \"\"\"Tax on x.\"\"\"\n    return x\n\nclass Invoice:\n    def total(self):\n        return 1\n";
        let outline = outline_of("python", text);
        let summary: Vec<_> = outline
            .definitions
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.kind,
                    d.container.as_deref(),
                    d.rows.clone(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("RATE", DefinitionKind::Constant, None, 0..1),
                ("tax", DefinitionKind::Function, None, 2..5),
                ("Invoice", DefinitionKind::Class, None, 6..9),
                ("total", DefinitionKind::Method, Some("Invoice"), 7..9),
            ]
        );
        assert_eq!(
            outline.definitions[1].docstring.as_deref(),
            Some("\"\"\"Tax on x.\"\"\"")
        );
    }

    #[test]
    fn a_decorated_definition_includes_its_decorators_and_stays_a_sibling() {
        let text = "def a():\n    pass\n\n@cache\n@trace(level=2)\ndef b():\n    pass\n";
        let outline = outline_of("python", text);
        let b = outline.named("b").next().unwrap();
        assert_eq!(b.rows, 3..7);
        assert_eq!(b.signature, "def b():");
        assert_eq!(b.parent, outline.named("a").next().unwrap().parent);
    }

    #[test]
    fn rust_methods_belong_to_their_impl_type() {
        let text =
            "struct Cart;\n\nimpl Cart {\n    fn total(&self) -> u32 { 0 }\n}\n\nfn main() {}\n";
        let outline = outline_of("rust", text);
        let total = outline.named("total").next().unwrap();
        assert_eq!(total.kind, DefinitionKind::Method);
        assert_eq!(total.container.as_deref(), Some("Cart"));
        assert_eq!(total.signature, "fn total(&self) -> u32 { 0 }");
        assert_eq!(
            outline.named("main").next().unwrap().kind,
            DefinitionKind::Function
        );
    }

    #[test]
    fn imports_and_the_module_docstring_are_outlined_by_rows() {
        let outline = outline_of(
            "python",
            "\"\"\"Doc.\"\"\"\nimport os\nimport re\n\nx = 1\n",
        );
        assert_eq!(outline.docstring, Some(0..1));
        assert_eq!(outline.imports, [1..2, 2..3]);
    }
}
