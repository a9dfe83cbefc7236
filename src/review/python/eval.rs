//! Expressions of the value flow: literals fold to constants, request data is tainted,
//! formatting and calls pass taint on, sanitisers clear the kinds they defuse, collections
//! hand back the element asked for.

use tree_sitter::Node;

use super::flow::{Analyser, Env, Items, MAX_EXPR_DEPTH, const_key};
use super::semantic::Module;
use super::syntax::{FIELDS, KindOf, children, is_all_caps, named_children};
use super::value::{Const, Val, kind};
use super::words;

/// Attributes of a request object that are not the client's data.
const REQUEST_METADATA: &[&str] = &[
    "method",
    "endpoint",
    "is_json",
    "is_secure",
    "user",
    "session",
    "url_rule",
    "blueprint",
    "scheme",
];

/// Qualified names of request objects.
const REQUEST_OBJECTS: &[&str] = &[
    "flask.request",
    "quart.request",
    "bottle.request",
    "pyramid.threadlocal.get_current_request",
];

impl<'t> Analyser<'_, 't> {
    /// The value of an expression here, recorded for the rules.
    pub fn eval(&mut self, env: &mut Env<'t>, node: Node<'t>, depth: usize) -> Val {
        let val = if MAX_EXPR_DEPTH < depth {
            self.capped(MAX_EXPR_DEPTH);
            Val::unknown()
        } else {
            self.eval_inner(env, node, depth)
        };
        self.record_value(node, &val);
        val
    }

    fn eval_inner(&mut self, env: &mut Env<'t>, node: Node<'t>, depth: usize) -> Val {
        let module = self.module;
        let next = depth + 1;
        match node.kind_of() {
            "string" => self.string(env, node, next),
            "concatenated_string" => {
                let mut val = Val::default();
                let mut text = Some(String::new());
                for part in named_children(node) {
                    let v = self.eval(env, part, next);
                    text = match (text, &v.konst) {
                        (Some(mut t), Some(Const::Str(s))) => {
                            t.push_str(s);
                            Some(t)
                        }
                        _ => None,
                    };
                    val = val.combine(&v);
                }
                val.konst = text.and_then(Const::str);
                val
            }
            "integer" => Val::literal(parse_int(module.text(node)).map(Const::Int)),
            "float" => Val::literal(None),
            "true" => Val::literal(Some(Const::Bool(true))),
            "false" => Val::literal(Some(Const::Bool(false))),
            "none" => Val::literal(Some(Const::None)),
            "ellipsis" => Val::literal(None),
            "identifier" => self.name(env, node),
            "attribute" => self.attribute(env, node, next),
            "subscript" => self.subscript(env, node, next),
            "call" => self.call(env, node, next),
            "parenthesized_expression" | "await" => named_children(node)
                .into_iter()
                .filter(|c| c.kind_of() != "comment")
                .map(|c| self.eval(env, c, next))
                .last()
                .unwrap_or_default(),
            "binary_operator" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_id(FIELDS.left),
                    node.child_by_field_id(FIELDS.right),
                ) else {
                    return Val::unknown();
                };
                let operator = node
                    .child_by_field_id(FIELDS.operator)
                    .map(|o| module.text(o))
                    .unwrap_or("");
                let l = self.eval(env, left, next);
                let r = self.eval(env, right, next);
                let mut val = l.combine(&r);
                val.konst = fold_binary(&l.konst, operator, &r.konst);
                let stringy = |v: &Val, n: Node<'_>| {
                    v.text || matches!(v.konst, Some(Const::Str(_))) || n.kind_of() == "string"
                };
                val.text = match operator {
                    "+" => stringy(&l, left) || stringy(&r, right),
                    "%" => stringy(&l, left),
                    _ => false,
                };
                // Arithmetic on request data gives a number.
                if !val.text && operator != "/" && !matches!(operator, "+" | "%") {
                    let konst = val.konst.take();
                    val = val.sanitised(kind::ALL);
                    val.konst = konst;
                }
                val
            }
            "unary_operator" => {
                let val = node
                    .child_by_field_id(FIELDS.argument)
                    .map(|a| self.eval(env, a, next))
                    .unwrap_or_default();
                let operator = node
                    .child_by_field_id(FIELDS.operator)
                    .map(|o| module.text(o))
                    .unwrap_or("");
                let konst = match (&val.konst, operator) {
                    (Some(Const::Int(i)), "-") => i.checked_neg().map(Const::Int),
                    (Some(Const::Int(i)), "+") => Some(Const::Int(*i)),
                    (Some(Const::Int(i)), "~") => Some(Const::Int(!i)),
                    _ => None,
                };
                Val {
                    konst,
                    ..val.sanitised(kind::ALL)
                }
            }
            "not_operator" => {
                let val = node
                    .child_by_field_id(FIELDS.argument)
                    .map(|a| self.eval(env, a, next))
                    .unwrap_or_default();
                boolean(&val, val.konst.as_ref().map(|k| !k.truthy()))
            }
            "boolean_operator" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_id(FIELDS.left),
                    node.child_by_field_id(FIELDS.right),
                ) else {
                    return Val::unknown();
                };
                let operator = node
                    .child_by_field_id(FIELDS.operator)
                    .map(|o| module.text(o))
                    .unwrap_or("");
                let l = self.eval(env, left, next);
                let short = match (&l.konst, operator) {
                    (Some(k), "and") if !k.truthy() => true,
                    (Some(k), "or") if k.truthy() => true,
                    _ => false,
                };
                if short {
                    return l;
                }
                let r = self.eval(env, right, next);
                if l.konst.is_some() {
                    return r;
                }
                l.join(&r)
            }
            "comparison_operator" => self.comparison(env, node, next),
            "conditional_expression" => {
                let parts = named_children(node);
                let [yes, condition, no] = parts.as_slice() else {
                    return Val::unknown();
                };
                let truth = self.eval(env, *condition, next).konst.map(|k| k.truthy());
                match truth {
                    Some(true) => {
                        self.mark_dead_expression(*no);
                        self.eval(env, *yes, next)
                    }
                    Some(false) => {
                        self.mark_dead_expression(*yes);
                        self.eval(env, *no, next)
                    }
                    None => {
                        let y = self.eval(env, *yes, next);
                        let n = self.eval(env, *no, next);
                        y.join(&n)
                    }
                }
            }
            "list" | "tuple" | "set" | "expression_list" => {
                let items: Vec<Val> = named_children(node)
                    .into_iter()
                    .filter(|c| c.kind_of() != "comment")
                    .map(|c| self.eval(env, c, next))
                    .collect();
                Items::List(items).all()
            }
            "dictionary" => {
                let mut val = Val::default();
                for pair in named_children(node) {
                    for part in named_children(pair) {
                        val = val.combine(&self.eval(env, part, next));
                    }
                }
                val
            }
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension" => self.comprehension(env, node, next),
            "keyword_argument" => node
                .child_by_field_id(FIELDS.value)
                .map(|v| self.eval(env, v, next))
                .unwrap_or_default(),
            "lambda" => Val::unknown(),
            "list_splat" | "dictionary_splat" => named_children(node)
                .first()
                .map(|c| self.eval(env, *c, next))
                .unwrap_or_default(),
            _ => {
                let mut val = Val::unknown();
                for child in named_children(node) {
                    val = val.combine(&self.eval(env, child, next));
                }
                val
            }
        }
    }

    fn mark_dead_expression(&mut self, node: Node<'_>) {
        if self.record {
            self.flow.dead.push((node.start_byte(), node.end_byte()));
        }
    }

    fn string(&mut self, env: &mut Env<'t>, node: Node<'t>, depth: usize) -> Val {
        let module = self.module;
        let mut val = Val::default();
        let mut text = Some(String::new());
        let mut interpolated = false;
        let parts = named_children(node);
        let raw = parts.first().is_some_and(|start| {
            module
                .text(*start)
                .bytes()
                .any(|b| b.eq_ignore_ascii_case(&b'r'))
        });
        for part in parts {
            match part.kind_of() {
                "string_content" => {
                    if let Some(t) = text.as_mut() {
                        if raw {
                            t.push_str(module.text(part));
                        } else {
                            unescape_into(t, module.text(part));
                        }
                    }
                }
                "escape_sequence" => {
                    if let Some(t) = text.as_mut() {
                        t.push_str(unescape(module.text(part)));
                    }
                }
                "interpolation" => {
                    interpolated = true;
                    text = None;
                    for expression in named_children(part) {
                        if !matches!(expression.kind_of(), "format_specifier" | "type_conversion") {
                            val = val.combine(&self.eval(env, expression, depth));
                        }
                    }
                }
                _ => {}
            }
        }
        val.text = interpolated || val.text;
        val.sql = val.sql || words::SQL_WORDS.is_match(module.text(node));
        val.konst = text.and_then(Const::str);
        val
    }

    fn name(&mut self, env: &mut Env<'t>, node: Node<'t>) -> Val {
        let module = self.module;
        let name = module.text(node);
        if let Some(slot) = env.get(name).or_else(|| self.globals.get(name)) {
            let mut val = slot.val.clone();
            if let Some(items) = &slot.items {
                val = val.combine(&items.all());
                val.konst = slot.val.konst.clone();
            }
            return val;
        }
        if let Some(qualified) = module.imports.get(name) {
            if REQUEST_OBJECTS.contains(&qualified.as_str()) {
                return Val::request();
            }
            // A module or something defined in one: code, not data.
            return Val::literal(None);
        }
        if module
            .modules
            .iter()
            .any(|m| m.split('.').next() == Some(name))
        {
            return Val::literal(None);
        }
        if is_all_caps(name) {
            return Val::literal(None);
        }
        Val::unknown()
    }

    fn attribute(&mut self, env: &mut Env<'t>, node: Node<'t>, depth: usize) -> Val {
        let module = self.module;
        let Some(object) = node.child_by_field_id(FIELDS.object) else {
            return Val::unknown();
        };
        let attribute = node
            .child_by_field_id(FIELDS.attribute)
            .map(|a| module.text(a))
            .unwrap_or("");
        if let Some(slot) = env.get(module.text(node)) {
            return slot.val.clone();
        }
        let object_val = self.eval(env, object, depth);
        if let Some(qualified) = module.qualified(node)
            && REQUEST_OBJECTS.contains(&qualified.as_str())
        {
            return Val::request();
        }
        if object_val.taint != 0 && attribute == "path" && self.fixed_path {
            return Val::literal(None);
        }
        if object_val.taint != 0 && REQUEST_METADATA.contains(&attribute) {
            return Val::checked();
        }
        if is_all_caps(attribute) {
            return Val {
                konst: None,
                ..object_val
            };
        }
        // `request.args`, `obj.name`: the object's data, no longer a literal.
        let mut val = object_val;
        val.konst = None;
        if val.is_constant() && !object.kind_of().starts_with("string") {
            val.free = kind::ALL;
        }
        val
    }

    fn subscript(&mut self, env: &mut Env<'t>, node: Node<'t>, depth: usize) -> Val {
        let module = self.module;
        let Some(object) = node.child_by_field_id(FIELDS.value) else {
            return Val::unknown();
        };
        let subscripts: Vec<Node<'t>> = {
            let mut cursor = node.walk();
            node.children(&mut cursor)
                .enumerate()
                .filter(|(i, _)| node.field_name_for_child(*i as u32) == Some("subscript"))
                .map(|(_, c)| c)
                .collect()
        };
        let object_val = self.eval(env, object, depth);
        let keys: Vec<Val> = subscripts
            .iter()
            .map(|s| self.eval(env, *s, depth))
            .collect();
        let slice = subscripts.first().is_some_and(|s| s.kind_of() == "slice");
        if let Some(items) = env.get(module.text(object)).and_then(|s| s.items.as_ref()) {
            let key = keys.first().and_then(|k| k.konst.as_ref());
            let found = match (items, key) {
                (Items::List(list), Some(Const::Int(i))) if !slice => {
                    let len = list.len() as i64;
                    let at = if *i < 0 { len + i } else { *i };
                    usize::try_from(at)
                        .ok()
                        .and_then(|at| list.get(at))
                        .cloned()
                }
                (Items::Map(map), Some(k)) if !slice => {
                    let k = const_key(k);
                    map.iter()
                        .find(|(key, _)| *key == k)
                        .map(|(_, v)| v.clone())
                }
                _ => None,
            };
            return found.unwrap_or_else(|| items.all());
        }
        let mut val = object_val.clone();
        val.konst = match (&object_val.konst, subscripts.first()) {
            (Some(Const::Str(s)), Some(index)) if slice => {
                let bounds: Vec<Option<i64>> = slice_bounds(self, env, *index, depth);
                fold_slice(s, &bounds).and_then(Const::str)
            }
            (Some(Const::Str(s)), _) => match keys.first().and_then(|k| k.konst.clone()) {
                Some(Const::Int(i)) => {
                    let chars: Vec<char> = s.chars().collect();
                    let len = chars.len() as i64;
                    let at = if i < 0 { len + i } else { i };
                    usize::try_from(at)
                        .ok()
                        .and_then(|at| chars.get(at))
                        .map(|c| Const::Str(c.to_string()))
                }
                _ => None,
            },
            _ => None,
        };
        if !object_val.is_constant() || keys.iter().all(Val::is_constant) {
            return val;
        }
        val.combine(&Val::unknown())
    }

    fn comparison(&mut self, env: &mut Env<'t>, node: Node<'t>, depth: usize) -> Val {
        let module = self.module;
        let parts = children(node);
        let mut operands: Vec<Val> = Vec::new();
        let mut operators: Vec<&str> = Vec::new();
        for child in parts {
            if child.is_named() {
                if child.kind_of() != "comment" {
                    operands.push(self.eval(env, child, depth));
                }
            } else {
                operators.push(module.text(child));
            }
        }
        let mut all = Val::default();
        for operand in &operands {
            all = all.combine(operand);
        }
        let mut truth = Some(true);
        for (index, operator) in operators.iter().enumerate() {
            let (Some(a), Some(b)) = (operands.get(index), operands.get(index + 1)) else {
                truth = None;
                break;
            };
            let this = compare(a.konst.as_ref(), operator, b.konst.as_ref());
            truth = match (truth, this) {
                (Some(true), t) => t,
                (Some(false), _) => Some(false),
                (None, Some(false)) => Some(false),
                _ => None,
            };
        }
        boolean(&all, truth)
    }

    fn comprehension(&mut self, env: &mut Env<'t>, node: Node<'t>, depth: usize) -> Val {
        let mut inner = env.clone();
        let mut body = None;
        for child in named_children(node) {
            match child.kind_of() {
                "for_in_clause" => {
                    if let (Some(left), Some(right)) = (
                        child.child_by_field_id(FIELDS.left),
                        child.child_by_field_id(FIELDS.right),
                    ) {
                        let iterable = self.eval(&mut inner, right, depth);
                        let element = self
                            .items_of(&inner, right)
                            .map(|i| i.all())
                            .unwrap_or(iterable);
                        self.assign(&mut inner, left, element, None, right);
                    }
                }
                "if_clause" => {
                    for c in named_children(child) {
                        self.eval(&mut inner, c, depth);
                    }
                }
                _ => body = Some(child),
            }
        }
        let mut val = body
            .map(|b| self.eval(&mut inner, b, depth))
            .unwrap_or_default();
        val.konst = None;
        val
    }

    fn slice_bounds_of(
        &mut self,
        env: &mut Env<'t>,
        slice: Node<'t>,
        depth: usize,
    ) -> Vec<Option<i64>> {
        // `a[1:-1]`: start and stop, `None` where left out or not constant.
        let mut bounds = vec![None, None];
        let mut index = 0;
        for child in children(slice) {
            if child.kind_of() == ":" {
                index += 1;
                if 1 < index {
                    break;
                }
                continue;
            }
            if child.is_named() {
                let v = self.eval(env, child, depth);
                bounds[index] = match v.konst {
                    Some(Const::Int(i)) => Some(i),
                    _ => return vec![],
                };
            }
        }
        bounds
    }

    /// What a collection expression holds element by element, when it is one the flow
    /// can follow.
    pub fn items_of(&mut self, env: &Env<'t>, node: Node<'t>) -> Option<Items> {
        let module = self.module;
        match node.kind_of() {
            "list" | "tuple" => Some(Items::List(
                named_children(node)
                    .into_iter()
                    .filter(|c| c.kind_of() != "comment")
                    .map(|c| self.flow.value(c).cloned().unwrap_or_else(Val::unknown))
                    .collect(),
            )),
            "dictionary" => {
                let mut entries = Vec::new();
                for pair in named_children(node) {
                    let (Some(key), Some(value)) = (
                        pair.child_by_field_id(FIELDS.key),
                        pair.child_by_field_id(FIELDS.value),
                    ) else {
                        return None;
                    };
                    let key = self.flow.value(key).and_then(|k| k.konst.clone())?;
                    let value = self.flow.value(value).cloned().unwrap_or_else(Val::unknown);
                    entries.push((const_key(&key), value));
                }
                Some(Items::Map(entries))
            }
            "identifier" => env.get(module.text(node)).and_then(|s| s.items.clone()),
            "call" => {
                let callee = node.child_by_field_id(FIELDS.function)?;
                let name = module.qualified(callee)?;
                let empty = node
                    .child_by_field_id(FIELDS.arguments)
                    .is_some_and(|a| named_children(a).is_empty());
                match name.as_str() {
                    "list" if empty => Some(Items::List(Vec::new())),
                    "dict" if empty => Some(Items::Map(Vec::new())),
                    n if words::CONFIG_PARSERS.contains(&n) => Some(Items::Map(Vec::new())),
                    n if words::TEXT_BUILDERS.contains(&n) => Some(Items::Builder(
                        node.child_by_field_id(FIELDS.arguments)
                            .and_then(|a| named_children(a).first().copied())
                            .and_then(|a| self.flow.value(a).cloned())
                            .unwrap_or_default(),
                    )),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

fn slice_bounds<'t>(
    analyser: &mut Analyser<'_, 't>,
    env: &mut Env<'t>,
    slice: Node<'t>,
    depth: usize,
) -> Vec<Option<i64>> {
    analyser.slice_bounds_of(env, slice, depth)
}

/// A boolean made from `parts`, folded when `truth` is known; never request data.
fn boolean(parts: &Val, truth: Option<bool>) -> Val {
    Val {
        konst: truth.map(Const::Bool),
        ..parts.clone().sanitised(kind::ALL)
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let text = text.replace('_', "");
    let lower = text.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(octal) = lower.strip_prefix("0o") {
        i64::from_str_radix(octal, 8).ok()
    } else if let Some(binary) = lower.strip_prefix("0b") {
        i64::from_str_radix(binary, 2).ok()
    } else {
        lower.parse().ok()
    }
}

fn unescape(sequence: &str) -> &str {
    match sequence {
        "\\n" => "\n",
        "\\t" => "\t",
        "\\r" => "\r",
        "\\0" => "\0",
        s if s.len() == 2 && s.starts_with('\\') => &s[1..],
        s => s,
    }
}

/// Folds `a <operator> b` on constants.
pub(super) fn fold_binary(a: &Option<Const>, operator: &str, b: &Option<Const>) -> Option<Const> {
    match (a.as_ref()?, b.as_ref()?) {
        (Const::Int(x), Const::Int(y)) => Some(Const::Int(match operator {
            "+" => x.checked_add(*y)?,
            "-" => x.checked_sub(*y)?,
            "*" => x.checked_mul(*y)?,
            "//" if *y != 0 => x.checked_div_euclid(*y)?,
            "%" if *y != 0 => x.checked_rem_euclid(*y)?,
            "**" if (0..64).contains(y) => x.checked_pow(*y as u32)?,
            "&" => x & y,
            "|" => x | y,
            "^" => x ^ y,
            "<<" if (0..63).contains(y) => x.checked_shl(*y as u32)?,
            ">>" if (0..63).contains(y) => x >> y,
            _ => return None,
        })),
        (Const::Str(x), Const::Str(y)) if operator == "+" => Const::str(format!("{x}{y}")),
        (Const::Str(x), Const::Int(n)) if operator == "*" && (0..64).contains(n) => {
            Const::str(x.repeat(*n as usize))
        }
        _ => None,
    }
}

fn compare(a: Option<&Const>, operator: &str, b: Option<&Const>) -> Option<bool> {
    let (a, b) = (a?, b?);
    let ordered = |f: fn(std::cmp::Ordering) -> bool| match (a, b) {
        (Const::Int(x), Const::Int(y)) => Some(f(x.cmp(y))),
        (Const::Str(x), Const::Str(y)) => Some(f(x.cmp(y))),
        _ => None,
    };
    match operator {
        "==" => Some(a == b),
        "!=" => Some(a != b),
        "<" => ordered(|o| o.is_lt()),
        "<=" => ordered(|o| o.is_le()),
        ">" => ordered(|o| o.is_gt()),
        ">=" => ordered(|o| o.is_ge()),
        "in" | "not in" => {
            let inside = match (a, b) {
                (Const::Str(x), Const::Str(y)) => y.contains(x.as_str()),
                _ => return None,
            };
            Some(inside == (operator == "in"))
        }
        _ => None,
    }
}

fn fold_slice(text: &str, bounds: &[Option<i64>]) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len() as i64;
    let clamp = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
    let (start, stop) = match bounds {
        [start, stop] => (start.map_or(0, clamp), stop.map_or(len, clamp)),
        _ => return None,
    };
    Some(if start < stop {
        chars[start as usize..stop as usize].iter().collect()
    } else {
        String::new()
    })
}

/// Whether a `case` pattern matches a constant subject: `None` when it cannot be told.
pub(super) fn pattern_matches(
    module: &Module<'_>,
    pattern: Node<'_>,
    subject: Option<&Const>,
) -> Option<bool> {
    if module.text(pattern).trim() == "_" {
        return Some(true);
    }
    let mut stack = vec![pattern];
    let mut alternatives: Vec<Node<'_>> = Vec::new();
    while let Some(n) = stack.pop() {
        match n.kind_of() {
            "case_pattern" | "union_pattern" if alternatives.len() < 64 => {
                stack.extend(named_children(n))
            }
            _ => alternatives.push(n),
        }
    }
    let subject = subject?;
    let mut answer = Some(false);
    for alternative in alternatives {
        let this = match alternative.kind_of() {
            "string" => super::syntax::string_value(module, alternative)
                .map(|s| *subject == Const::Str(unescape_all(&s))),
            "integer" => parse_int(module.text(alternative)).map(|i| *subject == Const::Int(i)),
            "true" => Some(*subject == Const::Bool(true)),
            "false" => Some(*subject == Const::Bool(false)),
            "none" => Some(*subject == Const::None),
            "dotted_name" if !module.text(alternative).contains('.') => Some(true),
            _ => None,
        };
        answer = match (answer, this) {
            (_, Some(true)) => return Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        };
    }
    answer
}

fn unescape_all(text: &str) -> String {
    let mut out = String::new();
    unescape_into(&mut out, text);
    out
}

/// Appends `text` with its backslash escapes resolved.
fn unescape_into(out: &mut String, text: &str) {
    if !text.contains('\\') {
        out.push_str(text);
        return;
    }
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
}

/// A condition that checks a value's content (`'../' in name`, `name.startswith(...)`,
/// `re.fullmatch(...)`, `url.netloc not in ALLOWED`, `is_safe_url(...)`), not just that it
/// is present (`not name`, `name is None`).
pub(super) fn is_content_check(module: &Module<'_>, condition: Node<'_>) -> bool {
    let mut stack = vec![condition];
    let mut seen = 0;
    while let Some(n) = stack.pop() {
        seen += 1;
        if super::syntax::MAX_NODES < seen {
            return false;
        }
        match n.kind_of() {
            "comparison_operator" => {
                let text = module.text(n);
                let membership_or_equality = {
                    children(n).into_iter().any(|c| {
                        !c.is_named() && matches!(module.text(c), "in" | "not in" | "==" | "!=")
                    })
                };
                let counts_length = text.contains("len(");
                let is_none = text.contains(" is ");
                // `index == -1`, `count != 0`: a number is compared, not the text checked.
                let against_number = named_children(n).iter().any(|o| {
                    o.kind_of() == "integer"
                        || (o.kind_of() == "unary_operator"
                            && named_children(*o).iter().any(|c| c.kind_of() == "integer"))
                });
                if membership_or_equality && !counts_length && !is_none && !against_number {
                    return true;
                }
            }
            "call" => {
                let name = n
                    .child_by_field_id(FIELDS.function)
                    .map(|f| module.text(f))
                    .unwrap_or("");
                let last = name.rsplit('.').next().unwrap_or("");
                if words::CONTENT_CHECKS.contains(&last)
                    || ["valid", "allowed", "safe", "trusted"]
                        .iter()
                        .any(|w| last.to_ascii_lowercase().contains(w))
                {
                    return true;
                }
            }
            _ => {}
        }
        stack.extend(named_children(n));
    }
    false
}

/// Folds Python's `str` methods that conditions use, on a constant receiver.
pub(super) fn fold_method(receiver: &Const, method: &str, args: &[Option<Const>]) -> Option<Const> {
    let Const::Str(s) = receiver else {
        return None;
    };
    let arg = |i: usize| match args.get(i) {
        Some(Some(Const::Str(a))) => Some(a.as_str()),
        _ => None,
    };
    match method {
        "upper" => Const::str(s.to_uppercase()),
        "lower" => Const::str(s.to_lowercase()),
        "strip" if args.is_empty() => Const::str(s.trim().to_string()),
        "startswith" => Some(Const::Bool(s.starts_with(arg(0)?))),
        "endswith" => Some(Const::Bool(s.ends_with(arg(0)?))),
        "replace" => Const::str(s.replace(arg(0)?, arg(1)?)),
        _ => None,
    }
}
