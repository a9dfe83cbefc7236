//! Secret redaction: what may not leave the machine for a model.
//!
//! Before a prompt is sent, private key blocks, cloud and API tokens, passwords and
//! secrets in assignments and URLs, and generated-looking values under secret-looking
//! names are replaced by `<redacted:kind>` (`rules.rs` is the table). Line breaks inside a
//! replaced span are kept, so every line keeps its number and findings still point at the
//! right line. Files that are secrets as a whole (`.env`, key files, the configured deny
//! list) are not sent at all: `config::DenyList`.
//!
//! Redaction is a guard against leaks, not a proof of their absence: it knows shapes and
//! names, not meanings. Matches that are placeholders (`<your password here>`,
//! `xxxxxxxx`, `${DB_PASSWORD}`) or code (`os.environ["X"]`) are left alone, because a
//! prompt stripped of ordinary code is worth less and hides nothing.

mod carry;
mod entropy;
mod rules;

use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;

use crate::config::{AgentConfig, PrivacyConfig};

pub use carry::FileSecrets;

/// Text with its secrets replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redacted {
    /// The text, with as many lines as the original.
    pub text: String,
    /// What was replaced: the rule's kind and the 1-based line the secret started on, in
    /// line order.
    pub found: Vec<(&'static str, usize)>,
}

static COMPILED: LazyLock<Vec<(&'static rules::Rule, Regex)>> = LazyLock::new(|| {
    rules::RULES
        .iter()
        .map(|rule| {
            // ASCII word boundaries: the shapes they bound are ASCII, and a Unicode `\b`
            // keeps the fast engines off (it costs a Unicode class lookup per boundary).
            // Next to a non-ASCII letter an ASCII boundary matches where a Unicode one
            // would not: a redactor may err that way.
            let pattern = rule.pattern.replace(r"\b", r"(?-u:\b)");
            let regex = Regex::new(&pattern).expect("the rule patterns compile (unit-tested)");
            (rule, regex)
        })
        .collect()
});

/// Replaces every secret in `text` by `<redacted:kind>`.
pub fn redact(text: &str) -> Redacted {
    let mut text = text.to_string();
    let mut found = Vec::new();
    for (rule, regex) in COMPILED.iter() {
        text = apply(rule, regex, &text, &mut found);
    }
    found.sort_by_key(|&(_, line)| line);
    Redacted { text, found }
}

/// Whether a prompt for `agent` must be redacted: always when it leaves the machine; for an
/// endpoint on this machine unless the configuration says `redact_local: false`.
pub fn required(agent: &AgentConfig, privacy: &PrivacyConfig) -> bool {
    privacy.redact_local || !is_loopback(&agent.api_base)
}

/// Whether context cut from files must be redacted before it is cut (`FileSecrets`): when
/// any agent's prompts are redacted — a job may fall back from one agent to another.
pub fn required_for_context(config: &crate::config::Config) -> bool {
    let agents = &config.agents;
    [
        &agents.sisyphus,
        &agents.hephaestus,
        &agents.oracle,
        &agents.librarian,
    ]
    .into_iter()
    .any(|agent| required(agent, &config.privacy))
}

/// Whether `api_base` is on this machine: `localhost`, 127.0.0.0/8 or ::1. Anything else,
/// a private network address included, is another machine.
pub fn is_loopback(api_base: &str) -> bool {
    let Ok(url) = url::Url::parse(api_base) else {
        return false;
    };
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// One rule over the text: each match that passes the rule's test is replaced.
fn apply(
    rule: &rules::Rule,
    regex: &Regex,
    text: &str,
    found: &mut Vec<(&'static str, usize)>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut line = 1;
    let mut counted = 0;
    let mut at = 0;
    while let Some(caps) = regex.captures_at(text, at) {
        let whole = caps.get(0).expect("group 0 is the match");
        match rule.test.check(&caps, text) {
            Some(span) => {
                line += text[counted..span.start].matches('\n').count();
                counted = span.start;
                found.push((rule.kind, line));
                out.push_str(&text[copied..span.start]);
                out.push_str(&marker(rule.kind, &text[span.clone()]));
                copied = span.end;
                at = whole.end().max(span.end);
            }
            // Not a secret: look again after the name (an assignment's value may hold one,
            // like a URL's query string), or one character on.
            None => {
                at = match caps.name("key") {
                    Some(key) => key.end(),
                    None => {
                        whole.start()
                            + text[whole.start()..]
                                .chars()
                                .next()
                                .map_or(1, char::len_utf8)
                    }
                };
            }
        }
        if at >= text.len() {
            break;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// `<redacted:kind>` followed by the line breaks of what it replaces, exactly (`\r\n`, `\n`
/// or a lone `\r`), so the line count and line endings stay as they were.
fn marker(kind: &str, replaced: &str) -> String {
    let mut marker = format!("<redacted:{kind}>");
    marker.extend(replaced.chars().filter(|c| matches!(c, '\r' | '\n')));
    marker
}

#[cfg(test)]
mod shapes;
#[cfg(test)]
mod tests;
