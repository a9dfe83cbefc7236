//! Server-side request forgery (CWE-918): an HTTP client sent to a URL made from request
//! data (`requests`, `httpx`, sessions and clients, `urllib`, boto3-style clients are not
//! URLs and are not matched).

use super::syntax::KindOf;
use super::value::kind;
use super::words::{HTTP_VERBS, URL_OPENERS};
use super::{Call, Ctx, Hit, hit, rules};

pub(super) fn check_call<'t>(ctx: &Ctx<'_, 't>, call: &Call<'t>, hits: &mut Vec<Hit<'t>>) {
    let name = call.name.as_str();
    let args = &call.args;
    let (module, function) = name.rsplit_once('.').unwrap_or(("", name));
    let library_call = matches!(module, "requests" | "httpx" | "urllib3" | "aiohttp")
        && (HTTP_VERBS.contains(&function) || function == "request");
    let session_call = call.callee.kind_of() == "attribute"
        && HTTP_VERBS.contains(&call.method)
        && call.receiver().is_some_and(|o| {
            let object = ctx.text(o).to_ascii_lowercase();
            ["session", "client", "http"]
                .iter()
                .any(|w| object.contains(w))
        });
    let url = if function == "request" && library_call {
        args.positional(1).or(args.keyword("url"))
    } else if library_call || session_call || URL_OPENERS.contains(&name) {
        args.positional(0).or(args.keyword("url"))
    } else {
        None
    };
    if url.is_some_and(|u| ctx.val(u).tainted(kind::URL)) {
        hits.push(hit(rules::SSRF, call.node));
    }
}
