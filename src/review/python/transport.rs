//! Transport: TLS verification switched off (CWE-295), cleartext protocols (CWE-319:
//! `http://` URLs to remote hosts, FTP, telnet, SMTP without STARTTLS), and HTTP calls
//! without a timeout (CWE-1088).

use tree_sitter::Node;

use super::syntax::{FIELDS, KindOf, is_false, string_value};
use super::words::{HTTP_CONSTRUCTORS, HTTP_LIBRARIES, HTTP_VERBS};
use super::{Call, Ctx, Hit, hit, hit_with, rules};

/// Clients of cleartext protocols.
const CLEARTEXT_CLIENTS: &[(&str, &str)] = &[
    (
        "ftplib.FTP",
        "FTP sends credentials and data in cleartext; use ftplib.FTP_TLS or SFTP",
    ),
    (
        "telnetlib.Telnet",
        "telnet sends everything in cleartext; use SSH",
    ),
];

pub(super) fn check_call<'t>(ctx: &Ctx<'_, 't>, call: &Call<'t>, hits: &mut Vec<Hit<'t>>) {
    let name = call.name.as_str();
    let method = call.method;
    let args = &call.args;
    let root = name.split('.').next().unwrap_or("");
    let http_call = HTTP_LIBRARIES.contains(&root)
        || HTTP_VERBS.contains(&method)
        || HTTP_CONSTRUCTORS.contains(&method);
    if http_call && args.keyword("verify").is_some_and(is_false) {
        hits.push(hit_with(
            rules::TLS,
            call.node,
            "verify=False turns off TLS certificate verification".into(),
        ));
    }
    if name == "ssl._create_unverified_context" {
        hits.push(hit(rules::TLS, call.node));
    }
    for value in args
        .positional
        .iter()
        .chain(args.keywords.iter().map(|(_, v)| v))
    {
        check_cert_none(ctx, *value, hits);
    }

    let (module, function) = name.rsplit_once('.').unwrap_or(("", name));
    let library_call = matches!(module, "requests" | "httpx" | "urllib3")
        && (HTTP_VERBS.contains(&function) || function == "request");
    if module == "requests"
        && library_call
        && args.keyword("timeout").is_none()
        && !args.spread_keywords
    {
        hits.push(hit_with(
            rules::TIMEOUT,
            call.node,
            format!("{name} without a timeout can hang forever"),
        ));
    }

    // Cleartext.
    let url = if function == "request" {
        args.positional(1).or(args.keyword("url"))
    } else if library_call || name == "urllib.request.urlopen" {
        args.positional(0).or(args.keyword("url"))
    } else {
        None
    };
    if let Some(url) = url
        && let Some(text) = string_value(ctx.module, url)
        && is_remote_http(&text)
    {
        hits.push(hit_with(
            rules::CLEARTEXT,
            call.node,
            "an http:// URL sends the request and its answer in cleartext".into(),
        ));
    }
    if let Some((_, why)) = CLEARTEXT_CLIENTS.iter().find(|(client, _)| *client == name) {
        hits.push(hit_with(rules::CLEARTEXT, call.node, why.to_string()));
    }
    if name == "smtplib.SMTP" && !ctx.module.source.contains("starttls") {
        hits.push(hit_with(
            rules::CLEARTEXT,
            call.node,
            "SMTP without starttls() sends mail and credentials in cleartext".into(),
        ));
    }
}

/// An `http://` URL to a host other than this machine.
fn is_remote_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest
        .split(['/', ':', '?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    !(host.is_empty()
        || host == "localhost"
        || host.starts_with("127.")
        || host == "0.0.0.0"
        || host.starts_with('[')
        || host.ends_with(".local")
        || host.ends_with(".internal")
        || host.ends_with(".localhost")
        || host.contains('{'))
}

fn check_cert_none<'t>(ctx: &Ctx<'_, 't>, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
    let name = match node.kind_of() {
        "attribute" => node
            .child_by_field_id(FIELDS.attribute)
            .map(|a| ctx.text(a)),
        "identifier" => Some(ctx.text(node)),
        _ => None,
    };
    if name == Some("CERT_NONE") {
        hits.push(hit_with(
            rules::TLS,
            node,
            "ssl.CERT_NONE accepts any certificate".into(),
        ));
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
    check_cert_none(ctx, right, hits);
    let target = match left.kind_of() {
        "attribute" => left
            .child_by_field_id(FIELDS.attribute)
            .map(|a| ctx.text(a)),
        "identifier" => Some(ctx.text(left)),
        _ => None,
    };
    if target == Some("check_hostname") && is_false(right) {
        hits.push(hit_with(
            rules::TLS,
            node,
            "check_hostname = False accepts a certificate for any host".into(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::is_remote_http;

    #[test]
    fn local_http_is_not_cleartext_to_a_remote_host() {
        assert!(is_remote_http("http://api.example.com/v1"));
        assert!(!is_remote_http("http://localhost:8080/"));
        assert!(!is_remote_http("http://127.0.0.1/"));
        assert!(!is_remote_http("https://api.example.com/"));
    }
}
