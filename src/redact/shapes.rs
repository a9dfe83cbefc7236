//! The rule table as a table: each secret shape a prompt can carry is redacted as its kind,
//! and each look-alike goes out untouched (precision matters: a prompt stripped of ordinary
//! code is worth less). The rule families follow gitleaks' (`config/gitleaks.toml`); the
//! rules and the values here are our own. Prefixes are split with `concat!` so secret
//! scanners run on this repository do not flag the fixtures.

use super::redact;

/// Asserts that `text` is redacted as exactly the kinds `expected`, in line order, and that
/// the redacted text keeps its lines and holds none of what was replaced.
fn check(text: &str, expected: &[&str]) {
    let redacted = redact(text);
    let kinds: Vec<&str> = redacted.found.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(kinds, expected, "in {text:?} → {:?}", redacted.text);
    assert_eq!(
        redacted.text.matches('\n').count(),
        text.matches('\n').count(),
        "lines kept in {text:?}"
    );
    if expected.is_empty() {
        assert_eq!(redacted.text, text);
    }
}

#[test]
fn secret_shapes_are_redacted_as_their_kind() {
    let cases: &[(&str, &[&str])] = &[
        // Private keys.
        (
            concat!(
                "-----BEGIN RSA ",
                "PRIVATE KEY-----\nMIIEpAIBAAKCAQEAep8ChdLvBQGXzbKeazS6thfKsjuFAzN+ueh\n-----END RSA PRIVATE KEY-----\n"
            ),
            &["private_key"],
        ),
        (
            concat!(
                "-----BEGIN OPENSSH ",
                "PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n"
            ),
            &["private_key"],
        ),
        (
            concat!(
                "-----BEGIN PGP ",
                "PRIVATE KEY BLOCK-----\n\nlQOYBF0Y3ZkBCAC7sXvZ2mXl1q4n6g8Kp5VhT0rWm3y9Zt2QeLx7Nc4Ab1Df6Gh8Ij\n-----END PGP PRIVATE KEY BLOCK-----\n"
            ),
            &["private_key"],
        ),
        // Cloud and service tokens, each in an assignment a program holds.
        (
            concat!("AWS_ACCESS_KEY_ID=", "AKIA", "I9JRXT17WH8HED6Q\n"),
            &["aws_access_key"],
        ),
        (
            concat!(
                "aws_secret_access_key = ",
                "\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYz3Kq9Lm2Rv\"\n"
            ),
            &["secret"],
        ),
        (
            concat!(
                "token = \"",
                "github_pat_",
                "11ABCDE2Y0q9xQmWvWf3kA_pZ7rT5nL8sJ2dH4gK6bV1cX9mN3\"\n"
            ),
            &["github_token"],
        ),
        (
            concat!("GH=", "ghs_", "05mc4J1WRcQ1uhyMDJ2OXtPAtLpByQxCGClb\n"),
            &["github_token"],
        ),
        (
            concat!("GITLAB=", "glpat-", "aNFDpCWNX0D1lZEzgeiw\n"),
            &["gitlab_token"],
        ),
        (
            concat!(
                "SLACK=",
                "xoxb-",
                "204894207618-3208296800325-bucKTmwd8cIeRTYhMTy5Iky6\n"
            ),
            &["slack_token"],
        ),
        (
            concat!(
                "refresh: ",
                "xoxe-",
                "1-kHk7egyFWZY9Zmti18c6EudM7Oyf5TNS05kOY2oNzN2m1ElKncz8HkywhjpU\n"
            ),
            &["slack_token"],
        ),
        (
            concat!("STRIPE=", "sk_live_", "j4VYE1Z0UTdzzgdMk58gInTR\n"),
            &["stripe_key"],
        ),
        (
            concat!("STRIPE_R=", "rk_live_", "51H8xQ2eZvKYlo2C0aB9cD3eF\n"),
            &["stripe_key"],
        ),
        (
            concat!("TWILIO=", "SK", "a68ef786e4d3cea27d26934b484e73cf\n"),
            &["twilio_key"],
        ),
        (
            concat!(
                "client = OpenAI(api_key=\"",
                "sk-proj-",
                "8Pe4KxDqsQosY5T3Nl9zif7CDWC7Ay1ZecCUAvXO3YAC-bcA\")\n"
            ),
            &["openai_key"],
        ),
        (
            concat!(
                "ANTHROPIC=",
                "sk-ant-",
                "api03-BxpX4zCzn45TrJoznKaaMJGWIZhnRiEkDVxnKVRVBeGpkHw\n"
            ),
            &["anthropic_key"],
        ),
        (
            concat!(
                "maps = \"",
                "AIza",
                "SyDMEUb3VmZiDjzWk9upNTY65Pa9lCMwvrS\"\n"
            ),
            &["gcp_api_key"],
        ),
        (
            concat!(
                "conn = \"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=",
                "li8GjHEAD6/Wj9KfzjsQGMrb9h+ImB+LK777pzNk8cL6j5IXAAjlsHUqJoUD/+Ydua+5ZMs1SWOpQaPRYpzbLG==",
                ";EndpointSuffix=core.windows.net\"\n"
            ),
            &["azure_key"],
        ),
        (
            concat!(
                "AZURE_CLIENT_SECRET=",
                "xez8Q~",
                "y3Lex7BWr2drgd1QsO7jprBGumXxY9B4\n"
            ),
            &["azure_key"],
        ),
        (
            concat!(
                "DO=",
                "dop_v1_",
                "c76fb008f86bebb2737f6a6f0fb23c6f5da2cec255404e4fb440034d6608697a\n"
            ),
            &["digitalocean_token"],
        ),
        (
            concat!("SHOPIFY=", "shpat_", "8d41bed440e50454f31af3176813e02e\n"),
            &["shopify_token"],
        ),
        (
            concat!(
                "password = ",
                "pypi-",
                "AgEIcHlwaS5vcmc",
                "YYZYn9ZhyiA4uoRgnatmUdjAWtGSU8po_799NksnRH9ucAUsdMlHUvTCQCyE\n"
            ),
            &["pypi_token"],
        ),
        (
            concat!("HF=", "hf_", "ujzPdeIgxLdGncfBAepfJBdKhoOOLdKLzd\n"),
            &["huggingface_token"],
        ),
        (
            concat!("login(\"", "hf_", "ocJ2isAjIhKtJ0RlgLKOmxgJTeKdNnFRIB\")\n"),
            &["huggingface_token"],
        ),
        (
            concat!(
                "sg = SendGridAPIClient(\"",
                "SG.",
                "O76UMFxFkM-R5Kjp1vRt_1.fjORS-6ilI8ihN5KXSc7Tvo-hBKqFYY-kv5ZJr3J1TW\")\n"
            ),
            &["sendgrid_key"],
        ),
        (
            concat!(
                "//registry.npmjs.org/:_authToken=",
                "npm_",
                "9ojfljoQoaF1LlqsajAIxNKu8iS2G8NPRVdD\n"
            ),
            &["npm_token"],
        ),
        (
            concat!(
                "bot.run(\"",
                "MkQ1okTBGzvAmwufUxbvJDCTby",
                ".vHNsG9.ioDnkHIfxIq2HZt-PlJhx2jIclHkCi\")\n"
            ),
            &["discord_token"],
        ),
        (
            concat!(
                "HOOK = \"https://discord.com/api/webhooks/",
                "417058649208312402/zNNAL5wIScGebcy8F5n3-YNBDRzrZSgqbjG3uhkWKFLf6xuI5aHUQPFeNBTxaQWk8JzF\"\n"
            ),
            &["discord_webhook"],
        ),
        (
            concat!(
                "Bot(\"",
                "8014126906:AA",
                "cMMDktXP-tKsf2rcDkdfrUnW5gcF_Ha6i\")\n"
            ),
            &["telegram_bot_token"],
        ),
        (
            concat!("MAILGUN=", "key-", "0c621de49f145fda9988c79fc35526f7\n"),
            &["mailgun_key"],
        ),
        (
            concat!("DATABRICKS=", "dapi", "6265e9abcf29c2a30fa5458e402b703e\n"),
            &["databricks_token"],
        ),
        (
            concat!(
                "GRAFANA=",
                "glsa_",
                "YYMfGmzWkpAePcEJIukB4geqNfngAFTC_574de739\n"
            ),
            &["grafana_token"],
        ),
        (
            concat!(
                "LINEAR=",
                "lin_api_",
                "srKrxqVqmCplppjs46LmuezqpGHoPZgPDcgaE40o\n"
            ),
            &["linear_key"],
        ),
        (
            concat!(
                "POSTMAN=",
                "PMAK-",
                "eb19731662b5e803b61ba416-8160adb59261ff2d3c425c8d99d19bdd0b\n"
            ),
            &["postman_key"],
        ),
        (
            concat!("NEW_RELIC=", "NRAK-", "MZZNA1K1HFZX3KIAD9JZFX6KJWS\n"),
            &["newrelic_key"],
        ),
        (
            concat!(
                "headers = {\"Authorization\": \"Bearer ",
                "eyJ",
                "hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.kpXXpPwLkID50lktWrngbvl3XfueL\"}\n"
            ),
            &["jwt"],
        ),
        // Passwords: in URLs (an `@` inside one included) and with unusual characters.
        (
            concat!(
                "DATABASE_URL=mysql://root:",
                "P@ssw0rd",
                "@db.internal:3306/app\n"
            ),
            &["url_password"],
        ),
        (
            concat!("redis://:", "s3cr3t@@x", "@cache:6379/0\n"),
            &["url_password"],
        ),
        (
            concat!("password = \"", "it's \\\"quoted\\\" 1", "\"\n"),
            &["password"],
        ),
        (concat!("DB_PASSWORD=", "hunter#2$x", "\n"), &["password"]),
        (
            concat!("password: \"", "correct horse battery staple", "\"\n"),
            &["password"],
        ),
        (concat!("password: ", "Tr0ub4dor &3", "\n"), &["password"]),
        (
            concat!("db_pass = '", "pässwörd-ünïcødé", "'\n"),
            &["password"],
        ),
        (concat!("PASSWORD=\"", "$ecr3t!", "\"\n"), &["password"]),
        (
            concat!("secret: ", "\"kD8s#fQ2$zL9@wX1\"", "\n"),
            &["secret"],
        ),
        (
            concat!(
                "\"client_secret\": \"",
                "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
                "\"\n"
            ),
            &["secret"],
        ),
    ];
    for (text, expected) in cases {
        check(text, expected);
    }
    assert!(30 <= cases.len(), "{} shapes", cases.len());
}

#[test]
fn look_alikes_go_out_untouched() {
    let cases: &[&str] = &[
        // Checksums and integrity hashes in lockfiles.
        "checksum = \"9807af0e638c12e753aa1b4e601791bf2a8f71274023c8bbeec12fc149950857\"\n",
        "  integrity: sha512-3b1Lh8Jv2Qd9tXr7kA5fWm0yZcNpE4uHsG6oVbR1iTqDlK8xC2jYwU3eS9gF7aMnPz0vB4hLdQ5rT6y==\n",
        "    \"resolved\": \"https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz\",\n",
        // Identifiers.
        "request_id = \"3f2b8c1e-9a4d-4e7f-b6c5-2d1a0e9f8b7c\"\n",
        "commit = \"e83c5163316f89bfbde7d9ab23ca2e25604af290\"\n",
        // Images and data.
        "logo = \"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\"\n",
        // Code that handles a password or token without holding one.
        "password = input()\n",
        "password = getpass.getpass(\"Password: \")\n",
        "token_type = \"bearer\"\n",
        "password: str\n",
        "    password: Optional[str] = None\n",
        "const password = req.body.password;\n",
        "  password: ${DB_PASSWORD}\n",
        "PASSWORD=$DB_PASSWORD\n",
        "password: the one from the vault\n",
        "token = os.environ[\"GITHUB_TOKEN\"]\n",
        "max_tokens = 4096\n",
        // Prose and near misses of token shapes.
        "See https://user@example.com:8080/path for the docs.\n",
        "the hf_hub_download helper fetches a file\n",
        "SG.setApiKey(process.env.SENDGRID_API_KEY)\n",
        "npm_config_registry is read from the environment\n",
        "sk-not-a-real-key-here is what the docs show\n",
        "password = \"<your password here>\"\n",
        "api_key: \"xxxxxxxxxxxxxxxxxxxxxxxx\"\n",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----\n",
    ];
    for text in cases {
        check(text, &[]);
    }
    assert!(15 <= cases.len(), "{} look-alikes", cases.len());
}
