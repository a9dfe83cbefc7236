//! What a source file imports, read without parsing it.
//!
//! Packing scans every file of the workspace, so this must run at memory speed: a memchr
//! search for the word that starts an import (`import`, a quoted `./`), then a look at that
//! one line (a Go `import ( … )` block, to its parenthesis). No AST: a docstring line that
//! reads like an import may count as one, and an import built at run time (`importlib`,
//! `require(name)`) is not seen. The cost of such a miss is a file packed a tier lower, not
//! a wrong answer.

use std::path::Path;

use memchr::{memchr, memmem, memrchr};

/// The languages whose imports are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lang {
    Python,
    /// JavaScript and TypeScript.
    Script,
    Rust,
    Go,
    /// `go.mod`: not imports, the module path its directory's Go packages are imported by.
    GoMod,
}

impl Lang {
    pub(super) fn of(path: &Path) -> Option<Lang> {
        if path.file_name().is_some_and(|name| name == "go.mod") {
            return Some(Lang::GoMod);
        }
        let ext = path.extension()?.to_str()?;
        match ext {
            "py" | "pyi" => Some(Lang::Python),
            "js" | "jsx" | "mjs" | "cjs" | "ts" | "tsx" | "mts" | "cts" => Some(Lang::Script),
            "rs" => Some(Lang::Rust),
            "go" => Some(Lang::Go),
            _ => None,
        }
    }
}

/// One import as written; `resolve` finds the workspace file it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Import {
    /// `import a.b` (level 0, no names), `from ..a import b, c` (level 2).
    Python {
        level: usize,
        module: String,
        names: Vec<String>,
    },
    /// A relative specifier: `import x from './x'`, `require('../y')`, `export * from './z'`.
    Script(String),
    /// `mod x;`: a child module in its own file.
    RustMod(String),
    /// `use crate::a::b` and `self::`/`super::` paths: the segments, the first being
    /// `crate`, `self` or `super` (other paths name other crates).
    RustUse(Vec<String>),
    /// `import "example.com/app/auth"`: a package, by its import path.
    Go(String),
    /// `module example.com/app` in a `go.mod`: the import path of its directory.
    GoModule(String),
}

/// The imports of a file in `lang`.
pub(super) fn scan(lang: Lang, text: &[u8]) -> Vec<Import> {
    let mut out = Vec::new();
    match lang {
        Lang::Python => python(text, &mut out),
        Lang::Script => script(text, &mut out),
        Lang::Rust => rust(text, &mut out),
        Lang::Go => go(text, &mut out),
        Lang::GoMod => go_module(text, &mut out),
    }
    out
}

fn python(text: &[u8], out: &mut Vec<Import>) {
    let mut done = 0;
    for hit in memmem::find_iter(text, b"import") {
        if hit < done {
            continue;
        }
        let start = line_start(text, hit);
        let line = trim_start(&text[start..line_end(text, hit)]);
        if !(keyword(line, b"import") || keyword(line, b"from")) {
            continue;
        }
        let end = python_statement_end(text, hit);
        done = end;
        python_statement(&text[start..end], out);
    }
}

/// Where an import statement ends: its line, or the closing parenthesis of a parenthesised
/// name list, or further lines joined with a backslash.
fn python_statement_end(text: &[u8], from: usize) -> usize {
    let mut end = line_end(text, from);
    let line = &text[from..end];
    if memchr(b'(', line).is_some() && memchr(b')', line).is_none() {
        return memchr(b')', &text[end..]).map_or(text.len(), |i| end + i + 1);
    }
    while trim_end(&text[..end]).ends_with(b"\\") && end < text.len() {
        end = line_end(text, end + 1);
    }
    end
}

fn python_statement(statement: &[u8], out: &mut Vec<Import>) {
    let mut tokens = python_tokens(statement).into_iter();
    match tokens.next() {
        Some(b"import") => {
            for module in imported_names(&mut tokens) {
                out.push(Import::Python {
                    level: 0,
                    module,
                    names: Vec::new(),
                });
            }
        }
        Some(b"from") => {
            let Some(dotted) = tokens.next() else { return };
            if tokens.next() != Some(b"import") {
                return;
            }
            let level = dotted.iter().take_while(|&&b| b == b'.').count();
            out.push(Import::Python {
                level,
                module: lossy(&dotted[level..]),
                names: imported_names(&mut tokens),
            });
        }
        _ => {}
    }
}

/// `a.b as c, d` → `a.b`, `d`; a `*` names nothing.
fn imported_names<'t>(tokens: &mut impl Iterator<Item = &'t [u8]>) -> Vec<String> {
    let mut names = Vec::new();
    let mut expect_name = true;
    let mut after_as = false;
    for token in tokens {
        match token {
            b"," => {
                expect_name = true;
                after_as = false;
            }
            b"as" => after_as = true,
            b"*" => expect_name = false,
            name if expect_name && !after_as => {
                names.push(lossy(name));
                expect_name = false;
            }
            _ => {}
        }
    }
    names
}

/// Dotted names, `,` and `*`; comments dropped, everything else a separator.
fn python_tokens(statement: &[u8]) -> Vec<&[u8]> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < statement.len() {
        let b = statement[i];
        if b == b'#' {
            i += memchr(b'\n', &statement[i..]).unwrap_or(statement.len() - i);
        } else if b == b',' || b == b'*' {
            tokens.push(&statement[i..i + 1]);
            i += 1;
        } else if is_ident(b) || b == b'.' {
            let len = statement[i..]
                .iter()
                .take_while(|&&b| is_ident(b) || b == b'.')
                .count();
            tokens.push(&statement[i..i + len]);
            i += len;
        } else {
            i += 1;
        }
    }
    tokens
}

/// Relative specifiers in quotes right after `from`, `import` or `require(`. Bare
/// specifiers (`react`, `@scope/x`) name packages, not workspace files.
fn script(text: &[u8], out: &mut Vec<Import>) {
    for hit in memmem::find_iter(text, b"./") {
        let open = if 1 <= hit && is_quote(text[hit - 1]) {
            hit - 1
        } else if 2 <= hit && text[hit - 1] == b'.' && is_quote(text[hit - 2]) {
            hit - 2
        } else {
            continue;
        };
        let rest = &text[open + 1..line_end(text, open)];
        let Some(len) = memchr(text[open], rest) else {
            continue;
        };
        let before = trim_end(&text[line_start(text, open)..open]);
        let before = trim_end(before.strip_suffix(b"(").unwrap_or(before));
        if [b"from".as_slice(), b"import", b"require"]
            .iter()
            .any(|word| ends_with_word(before, word))
        {
            out.push(Import::Script(lossy(&rest[..len])));
        }
    }
}

/// `import "a/b"`, `import x "a/b"` and `import ( … )` blocks, at the start of a line.
fn go(text: &[u8], out: &mut Vec<Import>) {
    let mut done = 0;
    for hit in memmem::find_iter(text, b"import") {
        if hit < done {
            continue;
        }
        let start = line_start(text, hit);
        let after = text.get(hit + b"import".len()).copied();
        if !trim_start(&text[start..hit]).is_empty()
            || !after.is_some_and(|b| b.is_ascii_whitespace() || b == b'(')
        {
            continue;
        }
        let rest = trim_start(&text[hit + b"import".len()..line_end(text, hit)]);
        let end = if rest.starts_with(b"(") {
            let open = hit + memchr(b'(', &text[hit..]).unwrap_or(0);
            memchr(b')', &text[open..]).map_or(text.len(), |i| open + i + 1)
        } else {
            line_end(text, hit)
        };
        done = end;
        go_specs(&text[hit..end], out);
    }
}

/// The quoted import paths of an import declaration, line comments skipped.
fn go_specs(declaration: &[u8], out: &mut Vec<Import>) {
    let mut i = 0;
    while i < declaration.len() {
        match declaration[i] {
            b'/' if declaration.get(i + 1) == Some(&b'/') => {
                i += memchr(b'\n', &declaration[i..]).unwrap_or(declaration.len() - i);
            }
            quote @ (b'"' | b'`') => {
                let Some(len) = memchr(quote, &declaration[i + 1..]) else {
                    return;
                };
                out.push(Import::Go(lossy(&declaration[i + 1..i + 1 + len])));
                i += len + 2;
            }
            _ => i += 1,
        }
    }
}

/// The `module` line of a `go.mod`.
fn go_module(text: &[u8], out: &mut Vec<Import>) {
    for line in text.split(|&b| b == b'\n') {
        if let Some(rest) = trim_start(line).strip_prefix(b"module")
            && rest.first().is_some_and(u8::is_ascii_whitespace)
        {
            // The path, up to a trailing comment.
            let rest = trim_start(rest);
            let len = rest.iter().take_while(|b| !b.is_ascii_whitespace()).count();
            let path = &rest[..len];
            let path = path
                .strip_prefix(b"\"")
                .and_then(|p| p.strip_suffix(b"\""))
                .unwrap_or(path);
            out.push(Import::GoModule(lossy(path)));
            return;
        }
    }
}

/// `mod x;` and `use` of this crate's paths, at the start of a line.
fn rust(text: &[u8], out: &mut Vec<Import>) {
    let mut start = 0;
    while start < text.len() {
        let end = line_end(text, start);
        let line = without_visibility(trim_start(&text[start..end]));
        if let Some(rest) = line.strip_prefix(b"mod ") {
            let rest = trim_start(rest);
            let len = rest.iter().take_while(|&&b| is_ident(b)).count();
            if trim_start(&rest[len..]).starts_with(b";") {
                out.push(Import::RustMod(lossy(&rest[..len])));
            }
        } else if line.starts_with(b"use ") {
            let offset = end - line.len();
            let Some(semi) = memchr(b';', &text[offset..]) else {
                break;
            };
            let statement = &text[offset + 4..offset + semi];
            out.extend(
                use_paths(statement)
                    .into_iter()
                    .filter(|path| {
                        matches!(
                            path.first().map(String::as_str),
                            Some("crate" | "self" | "super")
                        )
                    })
                    .map(Import::RustUse),
            );
            start = line_end(text, offset + semi) + 1;
            continue;
        }
        start = end + 1;
    }
}

/// `pub`, `pub(crate)`, `pub(in a::b)` before an item.
fn without_visibility(line: &[u8]) -> &[u8] {
    let Some(rest) = line.strip_prefix(b"pub") else {
        return line;
    };
    match rest.first() {
        Some(b'(') => memchr(b')', rest).map_or(line, |i| trim_start(&rest[i + 1..])),
        Some(b' ' | b'\t') => trim_start(rest),
        _ => line,
    }
}

#[derive(Debug, PartialEq)]
enum UseToken<'a> {
    Ident(&'a [u8]),
    Path,
    Open,
    Close,
    Comma,
    Glob,
}

/// The paths of a use tree: `crate::a::{b, c::{self, D}}` → `crate::a::b`, `crate::a::c`,
/// `crate::a::c::D`.
fn use_paths(tree: &[u8]) -> Vec<Vec<String>> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < tree.len() {
        let token = match tree[i] {
            b':' if tree.get(i + 1) == Some(&b':') => {
                i += 1;
                UseToken::Path
            }
            b'{' => UseToken::Open,
            b'}' => UseToken::Close,
            b',' => UseToken::Comma,
            b'*' => UseToken::Glob,
            b if is_ident(b) => {
                let len = tree[i..].iter().take_while(|&&b| is_ident(b)).count();
                i += len;
                tokens.push(UseToken::Ident(&tree[i - len..i]));
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        tokens.push(token);
        i += 1;
    }
    let mut paths = Vec::new();
    use_tree(&tokens, &mut 0, &mut Vec::new(), &mut paths);
    paths
}

fn use_tree(
    tokens: &[UseToken],
    pos: &mut usize,
    prefix: &mut Vec<String>,
    paths: &mut Vec<Vec<String>>,
) {
    let depth = prefix.len();
    while let Some(UseToken::Ident(name)) = tokens.get(*pos) {
        *pos += 1;
        // `{self, ...}` names the prefix itself.
        if *name != b"self" || prefix.is_empty() {
            prefix.push(lossy(name));
        }
        if tokens.get(*pos) != Some(&UseToken::Path) {
            // A leaf, perhaps renamed.
            if tokens.get(*pos) == Some(&UseToken::Ident(b"as")) {
                *pos += 2;
            }
            paths.push(prefix.clone());
            prefix.truncate(depth);
            return;
        }
        *pos += 1;
    }
    match tokens.get(*pos) {
        Some(UseToken::Glob) => {
            *pos += 1;
            paths.push(prefix.clone());
        }
        Some(UseToken::Open) => {
            *pos += 1;
            while !matches!(tokens.get(*pos), None | Some(UseToken::Close)) {
                use_tree(tokens, pos, prefix, paths);
                if tokens.get(*pos) == Some(&UseToken::Comma) {
                    *pos += 1;
                } else if tokens.get(*pos) != Some(&UseToken::Close) {
                    // Not a use tree after all: stop rather than loop.
                    *pos = tokens.len();
                }
            }
            *pos += 1;
        }
        _ => {}
    }
    prefix.truncate(depth);
}

fn line_start(text: &[u8], at: usize) -> usize {
    memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1)
}

fn line_end(text: &[u8], at: usize) -> usize {
    memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[n..]
}

fn trim_end(bytes: &[u8]) -> &[u8] {
    let n = bytes
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    &bytes[..bytes.len() - n]
}

/// `line` starts with `word` followed by white space.
fn keyword(line: &[u8], word: &[u8]) -> bool {
    line.strip_prefix(word)
        .is_some_and(|rest| rest.first().is_some_and(u8::is_ascii_whitespace))
}

/// `text` ends with `word` as a whole word.
fn ends_with_word(text: &[u8], word: &[u8]) -> bool {
    text.strip_suffix(word)
        .is_some_and(|rest| !rest.last().copied().is_some_and(is_ident))
}

/// Identifier bytes; non-ASCII counts, as Python and JavaScript allow it.
fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || 0x80 <= b
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'\'' | b'"' | b'`')
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(module: &str, level: usize, names: &[&str]) -> Import {
        Import::Python {
            level,
            module: module.into(),
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn python_imports_and_from_imports_anywhere_in_the_file() {
        let text = b"\"\"\"Doc.\"\"\"\nimport os, app.models as m\nfrom app.db import (\n    Session,  # the session\n    engine as e,\n)\n\ndef f():\n    from .util import helper\n    import_me = 1\n    return importlib.import_module('x')\n";
        assert_eq!(
            scan(Lang::Python, text),
            [
                py("os", 0, &[]),
                py("app.models", 0, &[]),
                py("app.db", 0, &["Session", "engine"]),
                py("util", 1, &["helper"]),
            ]
        );
    }

    #[test]
    fn python_relative_imports_keep_their_level() {
        let text =
            b"from . import views, models\nfrom ..core.base import *\nfrom x import a, \\\n    b\n";
        assert_eq!(
            scan(Lang::Python, text),
            [
                py("", 1, &["views", "models"]),
                py("core.base", 2, &[]),
                py("x", 0, &["a", "b"]),
            ]
        );
    }

    #[test]
    fn script_relative_specifiers_after_from_import_or_require() {
        let text = b"import React from 'react';\nimport { a } from './a';\nexport * from \"../lib/b.js\";\nimport './side-effect';\nconst c = require('./c');\nconst d = await import(`./d`);\nconst url = './not-an-import';\n";
        assert_eq!(
            scan(Lang::Script, text),
            ["./a", "../lib/b.js", "./side-effect", "./c", "./d"].map(|s| Import::Script(s.into()))
        );
    }

    #[test]
    fn rust_mod_declarations_and_crate_paths() {
        let text = b"mod a;\npub(crate) mod b;\nmod tests {\n}\nuse std::fmt;\nuse crate::x::{y, z::{self, W}};\npub use super::v as w;\nuse self::a::*;\n";
        let path = |p: &[&str]| Import::RustUse(p.iter().map(|s| s.to_string()).collect());
        assert_eq!(
            scan(Lang::Rust, text),
            [
                Import::RustMod("a".into()),
                Import::RustMod("b".into()),
                path(&["crate", "x", "y"]),
                path(&["crate", "x", "z"]),
                path(&["crate", "x", "z", "W"]),
                path(&["super", "v"]),
                path(&["self", "a"]),
            ]
        );
    }

    #[test]
    fn a_multi_line_use_is_read_to_its_semicolon() {
        let text = b"use crate::{\n    a::B,\n    c,\n};\nmod d;\n";
        let path = |p: &[&str]| Import::RustUse(p.iter().map(|s| s.to_string()).collect());
        assert_eq!(
            scan(Lang::Rust, text),
            [
                path(&["crate", "a", "B"]),
                path(&["crate", "c"]),
                Import::RustMod("d".into())
            ]
        );
    }

    #[test]
    fn go_imports_single_and_in_blocks_with_aliases_and_comments() {
        let text = b"package auth\n\nimport \"fmt\"\nimport h \"crypto/hmac\"\nimport (\n\t\"strings\"\n\t// \"commented/out\"\n\tstore \"example.com/app/internal/store\"\n\t_ `example.com/app/db`\n)\n\nfunc importNothing() { _ = \"import \\\"x\\\"\" }\n";
        assert_eq!(
            scan(Lang::Go, text),
            [
                "fmt",
                "crypto/hmac",
                "strings",
                "example.com/app/internal/store",
                "example.com/app/db"
            ]
            .map(|s| Import::Go(s.into()))
        );
    }

    #[test]
    fn a_go_mod_declares_its_module_path() {
        let text = b"// The app.\nmodule example.com/app\n\ngo 1.22\n\nrequire golang.org/x/text v0.14.0\n";
        assert_eq!(
            scan(Lang::GoMod, text),
            [Import::GoModule("example.com/app".into())]
        );
        assert_eq!(Lang::of(Path::new("svc/go.mod")), Some(Lang::GoMod));
    }

    #[test]
    fn languages_by_extension() {
        assert_eq!(Lang::of(Path::new("a/b.py")), Some(Lang::Python));
        assert_eq!(Lang::of(Path::new("c.test.tsx")), Some(Lang::Script));
        assert_eq!(Lang::of(Path::new("lib.rs")), Some(Lang::Rust));
        assert_eq!(Lang::of(Path::new("auth_test.go")), Some(Lang::Go));
        assert_eq!(Lang::of(Path::new("README.md")), None);
    }
}
