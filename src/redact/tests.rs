//! Redaction as a prompt meets it: realistic secrets go, their look-alikes stay, and every
//! line keeps its number.
//!
//! The tokens are well-formed but random, never real. Their prefixes are split off with
//! `concat!` so that secret scanners run on this repository do not flag the fixtures.

use proptest::prelude::*;

use super::*;

/// The text after redaction and the kinds found, in line order.
fn kinds(text: &str) -> Vec<&'static str> {
    redact(text)
        .found
        .into_iter()
        .map(|(kind, _)| kind)
        .collect()
}

/// Asserts `text` is redacted as exactly one secret of `kind`, and `secret` is gone.
fn assert_one(kind: &str, text: &str, secret: &str) {
    let redacted = redact(text);
    assert_eq!(kinds(text), [kind], "{text}");
    assert!(
        !redacted.text.contains(secret),
        "{secret} survived in {}",
        redacted.text
    );
    assert!(
        redacted.text.contains(&format!("<redacted:{kind}>")),
        "{}",
        redacted.text
    );
}

/// Asserts `text` goes out exactly as it is.
fn assert_kept(text: &str) {
    let redacted = redact(text);
    assert_eq!(redacted.found, [], "{text}");
    assert_eq!(redacted.text, text);
}

fn line_breaks(text: &str) -> usize {
    text.chars().filter(|c| matches!(c, '\r' | '\n')).count()
}

const PEM_BODY: &str = "\
MIIEpAIBAAKCAQEAep8ChdLvBQGXzbKeazS6thfKsjuFAzN+ueh/jshLLjPNFXIv
+3sYqJLccTbwrHXgliCL1da/7kdaTSKFL+xMgz1rzOS+o3+tIjzwnvbm2x8xzdXV
2ptN7KcenGqb/HbCGZopmWKIFYzQuKK9ZGoNUqZYt5ouB/84Id41ubxHiPj/GP2p
ZO9UD0bsCkiYXUyrl0u0NCXCup87yuhDmuq53S4Wcv/0UEFNkbZNbaFmylI4fn9a
QzWIIfXW9bs61kygVZUkBKv3J6Anj8h1MG5Jl2ZaB41n3wP1/zyH/jehoxfLiYBA";

// --- private keys ---

#[test]
fn a_private_key_block_becomes_one_marker_on_as_many_lines() {
    let text = format!(
        "import ssl\nKEY = \"\"\"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\"\"\"\nconnect(KEY)\n"
    );
    let redacted = redact(&text);
    assert_eq!(redacted.found, [("private_key", 2)]);
    assert_eq!(line_breaks(&redacted.text), line_breaks(&text));
    let lines: Vec<&str> = redacted.text.lines().collect();
    assert_eq!(lines[1], "KEY = \"\"\"<redacted:private_key>");
    assert_eq!(lines[7], "\"\"\"");
    assert_eq!(lines[8], "connect(KEY)");
    assert!(!redacted.text.contains("MIIE"));
}

#[test]
fn openssh_and_encrypted_pem_keys_are_redacted() {
    for (begin, end) in [
        ("OPENSSH PRIVATE KEY", "OPENSSH PRIVATE KEY"),
        ("EC PRIVATE KEY", "EC PRIVATE KEY"),
        ("PGP PRIVATE KEY BLOCK", "PGP PRIVATE KEY BLOCK"),
    ] {
        let text = format!("-----BEGIN {begin}-----\n{PEM_BODY}\n-----END {end}-----\n");
        assert_one("private_key", &text, "MIIE");
    }
    let encrypted = format!(
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\n"
    );
    assert_one("private_key", &encrypted, "3F17F5316E2BAC89");
}

#[test]
fn the_private_key_of_a_gcp_service_account_file_is_redacted() {
    let body = PEM_BODY.replace('\n', "\\n");
    let text = format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"billing-prod-4411\",\n  \"private_key_id\": \"4b825dc642cb6eb9a060e54bf8d69288fbee4904\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n\",\n  \"client_email\": \"exporter@billing-prod-4411.iam.gserviceaccount.com\"\n}}\n"
    );
    let redacted = redact(&text);
    assert_eq!(redacted.found, [("private_key", 5)]);
    assert!(
        redacted
            .text
            .contains("  \"private_key\": \"<redacted:private_key>\\n\",\n"),
        "{}",
        redacted.text
    );
    // The key's id names the key; it is not the key.
    assert!(
        redacted
            .text
            .contains("4b825dc642cb6eb9a060e54bf8d69288fbee4904")
    );
}

#[test]
fn a_key_cut_off_by_the_end_of_the_context_is_still_redacted() {
    let text = format!("-----BEGIN PRIVATE KEY-----\n{PEM_BODY}");
    let redacted = redact(&text);
    assert_eq!(redacted.found, [("private_key", 1)]);
    assert_eq!(line_breaks(&redacted.text), line_breaks(&text));
    assert!(!redacted.text.contains("MIIE"));
}

#[test]
fn a_key_block_keeps_crlf_line_endings() {
    let text = format!(
        "a\r\n-----BEGIN PRIVATE KEY-----\r\n{}\r\n-----END PRIVATE KEY-----\r\nb\r\n",
        PEM_BODY.replace('\n', "\r\n")
    );
    let redacted = redact(&text);
    assert_eq!(
        redacted.text,
        format!("a\r\n<redacted:private_key>{}\r\nb\r\n", "\r\n".repeat(6))
    );
}

#[test]
fn code_that_mentions_the_header_is_not_a_key() {
    assert_kept("if line.startswith(\"-----BEGIN RSA PRIVATE KEY-----\"):\n    kind = \"rsa\"\n");
    assert_kept("const HEADER: &str = \"-----BEGIN PRIVATE KEY-----\";\n");
}

// --- tokens of known shape ---

#[test]
fn cloud_and_api_tokens_are_redacted_by_kind() {
    let cases = [
        ("aws_access_key", concat!("AKIA", "I9JRXT17WH8HED6Q")),
        ("aws_access_key", concat!("ASIA", "Y3M2RTQ8ZPLK4W7N")),
        (
            "github_token",
            concat!("ghp_", "3Tu2NgDmtPBoWe6t0k1zWQQaoPtRYPT6ifTp"),
        ),
        (
            "github_token",
            concat!("gho_", "16C7e42F292c6912E7710c838347Ae178B4a"),
        ),
        (
            "github_token",
            concat!(
                "github_pat_",
                "11ABCDE2Y0q9xQmWvWf3kA_pZ7rT5nL8sJ2dH4gK6bV1cX9mN3"
            ),
        ),
        ("gitlab_token", concat!("glpat-", "QCibY6FGoK53AYgrZwaX")),
        (
            "slack_token",
            concat!(
                "xoxb-",
                "204894207618-3208296800325-bucKTmwd8cIeRTYhMTy5Iky6"
            ),
        ),
        (
            "slack_webhook",
            concat!(
                "https://hooks.slack.com/services/",
                "T04A1B2C3/B05D6E7F8/Qk2mV9xR4tL7pZ1wN8cJ3hY6"
            ),
        ),
        (
            "stripe_key",
            concat!("sk_live_", "j4VYE1Z0UTdzzgdMk58gInTR"),
        ),
        (
            "stripe_key",
            concat!("rk_test_", "51H8xQ2eZvKYlo2C0aB9cD3eF"),
        ),
        (
            "stripe_key",
            concat!("whsec_", "8Pe4KxDqsQosY5T3Nl9zif7CDWC7"),
        ),
        (
            "openai_key",
            concat!(
                "sk-proj-",
                "8Pe4KxDqsQosY5T3Nl9zif7CDWC7Ay1ZecCUAvXO3YAC-bcA"
            ),
        ),
        (
            "openai_key",
            concat!("sk-", "Vz58piL4tE3zfBbmmwT4OgvUcoXL8Xw2xVVSPz3Q"),
        ),
        (
            "anthropic_key",
            concat!(
                "sk-ant-",
                "api03-BxpX4zCzn45TrJoznKaaMJGWIZhnRiEkDVxnKVRVBeGpkHwXolws_8VtKdCXF8tlFU5b6mSGdzHlFUQz6tYh3KULLamPmAA"
            ),
        ),
        (
            "gcp_api_key",
            concat!("AIza", "SyDMEUb3VmZiDjzWk9upNTY65Pa9lCMwvrS"),
        ),
        (
            "gcp_client_secret",
            concat!("GOCSPX-", "j1vzA3MXgcTHsXXUM3cbiubvSasE"),
        ),
        (
            "jwt",
            concat!(
                "eyJ",
                "hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.kpXXpPwLkID50lktWrngbvl3XfueL-sLzmtua7gN"
            ),
        ),
    ];
    for (kind, token) in cases {
        // In prose, in a bare assignment and in a quoted one.
        assert_one(kind, &format!("the token is {token} here"), token);
        assert_one(kind, &format!("TOKEN={token}\n"), token);
        assert_one(kind, &format!("client = Client(key=\"{token}\")\n"), token);
    }
}

#[test]
fn an_authorization_header_loses_its_credentials() {
    let text = "curl -H \"Authorization: Bearer 9f2c4e1a7b3d8f6e5a0c\" https://api.internal/v1\n";
    assert_one("authorization", text, "9f2c4e1a7b3d8f6e5a0c");
    assert!(
        redact(text)
            .text
            .contains("Authorization: Bearer <redacted:authorization>")
    );
    let basic = "headers = {\"Authorization\": \"Basic YWRtaW46aHVudGVyMg==\"}\n";
    assert_one("authorization", basic, "YWRtaW46aHVudGVyMg==");
}

#[test]
fn a_bearer_jwt_is_named_as_a_jwt() {
    let jwt = concat!(
        "eyJ",
        "hbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdmMtYmlsbGluZyIsImV4cCI6MTk5OTk5OTk5OX0.Q2hhbmdlZFNpZ25hdHVyZTEyMw"
    );
    assert_one("jwt", &format!("Authorization: Bearer {jwt}\n"), jwt);
}

// --- URLs ---

#[test]
fn the_password_in_a_url_goes_and_the_user_stays() {
    let text = "DATABASE_URL=postgres://billing:Xk9mQ2vLp7@db.internal:5432/billing\n";
    let redacted = redact(text);
    assert_eq!(redacted.found, [("url_password", 1)]);
    assert_eq!(
        redacted.text,
        "DATABASE_URL=postgres://billing:<redacted:url_password>@db.internal:5432/billing\n"
    );
    assert_one(
        "url_password",
        "redis = Redis.from_url(\"redis://:s3cr3tR3dis@cache:6379/0\")\n",
        "s3cr3tR3dis",
    );
}

#[test]
fn a_token_in_a_url_is_named_by_its_kind() {
    let token = concat!("ghp_", "3Tu2NgDmtPBoWe6t0k1zWQQaoPtRYPT6ifTp");
    let text = format!("git clone https://ci:{token}@github.com/acme/app.git\n");
    assert_eq!(kinds(&text), ["github_token"]);
}

#[test]
fn a_token_in_a_query_string_is_redacted() {
    let text = "GET https://api.weather.test/v1/forecast?api_key=f3a9c2e1b7d84a56&units=metric\n";
    let redacted = redact(text);
    assert_eq!(redacted.found, [("secret", 1)]);
    assert!(
        redacted
            .text
            .contains("?api_key=<redacted:secret>&units=metric")
    );
}

// --- assignments ---

#[test]
fn passwords_in_assignments_lose_their_value_and_keep_their_name() {
    let cases = [
        (
            "password = \"hunter2\"\n",
            "password = \"<redacted:password>\"\n",
        ),
        (
            "db = connect(host=\"db\", password='c0rrect horse')\n",
            "db = connect(host=\"db\", password='<redacted:password>')\n",
        ),
        ("  password: s3cr3t!\n", "  password: <redacted:password>\n"),
        (
            "{\"user\": \"admin\", \"password\": \"Tr0ub4dor&3\"}\n",
            "{\"user\": \"admin\", \"password\": \"<redacted:password>\"}\n",
        ),
        (
            "spring.datasource.password=Pa55word\n",
            "spring.datasource.password=<redacted:password>\n",
        ),
        (
            "mysql -u root --password=hunter2 billing\n",
            "mysql -u root --password=<redacted:password> billing\n",
        ),
        (
            "Server=db;User Id=sa;Password=Sup3rS3cret;\n",
            "Server=db;User Id=sa;Password=<redacted:password>;\n",
        ),
        (
            "export DB_PASS=\"w1nter!\"\n",
            "export DB_PASS=\"<redacted:password>\"\n",
        ),
        (
            "let password: &str = \"letmein42\";\n",
            "let password: &str = \"<redacted:password>\";\n",
        ),
        (
            "   12 | db_password: 0pen-s3same\n",
            "   12 | db_password: <redacted:password>\n",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(redact(text).text, expected, "{text}");
    }
}

#[test]
fn secrets_in_assignments_lose_their_value() {
    let cases = [
        (
            "api_key = \"9d2f1c8e7b6a5d4c3b2a1f0e\"\n",
            "9d2f1c8e7b6a5d4c3b2a1f0e",
        ),
        ("clientSecret: \"Zq8Lx2Vt9Rw4Kp7M\",\n", "Zq8Lx2Vt9Rw4Kp7M"),
        (
            "SECRET_KEY = 'django-insecure-7v#m2@q9x$w!e4r%t8y'\n",
            "django-insecure-7v#m2@q9x$w!e4r%t8y",
        ),
        (
            "aws_secret_access_key = JPvdpiX8sPDEQE60pE2xz/uiG97fyb+belJDWqq/\n",
            "JPvdpiX8sPDEQE60pE2xz/uiG97fyb+belJDWqq/",
        ),
        (
            "export API_TOKEN=\"tkn_4Hq9Zp2Lm7Xv\"\n",
            "tkn_4Hq9Zp2Lm7Xv",
        ),
        ("x-api-key: 5e8f1a9c3d7b2e6f\n", "5e8f1a9c3d7b2e6f"),
        ("refresh_token := `r1.Ab3Cd5Ef7Gh9`\n", "r1.Ab3Cd5Ef7Gh9"),
        (
            "hmacKey: 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA=='\n",
            "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==",
        ),
    ];
    for (text, secret) in cases {
        assert_one("secret", text, secret);
    }
}

#[test]
fn generated_values_under_suggestive_names_are_redacted() {
    let cases = [
        (
            "signing_salt = \"pzACopC9JXtqm0CSDxuZp6Go\"\n",
            "pzACopC9JXtqm0CSDxuZp6Go",
        ),
        (
            "cookie: 4732b71e8fa499256472a96e643db58e\n",
            "4732b71e8fa499256472a96e643db58e",
        ),
        (
            "password_hash = \"q8ZtR3vLx0Wm5NcY2pKb7HfJ\"\n",
            "q8ZtR3vLx0Wm5NcY2pKb7HfJ",
        ),
        (
            "session_key: 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA=='\n",
            "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==",
        ),
    ];
    for (text, secret) in cases {
        assert_one("high_entropy", text, secret);
    }
}

// --- look-alikes ---

#[test]
fn identifiers_and_hashes_are_not_secrets() {
    assert_kept("request_id = \"123e4567-e89b-12d3-a456-426614174000\"\n");
    assert_kept("idempotency_key: \"3f2b8c1e-9d4a-4b7e-8f6c-2a1d5e9b7c30\"\n");
    assert_kept("commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nAuthor: Ada <ada@example.org>\n");
    assert_kept(
        "serde = { git = \"https://github.com/serde-rs/serde\", rev = \"4b825dc642cb6eb9a060e54bf8d69288fbee4904\" }\n",
    );
}

#[test]
fn lockfile_checksums_are_not_secrets() {
    assert_kept(
        "[[package]]\nname = \"regex\"\nversion = \"1.13.2\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"9807af0e638c12e753aa1b4e601791bf2a8f71274023c8bbeec12fc149950857\"\n",
    );
    assert_kept(
        "    \"node_modules/lodash\": {\n      \"version\": \"4.17.21\",\n      \"resolved\": \"https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz\",\n      \"integrity\": \"sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==\"\n    }\n",
    );
    assert_kept("sha256sum: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n");
}

#[test]
fn placeholders_are_not_secrets() {
    assert_kept("password = \"<your password here>\"\n");
    assert_kept("example_token = \"xxxxxxxx\"\n");
    assert_kept("api_key: your-api-key\n");
    assert_kept("password: ${DB_PASSWORD}\n");
    assert_kept("password: \"{{ .Values.db.password }}\"\n");
    assert_kept("secret = \"********\"\n");
    assert_kept("password = \"\"\n");
    assert_kept("url = f\"postgres://{user}:{password}@{host}/db\"\n");
    assert_kept("DATABASE_URL=postgres://user:password@localhost/app\n");
    assert_kept(concat!("aws_access_key_id = AKIA", "IOSFODNN7EXAMPLE\n"));
    assert_kept(concat!(
        "GITHUB_TOKEN=ghp_",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
    ));
    assert_kept("Authorization: Bearer <token>\n");
}

#[test]
fn code_that_reads_a_secret_is_not_a_secret() {
    assert_kept("api_key = os.environ[\"X\"]\n");
    assert_kept("password = get_password()\n");
    assert_kept("const password = process.env.DB_PASSWORD;\n");
    assert_kept("token = settings.API_TOKEN\n");
    assert_kept(
        "struct Login {\n    user: String,\n    password: String,\n    api_key: Option<String>,\n    secret: u64,\n}\n",
    );
    assert_kept(
        "def login(user: str, password: str) -> Token:\n    return auth(password=password)\n",
    );
    assert_kept("if token == other_token:\n    pass\n");
    assert_kept("secretName: db-credentials\n");
    assert_kept("  password: !vault |\n");
}

#[test]
fn names_that_merely_contain_a_secret_word_are_not_secrets() {
    assert_kept("max_tokens: 8192\n");
    assert_kept("token_type = \"bearer\"\n");
    assert_kept("tokenizer = \"cl100k_base\"\n");
    assert_kept("cache_key = \"user_profile_by_id\"\n");
    assert_kept("PASSWORD_MIN_LENGTH = 12\n");
    assert_kept("token = \"EOF\"\n");
    assert_kept(
        "public_key = \"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\"\n",
    );
}

#[test]
fn look_alike_tokens_are_not_secrets() {
    // Publishable keys are public by design.
    assert_kept(concat!("STRIPE_PK=pk_live_", "51H8xQ2eZvKYlo2C0aB9cD3eF\n"));
    // Prose with a token's prefix but no digit.
    assert_kept("our keys look like sk-something-very-long-and-random\n");
    assert_kept("the task-abcdef0123456789abcdef is done\n");
}

// --- the whole ---

#[test]
fn a_file_keeps_its_lines_and_only_secret_lines_change() {
    let text = format!(
        "# settings\nDEBUG = False\nSECRET_KEY = \"8c3f9a7e2b5d1c4f6a8e0b2d4f6a8c0e\"\nKEY = \"\"\"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\"\"\"\nDATABASES = {{\"default\": \"postgres://app:Xk9mQ2vLp7@db/app\"}}\nALLOWED_HOSTS = [\"*\"]\n"
    );
    let redacted = redact(&text);
    assert_eq!(
        redacted.found,
        [("secret", 3), ("private_key", 4), ("url_password", 11)]
    );
    let before: Vec<&str> = text.lines().collect();
    let after: Vec<&str> = redacted.text.lines().collect();
    assert_eq!(before.len(), after.len());
    for (number, (b, a)) in before.iter().zip(&after).enumerate() {
        let changed = [2, 3, 10].contains(&number) || (4..10).contains(&number);
        assert_eq!(b != a, changed, "line {}: {b:?} → {a:?}", number + 1);
    }
}

#[test]
fn redacting_twice_changes_nothing_more() {
    let text = format!(
        "password = \"hunter2\"\ntoken: {}\n",
        concat!("ghp_", "3Tu2NgDmtPBoWe6t0k1zWQQaoPtRYPT6ifTp")
    );
    let once = redact(&text);
    assert_eq!(once.found.len(), 2);
    assert_kept(&once.text);
}

// --- where it applies ---

#[test]
fn loopback_endpoints_are_on_this_machine() {
    for base in [
        "http://localhost:11434",
        "http://LOCALHOST:8000/v1",
        "http://127.0.0.1:8080",
        "http://127.8.9.10",
        "http://[::1]:11434",
    ] {
        assert!(is_loopback(base), "{base}");
    }
    for base in [
        "https://api.openai.com/v1",
        "http://192.168.1.20:11434",
        "http://10.0.0.5:8000/v1",
        "http://localhost.evil.test",
        "http://gpu-box:8000/v1",
    ] {
        assert!(!is_loopback(base), "{base}");
    }
}

#[test]
fn remote_endpoints_are_always_redacted_and_local_ones_unless_switched_off() {
    let mut agent = crate::config::Config::builtin().agents.oracle.clone();
    let on = PrivacyConfig {
        redact_local: true,
        never_send: crate::config::DenyList::new(&[]).unwrap(),
    };
    let off = PrivacyConfig {
        redact_local: false,
        ..on.clone()
    };
    agent.api_base = "https://api.anthropic.com".into();
    assert!(required(&agent, &on));
    assert!(required(&agent, &off));
    agent.api_base = "http://127.0.0.1:11434".into();
    assert!(required(&agent, &on));
    assert!(!required(&agent, &off));
}

// --- properties ---

const FRAGMENTS: &[&str] = &[
    "\n",
    "\r\n",
    "password = \"hunter2\"",
    "api_key: 9d2f1c8e7b6a5d4c3b2a1f0e",
    "-----BEGIN PRIVATE KEY-----\n",
    "-----END PRIVATE KEY-----",
    "MIIEpAIBAAKCAQEAep8ChdLvBQGXzbKeazS6thfKsjuFAzN+ueh/jshLLjPNFXIv",
    "postgres://u:p4ss@h/db",
    concat!("ghp_", "3Tu2NgDmtPBoWe6t0k1zWQQaoPtRYPT6ifTp"),
    "fn main() {",
    "    let x = 1;",
    "}",
    " ",
    "\"",
    "é",
];

proptest! {
    #[test]
    fn line_breaks_survive_any_mix(parts in prop::collection::vec(0..FRAGMENTS.len(), 0..40)) {
        let text: String = parts.iter().map(|&i| FRAGMENTS[i]).collect();
        let redacted = redact(&text);
        prop_assert_eq!(line_breaks(&redacted.text), line_breaks(&text));
        prop_assert_eq!(redact(&redacted.text).found, []);
    }
}
