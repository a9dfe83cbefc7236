//! XML external entities (CWE-611). Python's own parsers (`xml.etree`, `xml.dom.minidom`,
//! `xml.sax`) resolve no external entities since 3.7.1 unless told to
//! (`setFeature(feature_external_ges, True)`); lxml resolves them unless its parser is
//! built with `resolve_entities=False`; defusedxml never does. Python's own parsers still
//! expand entities declared inside the document (CWE-776, "billion laughs").

use super::syntax::is_true;
use super::value::kind;
use super::words::{STDLIB_XML, XML_PARSE};
use super::{Call, Ctx, Hit, hit_with, rules, sure_if};

pub(super) fn check_call<'t>(ctx: &Ctx<'_, 't>, call: &Call<'t>, hits: &mut Vec<Hit<'t>>) {
    let name = call.name.as_str();
    let args = &call.args;
    let (module, function) = name.rsplit_once('.').unwrap_or(("", name));
    let source = args
        .positional(0)
        .or(args.keyword("source"))
        .or(args.keyword("text"))
        .or(args.keyword("string"))
        .map(|n| ctx.val(n));
    let untrusted = source.as_ref().is_some_and(|v| v.risky(kind::DATA));
    let tainted = source.as_ref().is_some_and(|v| v.tainted(kind::DATA));
    let parser = args
        .keyword("parser")
        .or(args.positional(1))
        .map(|p| ctx.val(p));
    let stdlib = STDLIB_XML.contains(&module) && XML_PARSE.contains(&function);
    if stdlib && untrusted && !parser.as_ref().is_some_and(|p| p.entities) {
        hits.push(sure_if(
            tainted,
            hit_with(
                rules::XML_EXPANSION,
                call.node,
                format!("{name} parses untrusted XML without limits on entity expansion"),
            ),
        ));
    }
    let open = if stdlib {
        untrusted && parser.as_ref().is_some_and(|p| p.entities)
    } else if module == "lxml.etree" && XML_PARSE.contains(&function) {
        untrusted && parser.is_none()
    } else if module == "lxml.etree" && function == "XMLParser" {
        args.keyword("resolve_entities").is_some_and(is_true)
    } else if matches!(call.method, "parse" | "feed" | "parseString")
        && let Some(receiver) = call.receiver()
    {
        ctx.val(receiver).entities && untrusted
    } else {
        false
    };
    if open {
        hits.push(sure_if(
            tainted,
            hit_with(
                rules::XXE,
                call.node,
                format!("{name} parses XML with external entities resolved"),
            ),
        ));
    }
}
