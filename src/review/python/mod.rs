//! The Python rules of the offline pass. A walk over the tree finds the places worth a look
//! (calls, assignments, comments, ...); the semantic model (`semantic.rs`)
//! knows what the imports call things; the value flow (`flow.rs`, `eval.rs`, `calls.rs`)
//! knows what each expression holds at its point in the function (request data, a
//! constant, a checked value); one file per rule family decides.

mod branches;
mod calls;
mod crypto;
mod deserialize;
mod eval;
mod flow;
mod injections;
mod jwt;
mod paths;
mod redirect;
mod secrets;
mod semantic;
mod ssrf;
mod syntax;
mod transport;
mod trust;
mod value;
mod webconfig;
mod words;
mod xss;
mod xxe;

#[cfg(test)]
mod tests;

use std::path::Path;

use tree_sitter::{Node, Tree};

use super::injection as prompt;
use super::rules;
use crate::finding::Confidence;
use flow::Flow;
use semantic::Module;
use syntax::{Arguments, FIELDS, KindOf};
use value::Val;

/// What a capture of the security query is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Scope,
    Import,
    Assignment,
    Call,
    Pair,
    Parameter,
    Assert,
    Comment,
    Docstring,
    Decorator,
}

/// A rule matched at a node.
pub(super) struct Hit<'t> {
    pub rule: &'static str,
    pub node: Node<'t>,
    /// More precise than the rule's own message, when the match knows more.
    pub message: Option<String>,
    /// Instead of the rule's own confidence, when the match knows better (request data
    /// seen flowing in, or only a value of unknown origin).
    pub confidence: Option<Confidence>,
}

/// What the predicates found, and the comments (for suppressions).
pub(super) struct Analysis<'t> {
    pub hits: Vec<Hit<'t>>,
    pub comments: Vec<Node<'t>>,
    /// The value flow stopped at this nesting depth somewhere in the file.
    pub depth_capped: Option<usize>,
}

/// What the rule families see: the file's model and the value flow.
struct Ctx<'a, 't> {
    pub module: &'a Module<'t>,
    pub flow: &'a Flow<'t>,
}

impl<'t> Ctx<'_, 't> {
    pub fn text(&self, node: Node<'_>) -> &'t str {
        self.module.text(node)
    }

    /// The value of an expression at its point; from its syntax alone where the flow did
    /// not reach it (nested deeper than the flow follows).
    pub fn val(&self, node: Node<'_>) -> Val {
        if let Some(val) = self.flow.value(node) {
            return val.clone();
        }
        match node.kind_of() {
            "string" if !syntax::has_interpolation(node) => Val::literal(None),
            "integer" | "float" | "true" | "false" | "none" => Val::literal(None),
            _ => Val::unknown(),
        }
    }
}

/// A call, split once for every family.
struct Call<'t> {
    pub node: Node<'t>,
    pub callee: Node<'t>,
    /// The callee's qualified name through the imports (`subprocess.run`).
    pub name: String,
    /// The last part of the callee (`execute` of `cursor.execute`).
    pub method: &'t str,
    pub args: Arguments<'t>,
}

impl<'t> Call<'t> {
    /// The receiver of a method call.
    pub fn receiver(&self) -> Option<Node<'t>> {
        (self.callee.kind_of() == "attribute")
            .then(|| self.callee.child_by_field_id(FIELDS.object))
            .flatten()
    }
}

fn hit<'t>(rule: &'static str, node: Node<'t>) -> Hit<'t> {
    Hit {
        rule,
        node,
        message: None,
        confidence: None,
    }
}

fn hit_with<'t>(rule: &'static str, node: Node<'t>, message: String) -> Hit<'t> {
    Hit {
        rule,
        node,
        message: Some(message),
        confidence: None,
    }
}

/// High confidence when request data is seen flowing in, else the rule's own.
pub(super) fn sure_if(tainted: bool, hit: Hit<'_>) -> Hit<'_> {
    Hit {
        confidence: tainted.then_some(Confidence::High).or(hit.confidence),
        ..hit
    }
}

/// The node kinds the rules look at, in document order. A walk with an explicit stack, not
/// a query: a query cursor's work grows with the square of the nesting depth, and a file of
/// 100,000 nested calls would take minutes.
fn places(tree: &Tree) -> Vec<(Kind, Node<'_>)> {
    let mut found = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        let kind = match node.kind_of() {
            "function_definition" => Some(Kind::Scope),
            "import_statement" | "import_from_statement" => Some(Kind::Import),
            "assignment" | "augmented_assignment" => Some(Kind::Assignment),
            "call" => Some(Kind::Call),
            "pair" => node
                .child_by_field_id(FIELDS.key)
                .filter(|k| k.kind_of() == "string")
                .map(|_| Kind::Pair),
            "default_parameter" | "typed_default_parameter" => Some(Kind::Parameter),
            "assert_statement" => Some(Kind::Assert),
            "comment" => Some(Kind::Comment),
            "decorator" => Some(Kind::Decorator),
            "expression_statement"
                if node.named_child_count() == 1
                    && node.named_child(0).is_some_and(|c| c.kind_of() == "string") =>
            {
                Some(Kind::Docstring)
            }
            _ => None,
        };
        if let Some(kind) = kind {
            found.push((kind, node));
        }
        let count = node.child_count();
        if count as usize <= syntax::INDEXED_CHILDREN {
            stack.extend((0..count).rev().filter_map(|i| node.child(i)));
        } else {
            stack.extend(syntax::children(node).into_iter().rev());
        }
    }
    found
}

/// Finds the places worth a look, runs the value flow over the file, and every rule
/// family over the places.
pub(super) fn analyse<'t>(tree: &'t Tree, text: &'t str, path: Option<&Path>) -> Analysis<'t> {
    let captured = places(tree);
    let functions = captured
        .iter()
        .filter(|(kind, _)| *kind == Kind::Scope)
        .map(|(_, node)| *node)
        .collect();
    let mut module = Module::new(text, functions, path.is_some_and(is_test_path));
    for (kind, node) in &captured {
        if *kind == Kind::Import {
            module.import(*node);
        }
    }
    let flow = flow::analyse(&module, tree.root_node());
    let ctx = Ctx {
        module: &module,
        flow: &flow,
    };

    let mut analysis = Analysis {
        hits: Vec::new(),
        comments: Vec::new(),
        depth_capped: flow.capped,
    };
    let hits = &mut analysis.hits;
    for (kind, node) in captured {
        match kind {
            Kind::Scope | Kind::Import => {}
            Kind::Assignment => {
                secrets::check_assignment(&ctx, node, hits);
                webconfig::check_assignment(&ctx, node, hits);
                transport::check_assignment(&ctx, node, hits);
                trust::check_assignment(&ctx, node, hits);
                crypto::check_assignment(&ctx, node, hits);
            }
            Kind::Call => {
                if flow.is_dead(node) {
                    continue;
                }
                let Some(call) = split_call(&module, node) else {
                    continue;
                };
                injections::check_call(&ctx, &call, hits);
                deserialize::check_call(&ctx, &call, hits);
                crypto::check_call(&ctx, &call, hits);
                transport::check_call(&ctx, &call, hits);
                ssrf::check_call(&ctx, &call, hits);
                paths::check_call(&ctx, &call, hits);
                xxe::check_call(&ctx, &call, hits);
                xss::check_call(&ctx, &call, hits);
                webconfig::check_call(&ctx, &call, hits);
                redirect::check_call(&ctx, &call, hits);
                trust::check_call(&ctx, &call, hits);
                jwt::check_call(&ctx, &call, hits);
                secrets::check_call(&ctx, &call, hits);
            }
            Kind::Pair => secrets::check_pair(&ctx, node, hits),
            Kind::Parameter => secrets::check_parameter(&ctx, node, hits),
            Kind::Assert => secrets::check_assert(&ctx, node, hits),
            Kind::Decorator => webconfig::check_decorator(&ctx, node, hits),
            Kind::Comment => {
                let comment = module.text(node);
                if prompt::addresses_reviewer(comment.trim_start_matches('#')) {
                    hits.push(hit(rules::PROMPT_INJECTION, node));
                }
                analysis.comments.push(node);
            }
            Kind::Docstring => {
                if prompt::addresses_reviewer(module.text(node)) {
                    hits.push(hit(rules::PROMPT_INJECTION, node));
                }
            }
        }
    }
    xss::check_route_returns(&ctx, hits);
    analysis
}

fn split_call<'t>(module: &Module<'t>, node: Node<'t>) -> Option<Call<'t>> {
    let callee = node.child_by_field_id(FIELDS.function)?;
    let arguments = node
        .child_by_field_id(FIELDS.arguments)
        .filter(|a| a.kind_of() == "argument_list")?;
    let method = match callee.kind_of() {
        "attribute" => callee
            .child_by_field_id(FIELDS.attribute)
            .map(|a| module.text(a))
            .unwrap_or(""),
        _ => module.text(callee),
    };
    Some(Call {
        node,
        callee,
        name: module.qualified(callee).unwrap_or_default(),
        method,
        args: Arguments::of(module, arguments),
    })
}

/// Test code asserts on users and permissions by design. Judged by the file name only:
/// a `tests/` directory also holds fixtures and helpers that are not tests.
fn is_test_path(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with("test_") || name.ends_with("_test.py") || name == "conftest.py"
}
