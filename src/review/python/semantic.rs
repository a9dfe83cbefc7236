//! The semantic model of one Python file: what its imports call things (`ET.fromstring` is
//! `xml.etree.ElementTree.fromstring`), its functions (the scopes of names, and helpers a
//! call in the same file can be summarised through), and the text behind a node.

use foldhash::{HashMap, HashMapExt};

use tree_sitter::Node;

use super::syntax::{FIELDS, KindOf};

/// Longest dotted name followed (`a.b.c...`): deeper chains are not module paths.
const MAX_DOTS: usize = 32;

/// A function of the file.
#[derive(Clone, Copy)]
pub(super) struct Scope<'t> {
    pub node: Node<'t>,
    /// Index of the innermost scope around this one.
    parent: Option<usize>,
}

pub(super) struct Module<'t> {
    pub source: &'t str,
    /// Functions, by start byte.
    pub scopes: Vec<Scope<'t>>,
    /// Local name → qualified name, from the imports.
    pub imports: HashMap<&'t str, String>,
    /// Modules imported whole (`import ldap3`).
    pub modules: Vec<String>,
    /// Functions by name (the last definition wins, as at run time).
    pub functions: HashMap<&'t str, Node<'t>>,
    /// The file is a test file (`test_*.py`, `*_test.py`, `conftest.py`).
    pub test_file: bool,
}

impl<'t> Module<'t> {
    pub fn new(source: &'t str, mut functions: Vec<Node<'t>>, test_file: bool) -> Module<'t> {
        functions.sort_by_key(|f| f.start_byte());
        let mut scopes: Vec<Scope<'t>> = Vec::with_capacity(functions.len());
        let mut open: Vec<usize> = Vec::new();
        for node in functions {
            while let Some(&last) = open.last() {
                if node.start_byte() < scopes[last].node.end_byte() {
                    break;
                }
                open.pop();
            }
            scopes.push(Scope {
                node,
                parent: open.last().copied(),
            });
            open.push(scopes.len() - 1);
        }
        let mut module = Module {
            source,
            scopes,
            imports: HashMap::new(),
            modules: Vec::new(),
            functions: HashMap::new(),
            test_file,
        };
        for scope in module.scopes.clone() {
            if let Some(name) = scope.node.child_by_field_id(FIELDS.name) {
                module.functions.insert(module.text(name), scope.node);
            }
        }
        module
    }

    pub fn text(&self, node: Node<'_>) -> &'t str {
        // Nodes of a UTF-8 text end on char boundaries: a boundary check, not a validation.
        self.source.get(node.byte_range()).unwrap_or("")
    }

    pub fn import(&mut self, node: Node<'t>) {
        let mut cursor = node.walk();
        let module = node
            .child_by_field_id(FIELDS.module_name)
            .filter(|m| m.kind_of() == "dotted_name")
            .map(|m| self.text(m));
        let names: Vec<Node<'t>> = node
            .children_by_field_id(FIELDS.name_id, &mut cursor)
            .collect();
        for name in names {
            let (full, local) = match name.kind_of() {
                "aliased_import" => {
                    let (Some(full), Some(alias)) = (
                        name.child_by_field_id(FIELDS.name),
                        name.child_by_field_id(FIELDS.alias),
                    ) else {
                        continue;
                    };
                    (self.text(full), self.text(alias))
                }
                // `import a.b` binds `a`, which already is its own qualified name.
                "dotted_name" if module.is_none() => {
                    self.modules.push(self.text(name).to_string());
                    continue;
                }
                "dotted_name" => (self.text(name), self.text(name)),
                _ => continue,
            };
            let qualified = match module {
                Some(module) => format!("{module}.{full}"),
                None => full.to_string(),
            };
            self.imports.insert(local, qualified);
        }
    }

    /// Whether the file imports an LDAP client (`ldap`, `ldap3`).
    pub fn imports_ldap(&self) -> bool {
        self.imports
            .values()
            .chain(self.modules.iter())
            .any(|q| q.split('.').any(|part| part.starts_with("ldap")))
    }

    /// The index of the innermost function around byte `at`.
    fn scope_index(&self, at: usize) -> Option<usize> {
        let before = self.scopes.partition_point(|s| s.node.start_byte() <= at);
        let mut index = before.checked_sub(1)?;
        loop {
            if at < self.scopes[index].node.end_byte() {
                return Some(index);
            }
            index = self.scopes[index].parent?;
        }
    }

    /// The innermost function around `node`, if any.
    pub fn function_of(&self, node: Node<'_>) -> Option<Node<'t>> {
        // A function's own node starts a scope: its scope is the one around it.
        let at = node.start_byte();
        let index = self.scope_index(at)?;
        let scope = self.scopes[index];
        if scope.node.id() == node.id() {
            return scope.parent.map(|p| self.scopes[p].node);
        }
        Some(scope.node)
    }

    /// Whether `node` is inside a function named `test...`.
    pub fn in_test_function(&self, node: Node<'_>) -> bool {
        let mut index = self.scope_index(node.start_byte());
        while let Some(i) = index {
            let scope = self.scopes[i];
            if scope
                .node
                .child_by_field_id(FIELDS.name)
                .is_some_and(|n| self.text(n).starts_with("test"))
            {
                return true;
            }
            index = scope.parent;
        }
        false
    }

    /// The dotted name a callee or attribute stands for, through the imports.
    pub fn qualified(&self, node: Node<'_>) -> Option<String> {
        let mut parts: Vec<&'t str> = Vec::new();
        let mut current = node;
        loop {
            match current.kind_of() {
                "identifier" => {
                    let name = self.text(current);
                    let mut qualified = self
                        .imports
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| name.to_string());
                    for part in parts.iter().rev() {
                        qualified.push('.');
                        qualified.push_str(part);
                    }
                    return Some(qualified);
                }
                "attribute" if parts.len() < MAX_DOTS => {
                    parts.push(self.text(current.child_by_field_id(FIELDS.attribute)?));
                    current = current.child_by_field_id(FIELDS.object)?;
                }
                _ => return None,
            }
        }
    }
}
