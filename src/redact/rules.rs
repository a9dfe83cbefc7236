//! The rules: one row per kind of secret, in the order they run, and the tests a match must
//! pass before it is replaced.
//!
//! Token shapes come first, so a token inside an assignment is named by what it is
//! (`openai_key`, not `secret`); a value already replaced reads as a placeholder to every
//! later row, so nothing is counted twice. The assignment rows come last and share one
//! pattern; the name decides which of them a value belongs to.

use std::ops::Range;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::entropy;

/// One kind of secret.
pub(super) struct Rule {
    /// The name in `<redacted:kind>`.
    pub kind: &'static str,
    /// What it looks like. The group named `secret` (or, for assignments, the value) is
    /// what gets replaced.
    pub pattern: &'static str,
    pub test: Test,
}

/// What a match must also be to count.
#[derive(Clone, Copy, Debug)]
pub(super) enum Test {
    /// A whole key block, or the start of one cut off by the end of the text.
    PrivateKey,
    /// A token of a known shape: anything but a placeholder, and with a digit (a generated
    /// token this long all but always has one; prose like `sk-not-a-real-key-here` has none).
    Token,
    /// A token whose body may be letters only (Hugging Face's): anything but a
    /// placeholder, with a digit or with both cases.
    Prefixed,
    /// A credential in a URL: anything but a placeholder or a template.
    Credential,
    /// The value of a password-like name (`password`, `DB_PASS`, `passphrase`).
    Password,
    /// The value of a secret-like name (`secret`, `api_key`, `access_token`, `clientSecret`),
    /// `MIN_SECRET_CHARS` or longer: shorter values under such names are enum words
    /// (`token = "EOF"`), not credentials.
    Secret,
    /// The value of a name that only suggests a secret (`key`, `salt`, `signature`,
    /// `password_hash`), when it looks generated (see `entropy`).
    HighEntropy,
}

const PRIVATE_KEY: &str = concat!(
    r"(?P<secret>",
    // A whole block: the body holds only what key bodies hold (base64, line breaks, the
    // `\n` of JSON strings, PEM headers, string quotes), so it never runs across code or
    // across a fence into the next piece of context.
    r#"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\s\\:,.\-"'|]*?"#,
    r"-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----",
    // A block cut off before its end (context truncated mid-key): the header and the
    // key-shaped text after it.
    r#"|-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\s\\:,.\-"'|]*"#,
    r")"
);

/// `name = value`, `name: value`, `"name": "value"`, `name := value`, `name: Type = value`;
/// the value quoted (`dq`, `sq`, `bq`) or bare.
const ASSIGNMENT: &str = concat!(
    r"(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)",
    r#"["']?[ \t]*"#,
    r"(?::[ \t]*&?[A-Za-z_][A-Za-z0-9_<>\[\]]*[ \t]*)?",
    r"(?::=|=>|==|!=|=|:)[ \t]*",
    r#"(?:"(?P<dq>(?:[^"\\\n]|\\.)*)""#,
    r"|'(?P<sq>(?:[^'\\\n]|\\.)*)'",
    r"|`(?P<bq>[^`\n]*)`",
    r#"|(?P<bare>[^\s"'`&;,]+))"#,
);

/// The table, in the order the rules run.
pub(super) const RULES: &[Rule] = &[
    Rule {
        kind: "private_key",
        pattern: PRIVATE_KEY,
        test: Test::PrivateKey,
    },
    // Before `authorization`: a bearer token that is a JWT is named as one.
    Rule {
        kind: "jwt",
        pattern: r"\b(?P<secret>eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})",
        test: Test::Token,
    },
    Rule {
        kind: "aws_access_key",
        pattern: r"\b(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b",
        test: Test::Token,
    },
    Rule {
        kind: "github_token",
        pattern: r"\b(?P<secret>gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
        test: Test::Token,
    },
    Rule {
        kind: "gitlab_token",
        pattern: r"\b(?P<secret>gl(?:pat|dt|rt|ptt|cbt|ft|soat)-[A-Za-z0-9_\-]{20,})",
        test: Test::Token,
    },
    Rule {
        kind: "slack_webhook",
        pattern: r"(?P<secret>https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_\-]{20,})",
        test: Test::Token,
    },
    // Bot, user, app-level, config (`xoxe.xoxp-…`) and refresh (`xoxe-…`) tokens.
    Rule {
        kind: "slack_token",
        pattern: r"\b(?P<secret>(?:xoxe\.)?xox[abposre]-[A-Za-z0-9\-]{10,}|xapp-\d-[A-Za-z0-9\-]{10,})",
        test: Test::Token,
    },
    // Secret and restricted keys, live and test (test keys read test-mode data), and
    // webhook signing secrets; publishable `pk_` keys are public and stay.
    Rule {
        kind: "stripe_key",
        pattern: r"\b(?P<secret>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{24,})\b",
        test: Test::Token,
    },
    // Before `openai_key`, whose legacy shape `sk-…` would also match.
    Rule {
        kind: "anthropic_key",
        pattern: r"\b(?P<secret>sk-ant-[A-Za-z0-9_\-]{20,})",
        test: Test::Token,
    },
    Rule {
        kind: "openai_key",
        pattern: r"\b(?P<secret>sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{20,}|sk-[A-Za-z0-9]{20,})",
        test: Test::Token,
    },
    Rule {
        kind: "gcp_api_key",
        pattern: r"\b(?P<secret>AIza[0-9A-Za-z_\-]{35})",
        test: Test::Token,
    },
    Rule {
        kind: "gcp_client_secret",
        pattern: r"\b(?P<secret>GOCSPX-[A-Za-z0-9_\-]{28})",
        test: Test::Token,
    },
    // Tokens whose prefix alone says what they are (the gitleaks rule families).
    Rule {
        kind: "huggingface_token",
        pattern: r"\b(?P<secret>hf_[A-Za-z0-9]{30,40}|api_org_[A-Za-z0-9]{30,40})\b",
        test: Test::Prefixed,
    },
    Rule {
        kind: "sendgrid_key",
        pattern: r"\b(?P<secret>SG\.[A-Za-z0-9_\-]{20,24}\.[A-Za-z0-9_\-]{39,50})",
        test: Test::Token,
    },
    Rule {
        kind: "npm_token",
        pattern: r"\b(?P<secret>npm_[A-Za-z0-9]{36})\b",
        test: Test::Token,
    },
    Rule {
        kind: "pypi_token",
        pattern: r"\b(?P<secret>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})",
        test: Test::Token,
    },
    Rule {
        kind: "digitalocean_token",
        pattern: r"\b(?P<secret>do[opr]_v1_[a-f0-9]{64})\b",
        test: Test::Token,
    },
    Rule {
        kind: "shopify_token",
        pattern: r"\b(?P<secret>shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b",
        test: Test::Token,
    },
    // API key SIDs; account SIDs (`AC…`) identify, they do not authenticate.
    Rule {
        kind: "twilio_key",
        pattern: r"\b(?P<secret>SK[0-9a-fA-F]{32})\b",
        test: Test::Token,
    },
    Rule {
        kind: "discord_token",
        pattern: r"\b(?P<secret>[MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,40})\b",
        test: Test::Token,
    },
    Rule {
        kind: "discord_webhook",
        pattern: r"(?P<secret>https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_\-]{60,})",
        test: Test::Token,
    },
    Rule {
        kind: "telegram_bot_token",
        pattern: r"\b(?P<secret>\d{8,10}:AA[A-Za-z0-9_\-]{33})",
        test: Test::Token,
    },
    // Storage account keys in connection strings, and Entra ID (Azure AD) client secrets.
    Rule {
        kind: "azure_key",
        pattern: r"(?i:accountkey|sharedaccesskey)=(?P<secret>[A-Za-z0-9+/]{40,}={0,2})|\b(?P<secret2>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})",
        test: Test::Token,
    },
    Rule {
        kind: "mailgun_key",
        pattern: r"\b(?P<secret>key-[0-9a-f]{32})\b",
        test: Test::Token,
    },
    Rule {
        kind: "databricks_token",
        pattern: r"\b(?P<secret>dapi[a-f0-9]{32}(?:-\d)?)\b",
        test: Test::Token,
    },
    Rule {
        kind: "atlassian_token",
        pattern: r"\b(?P<secret>ATATT3[A-Za-z0-9_\-=]{180,})",
        test: Test::Token,
    },
    Rule {
        kind: "grafana_token",
        pattern: r"\b(?P<secret>gl(?:sa|c)_[A-Za-z0-9_=+/]{32,})",
        test: Test::Token,
    },
    Rule {
        kind: "linear_key",
        pattern: r"\b(?P<secret>lin_api_[A-Za-z0-9]{40})\b",
        test: Test::Token,
    },
    Rule {
        kind: "postman_key",
        pattern: r"\b(?P<secret>PMAK-[a-f0-9]{24}-[a-f0-9]{34})\b",
        test: Test::Token,
    },
    Rule {
        kind: "newrelic_key",
        pattern: r"\b(?P<secret>NRAK-[A-Z0-9]{27})\b",
        test: Test::Token,
    },
    Rule {
        kind: "authorization",
        pattern: r#"(?i)\bauthorization["']?\s*[:=]\s*["']?(?:bearer|basic|token)\s+(?P<secret>[A-Za-z0-9._~+/=\-]{8,})"#,
        test: Test::Token,
    },
    // `scheme://user:password@host`: the password goes, the user stays.
    Rule {
        kind: "url_password",
        // Up to the last `@` before the path: a password may hold `@` (`P@ssw0rd`).
        pattern: r#"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/?#@"'<>]*:(?P<secret>[^\s/?#"'<>]+)@"#,
        test: Test::Credential,
    },
    Rule {
        kind: "password",
        pattern: ASSIGNMENT,
        test: Test::Password,
    },
    Rule {
        kind: "secret",
        pattern: ASSIGNMENT,
        test: Test::Secret,
    },
    Rule {
        kind: "high_entropy",
        pattern: ASSIGNMENT,
        test: Test::HighEntropy,
    },
];

/// Shorter values under secret-like names are enum words, not credentials.
const MIN_SECRET_CHARS: usize = 8;
/// A key block cut off before its end still counts with this much key text after the
/// header; a bare mention of the header (a PEM parser's constant) does not.
const MIN_TRUNCATED_KEY_CHARS: usize = 64;

/// Names whose value is a password.
const PASSWORD_WORDS: &[&str] = &["password", "passwd", "pass", "passphrase"];
/// Names whose value is a secret. The fused forms are how some code spells them.
const SECRET_WORDS: &[&str] = &[
    "secret",
    "token",
    "credential",
    "credentials",
    "apikey",
    "secretkey",
    "accesskey",
    "privatekey",
    "authtoken",
    "accesstoken",
];
/// `…_key` names whose value is a secret; other keys (`sort_key`, `cache_key`) only
/// suggest one.
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "signing",
    "encryption",
    "master",
    "auth",
    "client",
    "hmac",
];
/// Last words that suggest a secret without proving one.
const SUGGESTIVE_WORDS: &[&str] = &["key", "auth", "salt", "seed", "signature", "cookie"];

/// The lead of a line before a name in a configuration file: indentation, a fence's line
/// number, `export`, a YAML list dash, a quote.
static LINE_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^[ \t]*(?:\d+ \| )?[ \t]*(?:export[ \t]+|-[ \t]+)?["']?$"#)
        .expect("the line lead pattern is valid")
});

impl Test {
    /// The span to replace, if the match is a secret.
    pub(super) fn check(self, caps: &Captures, text: &str) -> Option<Range<usize>> {
        match self {
            Test::PrivateKey => {
                let block = caps.name("secret")?;
                is_key_block(block.as_str()).then(|| block.range())
            }
            Test::Prefixed => {
                let token = caps.name("secret")?;
                let value = token.as_str();
                let mixed = value.chars().any(|c| c.is_ascii_uppercase())
                    && value.chars().any(|c| c.is_ascii_lowercase());
                let digit = value.chars().any(|c| c.is_ascii_digit());
                (!is_placeholder(value) && (digit || mixed)).then(|| token.range())
            }
            Test::Token => {
                let token = caps.name("secret").or_else(|| caps.name("secret2"))?;
                let value = token.as_str();
                (!is_placeholder(value) && value.chars().any(|c| c.is_ascii_digit()))
                    .then(|| token.range())
            }
            Test::Credential => {
                let secret = caps.name("secret")?;
                let value = secret.as_str();
                (!is_placeholder(value) && !is_reference(value)).then(|| secret.range())
            }
            Test::Password | Test::Secret | Test::HighEntropy => self.assignment(caps, text),
        }
    }

    fn assignment(self, caps: &Captures, text: &str) -> Option<Range<usize>> {
        let key = caps.name("key")?;
        let wanted = match classify(key.as_str()) {
            Name::Password => matches!(self, Test::Password),
            Name::Secret => matches!(self, Test::Secret),
            Name::Suggestive => matches!(self, Test::HighEntropy),
            Name::Other => false,
        };
        if !wanted {
            return None;
        }
        let (value, bare) = match ["dq", "sq", "bq"].iter().find_map(|g| caps.name(g)) {
            Some(quoted) => (quoted, false),
            None => (caps.name("bare")?, true),
        };
        // A YAML or INI line's value runs to the end of the line: `password: correct horse`.
        let value_range = match bare {
            true => whole_line_value(key.range(), value.range(), text).unwrap_or(value.range()),
            false => value.range(),
        };
        let v = &text[value_range.clone()];
        if is_placeholder(v) || is_reference(v) || is_number(v) {
            return None;
        }
        if bare && (is_code(v) || !stands_alone(key.range(), value_range.clone(), text)) {
            return None;
        }
        let secret = match self {
            Test::Password => true,
            Test::Secret => MIN_SECRET_CHARS <= v.chars().count(),
            _ => entropy::looks_random(v) && !is_uuid(v),
        };
        secret.then_some(value_range)
    }
}

/// A key block, or the start of one with enough key text to be more than a mention.
fn is_key_block(block: &str) -> bool {
    if block.contains("-----END") {
        return true;
    }
    let body = block.splitn(3, "-----").nth(2).unwrap_or("");
    let key_chars = body
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/'))
        .count();
    MIN_TRUNCATED_KEY_CHARS <= key_chars
}

/// What a name says about its value.
#[derive(Debug, PartialEq)]
enum Name {
    Password,
    Secret,
    Suggestive,
    Other,
}

/// By its last word (`DB_PASSWORD`, `aws_secret_access_key`, `clientSecret`); a name that
/// only mentions a secret word elsewhere (`password_hash`, `token_value`) is suggestive.
fn classify(name: &str) -> Name {
    let words = words(name);
    let Some(last) = words.last().map(String::as_str) else {
        return Name::Other;
    };
    let previous = words.len().checked_sub(2).map(|i| words[i].as_str());
    if PASSWORD_WORDS.contains(&last) {
        return Name::Password;
    }
    if SECRET_WORDS.contains(&last)
        || (last == "key" && previous.is_some_and(|p| KEY_QUALIFIERS.contains(&p)))
    {
        return Name::Secret;
    }
    // A public key is public whatever its value looks like.
    if words.iter().any(|w| w == "public" || w == "pub") {
        return Name::Other;
    }
    let mentions_secret = words
        .iter()
        .any(|w| PASSWORD_WORDS.contains(&w.as_str()) || SECRET_WORDS.contains(&w.as_str()));
    if SUGGESTIVE_WORDS.contains(&last) || mentions_secret {
        Name::Suggestive
    } else {
        Name::Other
    }
}

/// The words of a name, lower-case: split at punctuation, at camelCase and acronym
/// boundaries (`APIKey` → api, key) and around digits, which are dropped (`key2` → key).
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            words.push(std::mem::take(&mut current));
            continue;
        }
        let previous = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1);
        let boundary = previous.is_some_and(|p| {
            p.is_ascii_alphanumeric()
                && ((p.is_ascii_lowercase() && c.is_ascii_uppercase())
                    || (p.is_ascii_uppercase()
                        && c.is_ascii_uppercase()
                        && next.is_some_and(|n| n.is_ascii_lowercase()))
                    || p.is_ascii_digit() != c.is_ascii_digit())
        });
        if boundary {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
    }
    words.push(current);
    words.retain(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()));
    words
}

/// A value written to be replaced: `<your password here>`, `xxxxxxxx`, `your-api-key`,
/// `changeme`, the name itself (`password`), or an earlier rule's `<redacted:…>`.
fn is_placeholder(value: &str) -> bool {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    let mut chars = value.chars();
    let first = chars.next();
    value.is_empty()
        || chars.all(|c| Some(c) == first)
        || (value.contains('<') && value.contains('>'))
        || lower.starts_with("your")
        || [
            "xxxx",
            "****",
            "...",
            "example",
            "placeholder",
            "changeme",
            "change_me",
            "redacted",
        ]
        .iter()
        .any(|p| lower.contains(p))
        || [
            "password", "passwd", "pass", "secret", "token", "apikey", "api_key", "key",
        ]
        .contains(&lower.as_str())
}

/// A value that names where the secret comes from instead of holding it: `$VAR`,
/// `${VAR}`, `{{ .Values.x }}`, `%(name)s`, `#{x}`, `{name}`.
fn is_reference(value: &str) -> bool {
    let value = value.trim();
    ["${", "{{", "#{", "%("].iter().any(|p| value.contains(p))
        || value.strip_prefix('$').is_some_and(is_variable_name)
        || matches!(value, "%s" | "%d" | "?")
        || (value.starts_with('{')
            && value.ends_with('}')
            && value[1..value.len() - 1]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.')))
}

/// What follows `$` in a variable (`$DB_PASSWORD`, `$HOME`, `$password`), not in a password
/// that starts with `$` (`$ecr3t`, `$up3r!`): a name, without digits unless it is all
/// capitals.
fn is_variable_name(rest: &str) -> bool {
    let name = rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let constant = rest
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    name && (constant || !rest.chars().any(|c| c.is_ascii_digit()))
}

/// A setting, not a secret: counts, lengths, ports.
fn is_number(value: &str) -> bool {
    let digits = value.trim().trim_start_matches(['+', '-']);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// A bare value that is code or a name rather than a secret: a call, an index, a type
/// (`String`, `u64`, `Option<String>`), an identifier or dotted path (`password`,
/// `settings.SECRET_KEY`, `db-credentials`), a YAML anchor, alias or tag.
fn is_code(value: &str) -> bool {
    value.contains(['(', ')', '[', ']', '{', '}', '<', '>'])
        || value.starts_with(['&', '*', '!'])
        || value
            .chars()
            .all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '-' | '.' | ':'))
        || is_primitive_type(value)
}

fn is_primitive_type(value: &str) -> bool {
    let Some(bits) = value.strip_prefix(['u', 'i', 'f']) else {
        return false;
    };
    matches!(bits, "8" | "16" | "32" | "64" | "128" | "size")
}

/// A bare value is taken only where configuration writes one: `name=value` with nothing
/// around the `=` (`.properties`, `--password=…`, `?token=…`, connection strings), or a
/// whole line `name: value` / `name = value` (YAML, INI, TOML-like). Elsewhere a bare word
/// after a name is code (`password = get_password()`, `api_key: String,`).
fn stands_alone(key: Range<usize>, value: Range<usize>, text: &str) -> bool {
    let between = text[key.end..value.start].trim_start_matches(['"', '\'']);
    if between == "=" {
        return true;
    }
    let line_start = text[..key.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[value.end..]
        .find('\n')
        .map_or(text.len(), |i| value.end + i);
    let after = text[value.end..line_end].trim();
    LINE_LEAD.is_match(&text[line_start..key.start])
        && (after.is_empty() || after.starts_with('#') || after.starts_with("//"))
}

/// The rest of a `name: value` line as its value, when the bare word is only its start
/// (`password: p&ss w0rd`, `password: Tr0ub4dor &3`): the line is a configuration line (see
/// `stands_alone`), a trailing ` # comment` is dropped, what is left holds a digit or a
/// symbol, and it reads as words, not code (no brackets, `=`, `|`, nor a `;` or `,` at its
/// end).
fn whole_line_value(key: Range<usize>, value: Range<usize>, text: &str) -> Option<Range<usize>> {
    let between = text[key.end..value.start]
        .trim_start_matches(['"', '\''])
        .trim();
    if between != ":" {
        return None;
    }
    let line_start = text[..key.start].rfind('\n').map_or(0, |i| i + 1);
    if !LINE_LEAD.is_match(&text[line_start..key.start]) {
        return None;
    }
    let line_end = text[value.start..]
        .find('\n')
        .map_or(text.len(), |i| value.start + i);
    let rest = &text[value.start..line_end];
    let rest = rest.find(" #").map_or(rest, |i| &rest[..i]).trim_end();
    // Prose says `password: the one from the vault`; a passphrase of dictionary words
    // only is left to the quoted forms.
    let generated = rest
        .chars()
        .any(|c| !c.is_alphabetic() && !c.is_whitespace() && !matches!(c, '.' | '\'' | '-'));
    let words = rest.len() > value.len()
        && generated
        && !rest.contains(['(', ')', '[', ']', '{', '}', '<', '>', '=', '|', '`'])
        && !rest.ends_with([';', ',']);
    words.then(|| value.start..value.start + rest.len())
}

/// `8-4-4-4-12` hex: an identifier, even under a suggestive name.
fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for rule in RULES {
            Regex::new(rule.pattern).unwrap_or_else(|e| panic!("{}: {e}", rule.kind));
        }
    }

    #[test]
    fn names_split_into_words() {
        assert_eq!(
            words("AWS_SECRET_ACCESS_KEY"),
            ["aws", "secret", "access", "key"]
        );
        assert_eq!(words("clientSecret"), ["client", "secret"]);
        assert_eq!(words("APIKey"), ["api", "key"]);
        assert_eq!(words("x-api-key"), ["x", "api", "key"]);
        assert_eq!(words("password2"), ["password"]);
        assert_eq!(
            words("spring.datasource.password"),
            ["spring", "datasource", "password"]
        );
    }

    #[test]
    fn names_say_what_their_value_is() {
        assert_eq!(classify("DB_PASSWORD"), Name::Password);
        assert_eq!(classify("aws_secret_access_key"), Name::Secret);
        assert_eq!(classify("apiKey"), Name::Secret);
        assert_eq!(classify("GITHUB_TOKEN"), Name::Secret);
        assert_eq!(classify("signing_key"), Name::Secret);
        assert_eq!(classify("cache_key"), Name::Suggestive);
        assert_eq!(classify("password_hash"), Name::Suggestive);
        assert_eq!(classify("public_key"), Name::Other);
        assert_eq!(classify("max_tokens"), Name::Other);
        assert_eq!(classify("tokenizer"), Name::Other);
        assert_eq!(classify("private_key_id"), Name::Other);
    }
}
