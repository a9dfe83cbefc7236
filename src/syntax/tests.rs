//! TypeScript, JavaScript and Go through the same tables: what a cursor targets, and what
//! the outline holds.

use super::*;

/// `‸` marks the cursor.
const CURSOR: char = '‸';

const TS: &str = r#"import { createHmac } from 'crypto';
import type { Claims } from './claims';
export { sign } from './sign';

/** Verifies a signed token against its HMAC. */
export function verifySignedToken(token: string, secret: string): boolean {
  const [body, sig] = token.split('.');
  return createHmac('sha256', secret)
    .update(body)
    .digest('hex') === sig;
}

export const decode = (token: string): Claims => {
  return token
    .split('.')
    .map((part) => atob(part));
};

@Injectable()
export class TokenService {
  constructor(private readonly secret: string) {}

  @Log()
  verify(token: string): boolean {
    return verifySignedToken(token, this.secret);
  }
}

export const handlers = {
  refresh(token: string) {
    return token.trim();
  },
};

export interface Session {
  user: string;
}
"#;

const JS: &str = r#"const crypto = require('crypto');
import { sign } from './sign.js';

/**
 * Verifies a signed token.
 */
function verifySignedToken(token, secret) {
  return crypto
    .createHmac('sha256', secret)
    .digest('hex') === token;
}

export const decode = (token) => {
  return token.split('.').map((part) => atob(part));
};

class TokenService {
  verify(token) {
    return verifySignedToken(token, this.secret);
  }
}

module.exports = { verifySignedToken, decode };
"#;

const GO: &str = "// Package auth signs and verifies tokens.
package auth

import (
\t\"crypto/hmac\"
\t\"strings\"
)

// Verifier checks signed tokens.
type Verifier struct {
\tsecret []byte
}

// VerifySignedToken reports whether token carries a valid signature.
// It splits on the last dot.
func VerifySignedToken(token string, secret []byte) bool {
\tparts := strings.Split(token, \".\")
\treturn hmac.Equal([]byte(parts[0]), secret)
}

// Verify checks token with the verifier's secret.
func (v *Verifier) Verify(token string) bool {
\treturn strings.NewReplacer(\"a\", \"b\").
\t\tReplace(token) != \"\"
}

type (
\tID    string
\tToken struct{ id ID }
)

// MaxAge is how long a token lives.
const MaxAge = 3600
";

/// The lines a cursor at `cursor` (a line's text with `‸` in it, found in `code`) targets:
/// the first and last whole lines of its innermost enclosing definition.
fn check_target(language_id: &str, code: &str, cursor: &str, first: &str, last: &str) {
    let language = language_for(None, Some(language_id)).unwrap();
    let at = code.find(&cursor.replace(CURSOR, "")).unwrap() + cursor.find(CURSOR).unwrap();
    let tree = parse(language, code, None).unwrap();
    let scopes = enclosing_scopes(language, &tree, &(at..at)).nodes;
    let scope = scopes
        .first()
        .unwrap_or_else(|| panic!("{language_id}: nothing encloses {cursor:?}"));
    let lines: Vec<&str> = code.lines().collect();
    let rows = scope.rows();
    assert_eq!(
        (lines[rows.start], lines[rows.end - 1]),
        (first, last),
        "{language_id}: the cursor {cursor:?}"
    );
}

#[test]
fn a_cursor_targets_the_enclosing_definition_with_its_doc_comment_and_decorators() {
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        // A method chain inside a function body is part of the function, not a line.
        (
            "typescript",
            TS,
            "    .dig‸est('hex') === sig;",
            "/** Verifies a signed token against its HMAC. */",
            "}",
        ),
        // In the doc comment: the function it documents.
        (
            "typescript",
            TS,
            "/** Verifies a ‸signed",
            "/** Verifies a signed token against its HMAC. */",
            "}",
        ),
        // An arrow function assigned to an exported const, chain and callback inside.
        (
            "typescript",
            TS,
            "    .map((part) => at‸ob(part));",
            "export const decode = (token: string): Claims => {",
            "};",
        ),
        // A method with its decorator (a sibling in TypeScript's class body).
        (
            "typescript",
            TS,
            "return verifySignedToken(token, this.sec‸ret);",
            "  @Log()",
            "  }",
        ),
        ("typescript", TS, "  @L‸og()", "  @Log()", "  }"),
        // The class, from its decorator line.
        ("typescript", TS, "@Injec‸table()", "@Injectable()", "}"),
        (
            "typescript",
            TS,
            "  construc‸tor(",
            "  constructor(private readonly secret: string) {}",
            "  constructor(private readonly secret: string) {}",
        ),
        // A method of an object literal.
        (
            "typescript",
            TS,
            "return token.tr‸im();",
            "  refresh(token: string) {",
            "  },",
        ),
        (
            "typescript",
            TS,
            "  us‸er: string;",
            "export interface Session {",
            "}",
        ),
        // TSX is TypeScript with JSX.
        (
            "typescriptreact",
            "export function Badge({ name }: Props) {\n  return <span className=\"badge\">{name.trim()}</span>;\n}\n",
            "{name.tr‸im()}",
            "export function Badge({ name }: Props) {",
            "}",
        ),
        (
            "javascript",
            JS,
            "    .createHm‸ac('sha256', secret)",
            "/**",
            "}",
        ),
        ("javascript", JS, " * Verifies a ‸signed token.", "/**", "}"),
        (
            "javascript",
            JS,
            "token.split('.').map((part) => at‸ob(part));",
            "export const decode = (token) => {",
            "};",
        ),
        (
            "javascript",
            JS,
            "return verifySignedToken(token, this.sec‸ret);",
            "  verify(token) {",
            "  }",
        ),
        (
            "javascript",
            JS,
            "class Token‸Service {",
            "class TokenService {",
            "}",
        ),
        (
            "javascriptreact",
            "const App = () => (\n  <main>{items.map((i) => <Item key={i} />)}</main>\n);\n",
            "<It‸em key",
            "const App = () => (",
            ");",
        ),
        // A tab-indented Go function, with its `//` doc lines.
        (
            "go",
            GO,
            "\treturn hmac.Eq‸ual(",
            "// VerifySignedToken reports whether token carries a valid signature.",
            "}",
        ),
        (
            "go",
            GO,
            "// It splits on the ‸last dot.",
            "// VerifySignedToken reports whether token carries a valid signature.",
            "}",
        ),
        // A method with a receiver, its chain across lines.
        (
            "go",
            GO,
            "\t\tRepl‸ace(token)",
            "// Verify checks token with the verifier's secret.",
            "}",
        ),
        (
            "go",
            GO,
            "\tsec‸ret []byte",
            "// Verifier checks signed tokens.",
            "}",
        ),
    ];
    for (language, code, cursor, first, last) in cases {
        check_target(language, code, cursor, first, last);
    }
}

/// One definition as the outline lists it: name, kind, container, and the first line of
/// its docstring.
type Outlined<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>);

fn check_outline(language_id: &str, code: &str, definitions: &[Outlined], imports: &[&str]) {
    let language = language_for(None, Some(language_id)).unwrap();
    let parsed = Parsed::new(language, code).unwrap();
    let found: Vec<Outlined> = parsed
        .outline
        .definitions
        .iter()
        .map(|d| {
            (
                d.name.as_str(),
                d.kind.as_str(),
                d.container.as_deref(),
                d.docstring.as_deref().and_then(|doc| doc.lines().next()),
            )
        })
        .collect();
    assert_eq!(found, definitions, "{language_id}");
    let lines: Vec<&str> = code.lines().collect();
    let found: Vec<&str> = parsed
        .outline
        .imports
        .iter()
        .flat_map(|rows| lines[rows.clone()].iter().copied())
        .collect();
    assert_eq!(found, imports, "{language_id}");
}

#[test]
fn the_outline_lists_definitions_imports_and_doc_comments() {
    check_outline(
        "typescript",
        TS,
        &[
            (
                "verifySignedToken",
                "function",
                None,
                Some("/** Verifies a signed token against its HMAC. */"),
            ),
            ("decode", "function", None, None),
            ("TokenService", "class", None, None),
            ("constructor", "method", Some("TokenService"), None),
            ("verify", "method", Some("TokenService"), None),
            ("handlers", "constant", None, None),
            ("refresh", "method", Some("handlers"), None),
            ("Session", "interface", None, None),
        ],
        &[
            "import { createHmac } from 'crypto';",
            "import type { Claims } from './claims';",
            "export { sign } from './sign';",
        ],
    );
    check_outline(
        "javascript",
        JS,
        &[
            ("crypto", "constant", None, None),
            ("verifySignedToken", "function", None, Some("/**")),
            ("decode", "function", None, None),
            ("TokenService", "class", None, None),
            ("verify", "method", Some("TokenService"), None),
        ],
        &[
            "const crypto = require('crypto');",
            "import { sign } from './sign.js';",
        ],
    );
    check_outline(
        "go",
        GO,
        &[
            (
                "Verifier",
                "struct",
                None,
                Some("// Verifier checks signed tokens."),
            ),
            (
                "VerifySignedToken",
                "function",
                None,
                Some("// VerifySignedToken reports whether token carries a valid signature."),
            ),
            (
                "Verify",
                "method",
                Some("Verifier"),
                Some("// Verify checks token with the verifier's secret."),
            ),
            ("ID", "type", None, None),
            ("Token", "struct", None, None),
            (
                "MaxAge",
                "constant",
                None,
                Some("// MaxAge is how long a token lives."),
            ),
        ],
        &["import (", "\t\"crypto/hmac\"", "\t\"strings\"", ")"],
    );
}

#[test]
fn a_go_package_comment_is_the_module_docstring() {
    let language = language_for(None, Some("go")).unwrap();
    let parsed = Parsed::new(language, GO).unwrap();
    assert_eq!(parsed.outline.docstring, Some(0..1));
}

#[test]
fn a_comment_after_code_or_past_a_blank_line_documents_nothing() {
    let code = "const a = 1; // about a\nfunction f() {\n  return a;\n}\n\n// A stray note.\n\nfunction g() {\n  return 2;\n}\n";
    check_outline(
        "javascript",
        code,
        &[
            ("a", "constant", None, None),
            ("f", "function", None, None),
            ("g", "function", None, None),
        ],
        &[],
    );
    check_target("javascript", code, "  return ‸a;", "function f() {", "}");
    check_target("javascript", code, "  return ‸2;", "function g() {", "}");
}

#[test]
fn the_context_of_a_typescript_selection_has_its_function_imports_and_definitions() {
    let start = TS.find("return verifySignedToken").unwrap();
    let context = context_for(
        language_for(None, Some("typescript")),
        "auth.ts",
        TS,
        start..start + "return verifySignedToken(token, this.secret);".len(),
        ContextOptions { max_tokens: 10_000 },
    );
    let texts: Vec<&str> = context.pieces.iter().map(|p| p.text.as_str()).collect();
    assert!(
        texts.iter().any(|t| t.starts_with("  @Log()\n  verify(")),
        "{texts:#?}"
    );
    assert!(texts.iter().any(|t| t.starts_with("import { createHmac }")));
    // The function it calls, with its doc comment.
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("/** Verifies a signed token") && t.ends_with("}")),
        "{texts:#?}"
    );
}

#[test]
fn deep_nesting_and_long_comment_runs_are_walked_without_recursion() {
    // Deep enough that a recursive walk would risk a test thread's 2 MiB stack.
    let depth = 10_000;
    let comments = "// note\n".repeat(depth);
    let cases = [
        (
            "typescript",
            format!(
                "{comments}export const f = () => {}{};\n",
                "[".repeat(depth),
                "]".repeat(depth)
            ),
        ),
        (
            "javascript",
            format!(
                "{comments}function f() {{ return {}1{}; }}\n",
                "(".repeat(depth),
                ")".repeat(depth)
            ),
        ),
        (
            "go",
            format!(
                "package a\n\n{comments}func f() int {{ return {}1{} }}\n",
                "(".repeat(depth),
                ")".repeat(depth)
            ),
        ),
    ];
    for (language_id, code) in cases {
        let middle = code.len() - depth;
        let context = context_for(
            language_for(None, Some(language_id)),
            "deep",
            &code,
            middle..middle,
            ContextOptions { max_tokens: 1_000 },
        );
        assert!(!context.pieces.is_empty(), "{language_id}");
        // The whole comment run belongs to the function.
        let language = language_for(None, Some(language_id)).unwrap();
        let parsed = Parsed::new(language, &code).unwrap();
        let f = parsed.outline.named("f").next().unwrap();
        assert_eq!(
            f.docstring.as_deref().map(|d| d.lines().count()),
            Some(depth),
            "{language_id}"
        );
    }
}
