//! Small questions about the Python syntax tree: field ids, arguments of a call, literals,
//! identifier words. No walk here recurses: they use a cursor or an explicit stack.

use std::sync::LazyLock;

use tree_sitter::Node;

use super::semantic::Module;

/// How many nodes of one expression a search for names visits.
pub(super) const MAX_NODES: usize = 256;

/// Field ids of the Python grammar, looked up once: a lookup by name compares strings
/// against every field of the grammar, on every call.
pub(super) struct Fields {
    pub alias: u16,
    pub argument: u16,
    pub arguments: u16,
    pub attribute: u16,
    pub function: u16,
    pub key: u16,
    pub left: u16,
    pub module_name: u16,
    pub name: u16,
    pub object: u16,
    pub operator: u16,
    pub right: u16,
    pub subscript: u16,
    pub value: u16,
    pub alternative: u16,
    pub body: u16,
    pub condition: u16,
    pub consequence: u16,
    pub subject: u16,
    pub parameters: u16,
    pub type_: u16,
    pub name_id: std::num::NonZeroU16,
}

pub(super) static FIELDS: LazyLock<Fields> = LazyLock::new(|| {
    let grammar: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    let id = |name: &str| {
        grammar
            .field_id_for_name(name)
            .expect("a field of the Python grammar")
    };
    Fields {
        alias: id("alias").get(),
        argument: id("argument").get(),
        arguments: id("arguments").get(),
        attribute: id("attribute").get(),
        function: id("function").get(),
        key: id("key").get(),
        left: id("left").get(),
        module_name: id("module_name").get(),
        name: id("name").get(),
        object: id("object").get(),
        operator: id("operator").get(),
        right: id("right").get(),
        subscript: id("subscript").get(),
        value: id("value").get(),
        alternative: id("alternative").get(),
        body: id("body").get(),
        condition: id("condition").get(),
        consequence: id("consequence").get(),
        subject: id("subject").get(),
        parameters: id("parameters").get(),
        type_: id("type").get(),
        name_id: id("name"),
    }
});

/// The arguments of a call, split once.
pub(super) struct Arguments<'t> {
    pub positional: Vec<Node<'t>>,
    pub keywords: Vec<(&'t str, Node<'t>)>,
    /// `**kwargs` is present: any keyword may be in it.
    pub spread_keywords: bool,
}

impl<'t> Arguments<'t> {
    pub fn of(module: &Module<'t>, arguments: Node<'t>) -> Arguments<'t> {
        let mut args = Arguments {
            positional: Vec::new(),
            keywords: Vec::new(),
            spread_keywords: false,
        };
        for child in named_children(arguments) {
            match child.kind_of() {
                "keyword_argument" => {
                    if let (Some(name), Some(value)) = (
                        child.child_by_field_id(FIELDS.name),
                        child.child_by_field_id(FIELDS.value),
                    ) {
                        args.keywords.push((module.text(name), value));
                    }
                }
                "dictionary_splat" => args.spread_keywords = true,
                "comment" | "list_splat" => {}
                _ => args.positional.push(child),
            }
        }
        args
    }

    pub fn positional(&self, index: usize) -> Option<Node<'t>> {
        self.positional.get(index).copied()
    }

    pub fn keyword(&self, name: &str) -> Option<Node<'t>> {
        self.keywords
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    }
}

/// Children of a node with at most this many are taken by index: a child by index walks
/// the children before it, yet a cursor's step costs several such walks on short lists.
pub(super) const INDEXED_CHILDREN: usize = 12;

pub(super) fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let count = node.named_child_count();
    if count <= INDEXED_CHILDREN {
        return (0..count as u32)
            .filter_map(|i| node.named_child(i))
            .collect();
    }
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// Every child, named or not, in order.
pub(super) fn children(node: Node<'_>) -> Vec<Node<'_>> {
    let count = node.child_count();
    if count as usize <= INDEXED_CHILDREN {
        return (0..count).filter_map(|i| node.child(i)).collect();
    }
    let mut cursor = node.walk();
    node.children(&mut cursor).collect()
}

/// The kind names of the Python grammar by kind id, read once: `Node::kind` measures and
/// checks the grammar's C string on every call.
static KIND_NAMES: LazyLock<Vec<Box<str>>> = LazyLock::new(|| {
    let grammar: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    (0..grammar.node_kind_count())
        .map(|id| {
            u16::try_from(id)
                .ok()
                .and_then(|id| grammar.node_kind_for_id(id))
                .unwrap_or("")
                .into()
        })
        .collect()
});

/// `Node::kind` for the nodes of a Python tree, from a table.
pub(super) trait KindOf<'t> {
    /// The node's kind, as `Node::kind` names it.
    fn kind_of(&self) -> &'t str;
}

impl<'t> KindOf<'t> for Node<'t> {
    fn kind_of(&self) -> &'t str {
        match KIND_NAMES.get(usize::from(self.kind_id())) {
            Some(name) => name,
            // Error nodes have ids outside the grammar's table.
            None => self.kind(),
        }
    }
}

/// The names an expression reads (not attribute names or keyword names).
pub(super) fn identifiers(node: Node<'_>) -> Vec<Node<'_>> {
    first_identifiers(node, MAX_NODES)
}

/// The first `limit` names an expression reads, in the order `identifiers` gives them.
pub(super) fn first_identifiers(node: Node<'_>, limit: usize) -> Vec<Node<'_>> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    let mut seen = 0;
    while let Some(n) = stack.pop() {
        if found.len() == limit {
            break;
        }
        seen += 1;
        if MAX_NODES < seen {
            break;
        }
        match n.kind_of() {
            "identifier" => found.push(n),
            "attribute" => stack.extend(n.child_by_field_id(FIELDS.object)),
            "keyword_argument" => stack.extend(n.child_by_field_id(FIELDS.value)),
            _ => stack.extend(named_children(n)),
        }
    }
    found
}

/// The attribute names read in an expression (`user.is_admin` → `is_admin`).
pub(super) fn attribute_names<'t>(module: &Module<'t>, node: Node<'t>) -> Vec<&'t str> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if found.len() > MAX_NODES {
            break;
        }
        if n.kind_of() == "attribute"
            && let Some(a) = n.child_by_field_id(FIELDS.attribute)
        {
            found.push(module.text(a));
        }
        stack.extend(named_children(n));
    }
    found
}

pub(super) fn has_interpolation(node: Node<'_>) -> bool {
    children(node)
        .into_iter()
        .any(|c| c.kind_of() == "interpolation")
}

pub(super) fn is_true(node: Node<'_>) -> bool {
    node.kind_of() == "true"
}

pub(super) fn is_false(node: Node<'_>) -> bool {
    node.kind_of() == "false"
}

pub(super) fn is_all_caps(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The value of a plain string literal (no interpolation), escapes left as written.
pub(super) fn string_value(module: &Module<'_>, node: Node<'_>) -> Option<String> {
    if node.kind_of() != "string" || has_interpolation(node) {
        return None;
    }
    Some(
        children(node)
            .into_iter()
            .filter(|c| matches!(c.kind_of(), "string_content" | "escape_sequence"))
            .map(|c| module.text(c))
            .collect(),
    )
}

/// The text of a string literal that holds no escapes (a dictionary key, a setting name).
pub(super) fn string_literal<'t>(module: &Module<'t>, node: Node<'t>) -> Option<&'t str> {
    if node.kind_of() != "string" || has_interpolation(node) {
        return None;
    }
    let contents: Vec<Node<'t>> = children(node)
        .into_iter()
        .filter(|c| matches!(c.kind_of(), "string_content" | "escape_sequence"))
        .collect();
    match contents.as_slice() {
        [only] if only.kind_of() == "string_content" => Some(module.text(*only)),
        _ => None,
    }
}

/// Lowercase words of an identifier, split at `_`, `-`, `.` and camelCase humps.
pub(super) fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// A name that holds a credential: judged by its last word (`db_password`, `SECRET_KEY`,
/// `apiToken`), so `password_hash`, `TOKEN_URL` and `token_type` are not.
pub(super) fn is_secret_name(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    match last.as_str() {
        "password" | "passwd" | "pwd" | "passphrase" | "secret" | "token" | "apikey"
        | "credential" | "credentials" => true,
        "key" => {
            words.len() >= 2
                && matches!(
                    words[words.len() - 2].as_str(),
                    "api"
                        | "secret"
                        | "private"
                        | "access"
                        | "signing"
                        | "encryption"
                        | "auth"
                        | "master"
                        | "client"
                )
        }
        _ => false,
    }
}
