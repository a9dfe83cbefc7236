//! Injection: commands run by a shell (CWE-78), code evaluated (CWE-95), SQL built from
//! strings (CWE-89), LDAP filters (CWE-90) and XPath queries (CWE-643) built from request
//! data.

use super::syntax::{KindOf, is_true};
use super::value::kind;
use super::words::{EVAL, SHELL_ALWAYS, SQL_METHODS, SUBPROCESS};
use super::{Call, Ctx, Hit, hit, hit_with, rules, sure_if};

/// Methods that run an LDAP search, with the index of their filter argument.
const LDAP_SEARCHES: &[(&str, usize)] = &[
    ("search", 1),
    ("search_s", 2),
    ("search_st", 2),
    ("search_ext", 2),
    ("search_ext_s", 2),
    ("paged_search", 1),
];

pub(super) fn check_call<'t>(ctx: &Ctx<'_, 't>, call: &Call<'t>, hits: &mut Vec<Hit<'t>>) {
    let name = call.name.as_str();
    let args = &call.args;

    // Command injection.
    let command = args.positional(0).or(args.keyword("args"));
    if let Some(command) = command {
        let val = ctx.val(command);
        let shell = SHELL_ALWAYS.contains(&name)
            || (SUBPROCESS.contains(&name) && args.keyword("shell").is_some_and(is_true));
        if shell && val.risky(kind::SHELL) {
            hits.push(sure_if(
                val.tainted(kind::SHELL),
                hit_with(
                    rules::SHELL,
                    call.node,
                    format!("{name} runs a shell command built from non-constant input"),
                ),
            ));
        } else if SUBPROCESS.contains(&name) && val.shell_argv {
            hits.push(sure_if(
                val.tainted(kind::SHELL),
                hit_with(
                    rules::SHELL,
                    call.node,
                    format!("{name} runs a shell (-c) on a command built from non-constant input"),
                ),
            ));
        }
    }

    // Code evaluation.
    if EVAL.contains(&name)
        && let Some(code) = args.positional(0)
    {
        let val = ctx.val(code);
        if val.risky(kind::CODE) {
            hits.push(sure_if(
                val.tainted(kind::CODE),
                hit_with(
                    rules::EVAL,
                    call.node,
                    format!("{}() runs non-constant code", call.method),
                ),
            ));
        }
    }

    // SQL built from strings.
    let sql_call = (call.callee.kind_of() == "attribute" && SQL_METHODS.contains(&call.method))
        || matches!(name, "sqlalchemy.text" | "sqlalchemy.sql.text")
        || call.method == "extra";
    let query = args
        .positional(0)
        .or(args.keyword("sql"))
        .or(args.keyword("query"))
        .or(args.keyword("where"));
    if sql_call && let Some(query) = query {
        let val = ctx.val(query);
        let built = val.sql && val.text && val.risky(kind::SQL);
        // `extra(where=[...])` takes SQL fragments, whatever words they hold.
        let fragments = call.method == "extra" && val.text && val.risky(kind::SQL);
        if built || fragments {
            hits.push(sure_if(val.tainted(kind::SQL), hit(rules::SQL, call.node)));
        }
    }

    // LDAP filters.
    if let Some((_, index)) = LDAP_SEARCHES.iter().find(|(m, _)| *m == call.method)
        && call.callee.kind_of() == "attribute"
        && (name.to_ascii_lowercase().contains("ldap") || ctx.module.imports_ldap())
        && let Some(filter) = args
            .positional(*index)
            .or(args.keyword("search_filter"))
            .or(args.keyword("filterstr"))
        && ctx.val(filter).tainted(kind::LDAP)
    {
        hits.push(hit(rules::LDAP, call.node));
    }

    // XPath queries.
    let xpath = match (name, call.method) {
        (_, "xpath") if call.callee.kind_of() == "attribute" => args.positional(0),
        (n, _) if n.ends_with("etree.XPath") || n.ends_with("etree.ETXPath") => args.positional(0),
        ("elementpath.select" | "elementpath.iter_select", _) => args.positional(1),
        _ => None,
    };
    if let Some(query) = xpath
        && ctx.val(query).tainted(kind::XPATH)
    {
        hits.push(hit(rules::XPATH, call.node));
    }
}
