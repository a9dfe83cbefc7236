//! Secrets and checks: credentials written in the code (CWE-798), and security checks made
//! with `assert`, which `python -O` removes (CWE-617).

use tree_sitter::Node;

use super::syntax::{
    FIELDS, KindOf, attribute_names, identifiers, is_secret_name, named_children, string_literal,
    string_value, words,
};
use super::words::{PLACEHOLDER, SECURITY_WORDS};
use super::{Call, Ctx, Hit, hit, rules};

/// Credentials passed as literal keyword arguments.
pub(super) fn check_call<'t>(ctx: &Ctx<'_, 't>, call: &Call<'t>, hits: &mut Vec<Hit<'t>>) {
    for (keyword, value) in &call.args.keywords {
        if is_secret_name(keyword) && is_credential_literal(ctx, *value, keyword) {
            hits.push(hit(rules::SECRET, *value));
        }
    }
}

/// A credential assigned to a name that says so.
pub(super) fn check_assignment<'t>(ctx: &Ctx<'_, 't>, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
    if node.kind_of() != "assignment" {
        return;
    }
    let (Some(left), Some(right)) = (
        node.child_by_field_id(FIELDS.left),
        node.child_by_field_id(FIELDS.right),
    ) else {
        return;
    };
    let target = match left.kind_of() {
        "identifier" => Some(ctx.text(left)),
        "attribute" => left
            .child_by_field_id(FIELDS.attribute)
            .map(|a| ctx.text(a)),
        "subscript" => left
            .child_by_field_id(FIELDS.subscript)
            .and_then(|s| string_literal(ctx.module, s)),
        _ => None,
    };
    if let Some(target) = target
        && is_secret_name(target)
        && is_credential_literal(ctx, right, target)
    {
        hits.push(hit(rules::SECRET, node));
    }
}

pub(super) fn check_pair<'t>(ctx: &Ctx<'_, 't>, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
    let (Some(key), Some(value)) = (
        node.child_by_field_id(FIELDS.key),
        node.child_by_field_id(FIELDS.value),
    ) else {
        return;
    };
    if let Some(key) = string_literal(ctx.module, key)
        && is_secret_name(key)
        && is_credential_literal(ctx, value, key)
    {
        hits.push(hit(rules::SECRET, node));
    }
}

pub(super) fn check_parameter<'t>(ctx: &Ctx<'_, 't>, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
    let (Some(name), Some(value)) = (
        node.child_by_field_id(FIELDS.name),
        node.child_by_field_id(FIELDS.value),
    ) else {
        return;
    };
    let name = ctx.text(name);
    if is_secret_name(name) && is_credential_literal(ctx, value, name) {
        hits.push(hit(rules::SECRET, node));
    }
}

pub(super) fn check_assert<'t>(ctx: &Ctx<'_, 't>, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
    if ctx.module.test_file || ctx.module.in_test_function(node) {
        return;
    }
    let Some(condition) = named_children(node).into_iter().next() else {
        return;
    };
    let security = identifiers(condition).into_iter().any(|id| {
        words(ctx.text(id))
            .iter()
            .any(|w| SECURITY_WORDS.contains(&w.as_str()))
    }) || attribute_names(ctx.module, condition).iter().any(|name| {
        words(name)
            .iter()
            .any(|w| SECURITY_WORDS.contains(&w.as_str()))
    });
    if security {
        hits.push(hit(rules::ASSERT, node));
    }
}

/// A string literal that looks like a real credential, not a placeholder.
fn is_credential_literal<'t>(ctx: &Ctx<'_, 't>, value: Node<'t>, name: &str) -> bool {
    let Some(text) = string_value(ctx.module, value) else {
        return false;
    };
    let text = text.trim();
    let squash = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let url_without_credentials =
        (text.starts_with('/') || text.contains("://")) && !text.contains('@');
    !text.is_empty()
        && !PLACEHOLDER.is_match(text)
        && squash(text) != squash(name)
        && !url_without_credentials
        && !text.contains(char::is_whitespace)
}
