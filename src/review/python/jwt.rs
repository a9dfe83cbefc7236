//! JSON Web Tokens accepted without checking their signature (CWE-347): `verify=False`,
//! `options={"verify_signature": False}`, or the `none` algorithm allowed.

use super::syntax::{FIELDS, KindOf, is_false, named_children, string_value};
use super::{Call, Ctx, Hit, hit_with, rules};

pub(super) fn check_call<'t>(ctx: &Ctx<'_, 't>, call: &Call<'t>, hits: &mut Vec<Hit<'t>>) {
    let name = call.name.as_str();
    if !matches!(
        name,
        "jwt.decode" | "jose.jwt.decode" | "jwt.api_jwt.decode" | "jwt.PyJWT.decode"
    ) {
        return;
    }
    let args = &call.args;
    let mut why = None;
    if args.keyword("verify").is_some_and(is_false) {
        why = Some("verify=False accepts a token whatever its signature");
    }
    if let Some(options) = args.keyword("options")
        && options.kind_of() == "dictionary"
        && named_children(options).iter().any(|pair| {
            pair.child_by_field_id(FIELDS.key)
                .and_then(|k| string_value(ctx.module, k))
                .is_some_and(|k| k == "verify_signature")
                && pair.child_by_field_id(FIELDS.value).is_some_and(is_false)
        })
    {
        why = Some("verify_signature=False accepts a token whatever its signature");
    }
    if let Some(algorithms) = args.keyword("algorithms")
        && named_children(algorithms)
            .iter()
            .any(|a| string_value(ctx.module, *a).is_some_and(|v| v.eq_ignore_ascii_case("none")))
    {
        why = Some("the \"none\" algorithm accepts an unsigned token");
    }
    if let Some(why) = why {
        hits.push(hit_with(rules::JWT, call.node, why.into()));
    }
}
