//! Cryptography: weak hashes (CWE-328), broken ciphers and ECB mode (CWE-327), short keys
//! (CWE-326), and predictable randomness where a secret is made (CWE-338).

use tree_sitter::Node;

use super::syntax::{FIELDS, KindOf, is_false, string_value};
use super::value::Const;
use super::words::{
    RANDOM_FUNCTIONS, SECRET_CONTEXT, WEAK_CIPHER_ALGORITHMS, WEAK_CIPHER_MODULES, WEAK_HASHES,
};
use super::{Call, Ctx, Hit, hit, hit_with, rules};

/// Elliptic curves shorter than 224 bits.
const WEAK_CURVES: &[&str] = &["SECP192R1", "SECT163K1", "SECT163R2", "P192", "P-192"];

/// How far up from a call its secret context is looked for.
const MAX_CONTEXT_STEPS: usize = 16;

pub(super) fn check_call<'t>(ctx: &Ctx<'_, 't>, call: &Call<'t>, hits: &mut Vec<Hit<'t>>) {
    let name = call.name.as_str();
    let args = &call.args;
    let not_for_security = args.keyword("usedforsecurity").is_some_and(is_false);
    let weak_hash = match name.rsplit_once('.') {
        Some(("hashlib", "new")) => args.positional(0).is_some_and(|n| {
            matches!(&ctx.val(n).konst, Some(Const::Str(v)) if WEAK_HASHES.contains(&v.to_ascii_lowercase().as_str()))
                || string_value(ctx.module, n)
                    .is_some_and(|v| WEAK_HASHES.contains(&v.to_ascii_lowercase().as_str()))
        }),
        Some(("hashlib", function)) => WEAK_HASHES.contains(&function),
        Some((module, "new")) => {
            module.ends_with("Hash.MD5")
                || module.ends_with("Hash.MD4")
                || module.ends_with("Hash.SHA")
                || module.ends_with("Hash.SHA1")
        }
        Some((module, "MD5" | "SHA1")) => module.ends_with("hashes"),
        _ => false,
    };
    if weak_hash && !not_for_security {
        hits.push(hit_with(
            rules::WEAK_HASH,
            call.node,
            format!("{name} is a broken hash for security uses"),
        ));
    }

    let weak_cipher = match name.rsplit_once('.') {
        Some((module, "new")) => module.rsplit_once('.').is_some_and(|(package, cipher)| {
            package.ends_with("Cipher") && WEAK_CIPHER_MODULES.contains(&cipher)
        }),
        Some((module, algorithm)) if module.ends_with("algorithms") => {
            WEAK_CIPHER_ALGORITHMS.contains(&algorithm)
        }
        Some((module, "ECB")) => module.ends_with("modes"),
        _ => false,
    };
    if weak_cipher {
        hits.push(hit_with(
            rules::WEAK_CIPHER,
            call.node,
            format!("{name} is a broken cipher or mode"),
        ));
    }
    for value in args
        .positional
        .iter()
        .chain(args.keywords.iter().map(|(_, v)| v))
    {
        check_mode(ctx, *value, hits);
    }

    // Key sizes.
    let size_of = |node: Option<Node<'t>>| match node.map(|n| ctx.val(n).konst) {
        Some(Some(Const::Int(bits))) => Some(bits),
        _ => None,
    };
    let (module, function) = name.rsplit_once('.').unwrap_or(("", name));
    let bits = match (module.rsplit('.').next().unwrap_or(""), function) {
        ("rsa" | "dsa", "generate_private_key") => {
            size_of(args.keyword("key_size").or(args.positional(1)))
        }
        ("RSA" | "DSA", "generate") => size_of(args.keyword("bits").or(args.positional(0))),
        _ => None,
    };
    if let Some(bits) = bits.filter(|b| *b < 2048) {
        hits.push(hit_with(
            rules::WEAK_KEY,
            call.node,
            format!("a {bits}-bit key is too short; use at least 2048 bits"),
        ));
    }
    if function == "generate_private_key"
        && module.ends_with("ec")
        && let Some(curve) = args.positional(0).or(args.keyword("curve"))
        && WEAK_CURVES
            .iter()
            .any(|c| ctx.text(curve).trim_end_matches("()").ends_with(c))
    {
        hits.push(hit_with(
            rules::WEAK_KEY,
            call.node,
            "a curve shorter than 224 bits is too weak".into(),
        ));
    }

    // Predictable randomness for secrets.
    if RANDOM_FUNCTIONS.contains(&name) && in_secret_context(ctx, call.node) {
        hits.push(hit_with(
            rules::RANDOM,
            call.node,
            format!("{name} makes a security value; the random module is predictable"),
        ));
    }
    if call.method == "set_cookie"
        && let Some(value) = args.positional(1).or(args.keyword("value"))
        && ctx.val(value).random
    {
        hits.push(hit_with(
            rules::RANDOM,
            value,
            "a cookie value comes from the predictable random module".into(),
        ));
    }
}

/// `AES.MODE_ECB` passed or assigned.
fn check_mode<'t>(ctx: &Ctx<'_, 't>, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
    let name = match node.kind_of() {
        "attribute" => node
            .child_by_field_id(FIELDS.attribute)
            .map(|a| ctx.text(a)),
        "identifier" => Some(ctx.text(node)),
        _ => None,
    };
    if name == Some("MODE_ECB") {
        hits.push(hit_with(
            rules::WEAK_CIPHER,
            node,
            "ECB mode leaks patterns of the plaintext".into(),
        ));
    }
}

/// A predictable value stored where a secret goes: a name, key or container that says
/// token, session, password, ...
pub(super) fn check_assignment<'t>(ctx: &Ctx<'_, 't>, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
    let (Some(left), Some(right)) = (
        node.child_by_field_id(FIELDS.left),
        node.child_by_field_id(FIELDS.right),
    ) else {
        return;
    };
    if node.kind_of() == "assignment" {
        check_mode(ctx, right, hits);
    }
    let val = ctx.val(right);
    if !val.random {
        return;
    }
    let target = match left.kind_of() {
        "subscript" => left
            .child_by_field_id(FIELDS.value)
            .map(|o| ctx.text(o))
            .into_iter()
            .chain(
                left.child_by_field_id(FIELDS.subscript)
                    .map(|s| ctx.text(s)),
            )
            .collect::<Vec<_>>(),
        _ => vec![ctx.text(left)],
    };
    let direct = right.kind_of() == "call"
        && right
            .child_by_field_id(FIELDS.function)
            .and_then(|f| ctx.module.qualified(f))
            .is_some_and(|q| RANDOM_FUNCTIONS.contains(&q.as_str()));
    // `code = ...` in `def invite_code()`: the function says what the value is for.
    let function = ctx
        .module
        .function_of(node)
        .and_then(|f| f.child_by_field_id(FIELDS.name))
        .map(|n| ctx.text(n));
    let secret = target.iter().any(|t| SECRET_CONTEXT.is_match(t))
        || function.is_some_and(|f| SECRET_CONTEXT.is_match(f));
    if !(direct && target.iter().any(|t| SECRET_CONTEXT.is_match(t))) && secret {
        hits.push(hit(rules::RANDOM, node));
    }
}

/// Whether the value of a call is a token, password, ...: judged by the name it is
/// assigned to, passed as, stored under, or returned from.
fn in_secret_context(ctx: &Ctx<'_, '_>, call: Node<'_>) -> bool {
    let mut node = call;
    for _ in 0..MAX_CONTEXT_STEPS {
        let Some(parent) = node.parent() else {
            return false;
        };
        let name = match parent.kind_of() {
            "assignment" => parent.child_by_field_id(FIELDS.left).map(|l| ctx.text(l)),
            "keyword_argument" => parent.child_by_field_id(FIELDS.name).map(|n| ctx.text(n)),
            "pair" => parent.child_by_field_id(FIELDS.key).map(|k| ctx.text(k)),
            "return_statement" => ctx
                .module
                .function_of(parent)
                .and_then(|f| f.child_by_field_id(FIELDS.name))
                .map(|n| ctx.text(n)),
            "expression_statement" | "function_definition" | "module" | "block" => {
                return false;
            }
            _ => {
                node = parent;
                continue;
            }
        };
        return name.is_some_and(|n| SECRET_CONTEXT.is_match(n));
    }
    false
}
