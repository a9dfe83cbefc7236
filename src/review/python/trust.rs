//! Trust boundary (CWE-501): request data stored in the session, where later code trusts it
//! as the server's own.

use tree_sitter::Node;

use super::syntax::{FIELDS, KindOf};
use super::{Call, Ctx, Hit, hit, rules};

/// Whether an expression is the web framework's session.
fn is_session(ctx: &Ctx<'_, '_>, node: Node<'_>) -> bool {
    let text = ctx.text(node);
    let qualified = ctx.module.qualified(node).unwrap_or_default();
    matches!(
        qualified.as_str(),
        "flask.session" | "quart.session" | "bottle.request.session"
    ) || text.ends_with("request.session")
}

pub(super) fn check_assignment<'t>(ctx: &Ctx<'_, 't>, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
    let (Some(left), Some(right)) = (
        node.child_by_field_id(FIELDS.left),
        node.child_by_field_id(FIELDS.right),
    ) else {
        return;
    };
    if left.kind_of() != "subscript" {
        return;
    }
    let (Some(object), Some(key)) = (
        left.child_by_field_id(FIELDS.value),
        left.child_by_field_id(FIELDS.subscript),
    ) else {
        return;
    };
    if is_session(ctx, object) && (ctx.val(right).taint != 0 || ctx.val(key).taint != 0) {
        hits.push(hit(rules::TRUST, node));
    }
}

pub(super) fn check_call<'t>(ctx: &Ctx<'_, 't>, call: &Call<'t>, hits: &mut Vec<Hit<'t>>) {
    if !matches!(call.method, "update" | "setdefault" | "__setitem__") {
        return;
    }
    let Some(receiver) = call.receiver() else {
        return;
    };
    let args = &call.args;
    let tainted = args
        .positional
        .iter()
        .chain(args.keywords.iter().map(|(_, v)| v))
        .any(|a| ctx.val(*a).taint != 0);
    if is_session(ctx, receiver) && tainted {
        hits.push(hit(rules::TRUST, call.node));
    }
}
