//! The rule table of the offline pass: one row per rule, ids stable across releases
//! (baselines, suppressions and SARIF results refer to them).

use crate::finding::{Confidence, Severity};

/// A rule of the offline pass.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    /// A few words, for rule lists (SARIF `shortDescription`).
    pub name: &'static str,
    pub cwe: &'static str,
    pub severity: Severity,
    pub confidence: Confidence,
    /// What is wrong, in one line; a match may give a more precise one.
    pub message: &'static str,
    pub recommendation: &'static str,
}

pub const SHELL: &str = "MM-PY-SHELL";
pub const EVAL: &str = "MM-PY-EVAL";
pub const DESERIALIZE: &str = "MM-PY-DESERIALIZE";
pub const SQL: &str = "MM-PY-SQL";
pub const WEAK_HASH: &str = "MM-PY-WEAK-HASH";
pub const WEAK_CIPHER: &str = "MM-PY-WEAK-CIPHER";
pub const RANDOM: &str = "MM-PY-INSECURE-RANDOM";
pub const TLS: &str = "MM-PY-TLS-VERIFY";
pub const TEMPFILE: &str = "MM-PY-TEMPFILE";
pub const PATH: &str = "MM-PY-PATH-TRAVERSAL";
pub const SSRF: &str = "MM-PY-SSRF";
pub const XXE: &str = "MM-PY-XXE";
pub const DEBUG: &str = "MM-PY-DEBUG";
pub const HOSTS: &str = "MM-PY-ALLOWED-HOSTS";
pub const AUTOESCAPE: &str = "MM-PY-AUTOESCAPE";
pub const MARK_SAFE: &str = "MM-PY-MARK-SAFE";
pub const SECRET: &str = "MM-PY-HARDCODED-SECRET";
pub const BIND_ALL: &str = "MM-PY-BIND-ALL";
pub const TIMEOUT: &str = "MM-PY-REQUESTS-TIMEOUT";
pub const ASSERT: &str = "MM-PY-ASSERT-SECURITY";
pub const LDAP: &str = "MM-PY-LDAP-INJECTION";
pub const XPATH: &str = "MM-PY-XPATH-INJECTION";
pub const XSS: &str = "MM-PY-XSS";
pub const XML_EXPANSION: &str = "MM-PY-XML-EXPANSION";
pub const REDIRECT: &str = "MM-PY-OPEN-REDIRECT";
pub const TRUST: &str = "MM-PY-TRUST-BOUNDARY";
pub const COOKIE_SECURE: &str = "MM-PY-COOKIE-SECURE";
pub const COOKIE_HTTPONLY: &str = "MM-PY-COOKIE-HTTPONLY";
pub const CSRF: &str = "MM-PY-CSRF-DISABLED";
pub const JWT: &str = "MM-PY-JWT-UNVERIFIED";
pub const CLEARTEXT: &str = "MM-PY-CLEARTEXT";
pub const WEAK_KEY: &str = "MM-PY-WEAK-KEY";
pub const PERMISSIONS: &str = "MM-PY-FILE-PERMISSIONS";
pub const PROMPT_INJECTION: &str = "MM-PROMPT-INJECTION";

/// Every rule, in the order reports list them.
pub static RULES: &[Rule] = &[
    Rule {
        id: SHELL,
        name: "Command built from input run by a shell",
        cwe: "CWE-78",
        severity: Severity::High,
        confidence: Confidence::High,
        message: "a shell runs a command built from non-constant input (command injection)",
        recommendation: "pass the command as a list of arguments without shell=True (subprocess.run([\"ls\", path])); never build shell strings from input",
    },
    Rule {
        id: EVAL,
        name: "Dynamic code evaluation",
        cwe: "CWE-95",
        severity: Severity::High,
        confidence: Confidence::High,
        message: "eval/exec/compile runs non-constant code",
        recommendation: "parse data with ast.literal_eval or json.loads, or dispatch on a fixed table of functions",
    },
    Rule {
        id: DESERIALIZE,
        name: "Unsafe deserialisation",
        cwe: "CWE-502",
        severity: Severity::High,
        confidence: Confidence::High,
        message: "deserialising with a format that can run code",
        recommendation: "use a data-only format (json), yaml.safe_load, or torch.load(..., weights_only=True); never unpickle data you did not write",
    },
    Rule {
        id: SQL,
        name: "SQL built from strings",
        cwe: "CWE-89",
        severity: Severity::High,
        confidence: Confidence::High,
        message: "SQL built by formatting or concatenation is executed (SQL injection)",
        recommendation: "use a parameterised query: cursor.execute(\"... WHERE id = %s\", (user_id,))",
    },
    Rule {
        id: WEAK_HASH,
        name: "Weak hash",
        cwe: "CWE-328",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        message: "MD5/SHA-1 are broken for security uses",
        recommendation: "use hashlib.sha256 (or a password hash: argon2, bcrypt, hashlib.scrypt); pass usedforsecurity=False when the hash is not a security control",
    },
    Rule {
        id: WEAK_CIPHER,
        name: "Weak cipher or mode",
        cwe: "CWE-327",
        severity: Severity::High,
        confidence: Confidence::High,
        message: "a broken cipher (DES, 3DES, RC4, Blowfish) or ECB mode",
        recommendation: "use AES-GCM or ChaCha20-Poly1305 (cryptography's AESGCM / Fernet)",
    },
    Rule {
        id: RANDOM,
        name: "Predictable random values for secrets",
        cwe: "CWE-338",
        severity: Severity::High,
        confidence: Confidence::Medium,
        message: "the random module is predictable; it makes guessable tokens and passwords",
        recommendation: "use the secrets module (secrets.token_urlsafe, secrets.choice)",
    },
    Rule {
        id: TLS,
        name: "TLS certificate verification disabled",
        cwe: "CWE-295",
        severity: Severity::High,
        confidence: Confidence::High,
        message: "TLS certificate verification is disabled",
        recommendation: "keep verification on; to trust a private CA pass verify=\"/path/to/ca.pem\" or load it into an ssl.create_default_context()",
    },
    Rule {
        id: TEMPFILE,
        name: "Insecure temporary file",
        cwe: "CWE-377",
        severity: Severity::Medium,
        confidence: Confidence::High,
        message: "tempfile.mktemp returns a name another process can take first",
        recommendation: "use tempfile.mkstemp, NamedTemporaryFile or TemporaryDirectory",
    },
    Rule {
        id: PATH,
        name: "Path from request data",
        cwe: "CWE-22",
        severity: Severity::High,
        confidence: Confidence::Medium,
        message: "a file path comes from request data (path traversal)",
        recommendation: "serve with send_from_directory / safe_join, or reduce the name with werkzeug's secure_filename and check the resolved path stays under the base directory",
    },
    Rule {
        id: SSRF,
        name: "URL from request data",
        cwe: "CWE-918",
        severity: Severity::High,
        confidence: Confidence::Medium,
        message: "a server-side request goes to a URL taken from request data (SSRF)",
        recommendation: "fetch only from an allow-list of hosts; build the URL from a fixed base and pass user values as params",
    },
    Rule {
        id: XXE,
        name: "XML parser open to entities",
        cwe: "CWE-611",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        message: "an XML parser that expands entities reads untrusted XML (XXE, entity expansion)",
        recommendation: "parse with defusedxml (defusedxml.ElementTree.fromstring), or lxml with XMLParser(resolve_entities=False, no_network=True)",
    },
    Rule {
        id: DEBUG,
        name: "Debug mode enabled",
        cwe: "CWE-489",
        severity: Severity::High,
        confidence: Confidence::Medium,
        message: "debug mode is on: tracebacks (and Flask's interactive debugger) reach users",
        recommendation: "read the flag from the environment and keep it off in production",
    },
    Rule {
        id: HOSTS,
        name: "Any Host header accepted",
        cwe: "CWE-183",
        severity: Severity::Medium,
        confidence: Confidence::High,
        message: "ALLOWED_HOSTS accepts any host (Host header poisoning)",
        recommendation: "list the hostnames the site serves",
    },
    Rule {
        id: AUTOESCAPE,
        name: "Template autoescaping off",
        cwe: "CWE-79",
        severity: Severity::Medium,
        confidence: Confidence::High,
        message: "a Jinja2 Environment without autoescaping (cross-site scripting)",
        recommendation: "Environment(autoescape=select_autoescape()) or autoescape=True",
    },
    Rule {
        id: MARK_SAFE,
        name: "Non-constant markup marked safe",
        cwe: "CWE-79",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        message: "non-constant text is marked safe and will not be escaped (cross-site scripting)",
        recommendation: "let the template escape it, or build it with format_html / Markup.format, which escape their arguments",
    },
    Rule {
        id: SECRET,
        name: "Hard-coded credential",
        cwe: "CWE-798",
        severity: Severity::High,
        confidence: Confidence::Medium,
        message: "a credential is written in the code",
        recommendation: "read it from the environment or a secret store, and rotate the one committed",
    },
    Rule {
        id: BIND_ALL,
        name: "Binding all interfaces",
        cwe: "CWE-1327",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        message: "listening on 0.0.0.0 exposes the service on every network interface",
        recommendation: "bind 127.0.0.1 unless the service must be reachable from other hosts, and make that a configuration choice",
    },
    Rule {
        id: TIMEOUT,
        name: "HTTP request without a timeout",
        cwe: "CWE-1088",
        severity: Severity::Low,
        confidence: Confidence::High,
        message: "a requests call without a timeout can hang forever",
        recommendation: "pass timeout= (seconds, or a (connect, read) pair)",
    },
    Rule {
        id: ASSERT,
        name: "Security check by assert",
        cwe: "CWE-617",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        message: "an assert guards a security check; python -O removes asserts",
        recommendation: "raise an exception (PermissionDenied, abort(403)) with an if statement",
    },
    Rule {
        id: LDAP,
        name: "LDAP filter from request data",
        cwe: "CWE-90",
        severity: Severity::High,
        confidence: Confidence::High,
        message: "an LDAP search filter is built from request data (LDAP injection)",
        recommendation: "escape values with ldap3.utils.conv.escape_filter_chars (ldap.filter.escape_filter_chars) before putting them in a filter",
    },
    Rule {
        id: XPATH,
        name: "XPath query from request data",
        cwe: "CWE-643",
        severity: Severity::High,
        confidence: Confidence::High,
        message: "an XPath query is built from request data (XPath injection)",
        recommendation: "pass values as XPath variables (root.xpath(\"//user[@id=$id]\", id=value)) instead of formatting them in",
    },
    Rule {
        id: XML_EXPANSION,
        name: "XML parser without expansion limits",
        cwe: "CWE-776",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        message: "a standard-library XML parser reads untrusted XML: nested entities can exhaust memory (billion laughs)",
        recommendation: "parse untrusted XML with defusedxml (defusedxml.ElementTree.fromstring), which refuses entity declarations",
    },
    Rule {
        id: XSS,
        name: "Request data in HTML unescaped",
        cwe: "CWE-79",
        severity: Severity::High,
        confidence: Confidence::High,
        message: "request data reaches an HTML response or template unescaped (cross-site scripting)",
        recommendation: "render through a template with autoescaping, or escape with markupsafe.escape / html.escape",
    },
    Rule {
        id: REDIRECT,
        name: "Redirect to a URL from request data",
        cwe: "CWE-601",
        severity: Severity::Medium,
        confidence: Confidence::High,
        message: "a redirect goes to a URL taken from request data (open redirect)",
        recommendation: "redirect only to relative paths or hosts on an allow-list (url_has_allowed_host_and_scheme)",
    },
    Rule {
        id: TRUST,
        name: "Request data stored in the session",
        cwe: "CWE-501",
        severity: Severity::Medium,
        confidence: Confidence::High,
        message: "request data is stored in the session, where it will be trusted (trust boundary violation)",
        recommendation: "validate the value against what the server allows before storing it, or keep it out of the session",
    },
    Rule {
        id: COOKIE_SECURE,
        name: "Cookie without the Secure flag",
        cwe: "CWE-614",
        severity: Severity::Medium,
        confidence: Confidence::High,
        message: "a cookie is sent without the Secure flag, over plain HTTP too",
        recommendation: "set secure=True (SESSION_COOKIE_SECURE = True)",
    },
    Rule {
        id: COOKIE_HTTPONLY,
        name: "Cookie without the HttpOnly flag",
        cwe: "CWE-1004",
        severity: Severity::Low,
        confidence: Confidence::High,
        message: "a cookie can be read by page scripts (no HttpOnly)",
        recommendation: "set httponly=True (SESSION_COOKIE_HTTPONLY = True)",
    },
    Rule {
        id: CSRF,
        name: "CSRF protection off",
        cwe: "CWE-352",
        severity: Severity::Medium,
        confidence: Confidence::High,
        message: "CSRF protection is switched off",
        recommendation: "keep CSRF protection on; exempt only endpoints that authenticate by token, not cookie",
    },
    Rule {
        id: JWT,
        name: "JWT accepted without its signature checked",
        cwe: "CWE-347",
        severity: Severity::High,
        confidence: Confidence::High,
        message: "a JSON Web Token is decoded without verifying its signature",
        recommendation: "verify the signature: jwt.decode(token, key, algorithms=[\"HS256\"])",
    },
    Rule {
        id: CLEARTEXT,
        name: "Cleartext protocol",
        cwe: "CWE-319",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        message: "data goes over the network in cleartext",
        recommendation: "use https://, FTP_TLS/SFTP, SSH, or SMTP with starttls()/SMTP_SSL",
    },
    Rule {
        id: WEAK_KEY,
        name: "Key too short",
        cwe: "CWE-326",
        severity: Severity::High,
        confidence: Confidence::High,
        message: "the key is too short to resist attack",
        recommendation: "RSA/DSA keys of at least 2048 bits (3072 for new systems), curves of at least 224 bits (SECP256R1)",
    },
    Rule {
        id: PERMISSIONS,
        name: "World-writable file mode",
        cwe: "CWE-276",
        severity: Severity::Medium,
        confidence: Confidence::High,
        message: "the file mode lets every user write",
        recommendation: "use the narrowest mode that works (0o600 for secrets, 0o644 or 0o755 otherwise)",
    },
    Rule {
        id: PROMPT_INJECTION,
        name: "Comment addressed to an AI reviewer",
        cwe: "CWE-1427",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        message: "this text addresses an automated reviewer (prompt injection); it suppresses nothing",
        recommendation: "remove it; to accept a finding use `# multi-model: ignore[RULE-ID]` or a baseline",
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::cwe_link;

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn every_rule_cwe_is_in_the_catalogue() {
        for rule in RULES {
            assert!(cwe_link(rule.cwe).is_some(), "{} {}", rule.id, rule.cwe);
        }
    }
}
