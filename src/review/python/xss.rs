//! Cross-site scripting (CWE-79): request data written into an HTML response unescaped (a
//! route returning text built from it, `make_response`, `HttpResponse`), templates rendered
//! from request data (`render_template_string`), text marked safe (`Markup`, `mark_safe`),
//! and Jinja2 environments without autoescaping.

use tree_sitter::Node;

use super::syntax::{KindOf, is_false, named_children};
use super::value::{Val, kind};
use super::words::MARK_SAFE;
use super::{Call, Ctx, Hit, hit, hit_with, rules, sure_if};

/// Response constructors whose first argument is the body.
const RESPONSES: &[&str] = &[
    "flask.make_response",
    "make_response",
    "flask.Response",
    "werkzeug.wrappers.Response",
    "django.http.HttpResponse",
    "HttpResponse",
    "starlette.responses.HTMLResponse",
    "fastapi.responses.HTMLResponse",
    "HTMLResponse",
    "pyramid.response.Response",
];

const TEMPLATE_STRINGS: &[&str] = &[
    "flask.render_template_string",
    "render_template_string",
    "jinja2.Template",
    "django.template.Template",
];

pub(super) fn check_call<'t>(ctx: &Ctx<'_, 't>, call: &Call<'t>, hits: &mut Vec<Hit<'t>>) {
    let name = call.name.as_str();
    let args = &call.args;
    if matches!(
        name,
        "jinja2.Environment" | "jinja2.environment.Environment"
    ) {
        let autoescape = args.keyword("autoescape");
        if autoescape.is_some_and(is_false) || (autoescape.is_none() && !args.spread_keywords) {
            hits.push(hit(rules::AUTOESCAPE, call.node));
        }
    }

    if MARK_SAFE.contains(&name)
        && let Some(text) = args.positional(0)
    {
        let val = ctx.val(text);
        if val.risky(kind::HTML) {
            hits.push(sure_if(
                val.tainted(kind::HTML),
                hit_with(
                    rules::MARK_SAFE,
                    call.node,
                    format!("{name} marks non-constant text safe; it will not be escaped"),
                ),
            ));
        }
    }

    if TEMPLATE_STRINGS.contains(&name)
        && args
            .positional(0)
            .or(args.keyword("source"))
            .is_some_and(|t| ctx.val(t).tainted(kind::HTML))
    {
        hits.push(hit_with(
            rules::XSS,
            call.node,
            format!("{name} renders a template made from request data (template injection)"),
        ));
    }

    if RESPONSES.contains(&name)
        && let Some(body) = args.positional(0).or(args.keyword("response"))
        && unescaped_html(&body_of(ctx, body))
    {
        hits.push(hit_with(
            rules::XSS,
            call.node,
            "request data is written into the response unescaped".into(),
        ));
    }
}

/// The body of a response argument: `(body, status, headers)` tuples give their first.
fn body_of(ctx: &Ctx<'_, '_>, node: Node<'_>) -> Val {
    let inner = match node.kind_of() {
        "tuple" | "parenthesized_expression" => named_children(node).first().copied(),
        _ => None,
    };
    match inner {
        Some(first) if node.kind_of() == "tuple" => ctx.val(first),
        Some(first) if first.kind_of() == "tuple" => body_of(ctx, first),
        _ => ctx.val(node),
    }
}

fn unescaped_html(val: &Val) -> bool {
    val.tainted(kind::HTML) && val.text
}

/// Routes returning text built from request data.
pub(super) fn check_route_returns<'t>(ctx: &Ctx<'_, 't>, hits: &mut Vec<Hit<'t>>) {
    for value in &ctx.flow.route_returns {
        let val = body_of(ctx, *value);
        if unescaped_html(&val) {
            hits.push(hit_with(
                rules::XSS,
                *value,
                "the route returns request data as HTML, unescaped".into(),
            ));
        }
    }
}
