//! Web configuration: debug mode on (CWE-489), any Host accepted (CWE-183), all interfaces
//! bound (CWE-1327), cookies without `Secure` (CWE-614) or `HttpOnly` (CWE-1004), CSRF
//! protection switched off (CWE-352) — in Flask, Django settings and decorators.

use tree_sitter::Node;

use super::syntax::{
    FIELDS, KindOf, is_false, is_true, named_children, string_literal, string_value,
};
use super::words::{BIND_KEYWORDS, SERVER_METHODS};
use super::{Call, Ctx, Hit, hit, hit_with, rules};

/// Settings that switch a cookie's `Secure` flag.
const SECURE_SETTINGS: &[&str] = &[
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
    "REMEMBER_COOKIE_SECURE",
];
/// Settings that switch a cookie's `HttpOnly` flag.
const HTTPONLY_SETTINGS: &[&str] = &[
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY",
    "REMEMBER_COOKIE_HTTPONLY",
];
/// Settings that switch CSRF protection.
const CSRF_SETTINGS: &[&str] = &["WTF_CSRF_ENABLED", "CSRF_ENABLED", "WTF_CSRF_CHECK_DEFAULT"];

pub(super) fn check_call<'t>(ctx: &Ctx<'_, 't>, call: &Call<'t>, hits: &mut Vec<Hit<'t>>) {
    let method = call.method;
    let args = &call.args;
    if SERVER_METHODS.contains(&method) && args.keyword("debug").is_some_and(is_true) {
        hits.push(hit_with(
            rules::DEBUG,
            call.node,
            format!("{method}(debug=True) serves the debugger to anyone who can connect"),
        ));
    }

    let all_interfaces = |n: Node<'t>| string_value(ctx.module, n).as_deref() == Some("0.0.0.0");
    // `host=os.getenv("HOST", "0.0.0.0")` binds all interfaces by default.
    let defaults_to_all = |n: Node<'t>| {
        all_interfaces(n)
            || (n.kind_of() == "call"
                && n.child_by_field_id(FIELDS.arguments)
                    .is_some_and(|a| named_children(a).into_iter().any(all_interfaces)))
    };
    let binds_all = args
        .keywords
        .iter()
        .any(|(k, v)| BIND_KEYWORDS.contains(k) && defaults_to_all(*v))
        || (method == "bind"
            && args.positional(0).is_some_and(|address| {
                all_interfaces(address)
                    || (address.kind_of() == "tuple"
                        && named_children(address)
                            .first()
                            .is_some_and(|h| all_interfaces(*h)))
            }))
        || (SERVER_METHODS.contains(&method) && args.positional.iter().any(|a| all_interfaces(*a)));
    if binds_all {
        hits.push(hit(rules::BIND_ALL, call.node));
    }

    // Cookies set without their flags.
    if method == "set_cookie" && call.callee.kind_of() == "attribute" {
        if args.keyword("secure").is_some_and(is_false) {
            hits.push(hit_with(
                rules::COOKIE_SECURE,
                call.node,
                "secure=False sends the cookie over plain HTTP too".into(),
            ));
        }
        if args.keyword("httponly").is_some_and(is_false) {
            hits.push(hit_with(
                rules::COOKIE_HTTPONLY,
                call.node,
                "httponly=False lets page scripts read the cookie".into(),
            ));
        }
    }

    // `app.config.update(WTF_CSRF_ENABLED=False, SESSION_COOKIE_SECURE=False)`.
    if method == "update" {
        for (key, value) in &args.keywords {
            setting(key, *value, *value, hits);
        }
    }
}

/// `@csrf_exempt`, `@csrf.exempt`.
pub(super) fn check_decorator<'t>(ctx: &Ctx<'_, 't>, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
    let Some(mut expression) = named_children(node)
        .into_iter()
        .find(|c| c.kind_of() != "comment")
    else {
        return;
    };
    if expression.kind_of() == "call"
        && let Some(function) = expression.child_by_field_id(FIELDS.function)
    {
        expression = function;
    }
    let name = ctx.module.qualified(expression).unwrap_or_default();
    let last = name.rsplit('.').next().unwrap_or("");
    if last == "csrf_exempt" || (last == "exempt" && name.to_ascii_lowercase().contains("csrf")) {
        hits.push(hit(rules::CSRF, node));
    }
}

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
    let Some(target) = target else {
        return;
    };

    let at_module_level = ctx.module.function_of(node).is_none();
    let debug_on = is_true(right)
        && match left.kind_of() {
            "identifier" => target == "DEBUG" && at_module_level,
            "attribute" => target == "debug",
            _ => target == "DEBUG",
        };
    if debug_on {
        hits.push(hit(rules::DEBUG, node));
    }
    if target == "ALLOWED_HOSTS"
        && matches!(right.kind_of(), "list" | "tuple")
        && named_children(right)
            .iter()
            .any(|h| string_value(ctx.module, *h).as_deref() == Some("*"))
    {
        hits.push(hit(rules::HOSTS, node));
    }
    setting(target, right, node, hits);
}

/// A cookie or CSRF setting switched off.
fn setting<'t>(name: &str, value: Node<'t>, at: Node<'t>, hits: &mut Vec<Hit<'t>>) {
    if !is_false(value) {
        return;
    }
    if SECURE_SETTINGS.contains(&name) {
        hits.push(hit_with(
            rules::COOKIE_SECURE,
            at,
            format!("{name} = False sends the cookie over plain HTTP too"),
        ));
    } else if HTTPONLY_SETTINGS.contains(&name) {
        hits.push(hit_with(
            rules::COOKIE_HTTPONLY,
            at,
            format!("{name} = False lets page scripts read the cookie"),
        ));
    } else if CSRF_SETTINGS.contains(&name) {
        hits.push(hit_with(
            rules::CSRF,
            at,
            format!("{name} = False switches CSRF protection off"),
        ));
    }
}
