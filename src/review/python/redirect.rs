//! Open redirect (CWE-601): a redirect to a URL taken from request data, unchecked.

use super::value::kind;
use super::{Call, Ctx, Hit, hit, rules};

const REDIRECTS: &[&str] = &[
    "flask.redirect",
    "werkzeug.utils.redirect",
    "django.shortcuts.redirect",
    "django.http.HttpResponseRedirect",
    "django.http.HttpResponsePermanentRedirect",
    "starlette.responses.RedirectResponse",
    "fastapi.responses.RedirectResponse",
    "pyramid.httpexceptions.HTTPFound",
    "redirect",
    "HttpResponseRedirect",
    "RedirectResponse",
    "HTTPFound",
];

pub(super) fn check_call<'t>(ctx: &Ctx<'_, 't>, call: &Call<'t>, hits: &mut Vec<Hit<'t>>) {
    if !REDIRECTS.contains(&call.name.as_str()) {
        return;
    }
    let args = &call.args;
    let url = args
        .positional(0)
        .or(args.keyword("location"))
        .or(args.keyword("url"))
        .or(args.keyword("redirect_to"));
    if url.is_some_and(|u| ctx.val(u).tainted(kind::URL)) {
        hits.push(hit(rules::REDIRECT, call.node));
    }
}
