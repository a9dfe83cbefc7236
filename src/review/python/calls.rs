//! Calls in the value flow: collection methods, sanitisers, the `random` module, helpers of
//! the same file (through their summaries), and everything else passing its inputs on.

use tree_sitter::Node;

use super::flow::{Analyser, Env, Items, const_key};
use super::syntax::{FIELDS, KindOf, named_children};
use super::value::{Const, Val, kind};
use super::words;

impl<'t> Analyser<'_, 't> {
    pub fn call(&mut self, env: &mut Env<'t>, node: Node<'t>, depth: usize) -> Val {
        let module = self.module;
        let Some(callee) = node.child_by_field_id(FIELDS.function) else {
            return Val::unknown();
        };
        let (receiver, method) = match callee.kind_of() {
            "attribute" => (
                callee.child_by_field_id(FIELDS.object),
                callee
                    .child_by_field_id(FIELDS.attribute)
                    .map(|a| module.text(a))
                    .unwrap_or(""),
            ),
            _ => (None, module.text(callee)),
        };
        let receiver_val = match receiver {
            Some(r) => self.eval(env, r, depth),
            None => Val::default(),
        };
        let mut positional: Vec<Val> = Vec::new();
        let mut keywords: Vec<(&'t str, Val)> = Vec::new();
        if let Some(arguments) = node.child_by_field_id(FIELDS.arguments) {
            for argument in named_children(arguments) {
                match argument.kind_of() {
                    "keyword_argument" => {
                        let name = argument
                            .child_by_field_id(FIELDS.name)
                            .map(|n| module.text(n))
                            .unwrap_or("");
                        let val = self.eval(env, argument, depth);
                        keywords.push((name, val));
                    }
                    "comment" => {}
                    _ => positional.push(self.eval(env, argument, depth)),
                }
            }
        }
        let mut inputs = receiver_val.clone();
        for v in positional.iter().chain(keywords.iter().map(|(_, v)| v)) {
            inputs = inputs.combine(v);
        }
        let qualified = module.qualified(callee).unwrap_or_default();
        let receiver_name = receiver.map(|r| module.text(r));

        // Collections held in a variable.
        if let Some(name) = receiver_name
            && let Some(slot) = env.get_mut(name)
            && let Some(items) = slot.items.as_mut()
            && let Some(val) = collection_method(items, method, &positional)
        {
            return val;
        }

        // An XML parser told to resolve external entities.
        if method == "setFeature"
            && let Some(name) = receiver_name
            && positional.get(1).and_then(|v| v.konst.as_ref()) == Some(&Const::Bool(true))
            && node
                .child_by_field_id(FIELDS.arguments)
                .and_then(|a| named_children(a).first().copied())
                .is_some_and(|f| {
                    let text = module.text(f);
                    text.ends_with("feature_external_ges") || text.ends_with("feature_external_pes")
                })
        {
            if let Some(slot) = env.get_mut(name) {
                slot.val.entities = true;
            }
            return Val::default();
        }

        // Conversions and sanitisers.
        let last = qualified.rsplit('.').next().unwrap_or(method);
        if words::CONVERSIONS.contains(&qualified.as_str()) {
            return converted(&inputs);
        }
        if let Some(kinds) = words::sanitiser(&qualified, last) {
            let mut val = inputs.sanitised(kinds);
            val.text = true;
            return val;
        }
        if method == "replace"
            && receiver.is_some()
            && positional
                .first()
                .and_then(|v| v.konst.as_ref())
                .is_some_and(|k| matches!(k, Const::Str(s) if s == "'" || s == "\""))
        {
            // Quotes replaced by an entity: the value cannot leave a quoted XPath literal.
            let mut val = receiver_val.clone().sanitised(kind::XPATH);
            val.text = true;
            return val;
        }

        // Predictable and secure randomness.
        if words::RANDOM_FUNCTIONS.contains(&qualified.as_str()) {
            return Val {
                random: true,
                ..Val::checked()
            };
        }
        if words::SECURE_RANDOM
            .iter()
            .any(|p| qualified.starts_with(p))
        {
            return Val::checked();
        }

        // Helpers of this file.
        let helper = match callee.kind_of() {
            "identifier" if !env.contains_key(method) => module.functions.get(method).copied(),
            "attribute" if receiver_name == Some("self") => module.functions.get(method).copied(),
            _ => None,
        };
        if let Some(function) = helper
            && let Some(summary) = self.summary(function)
        {
            let offset = usize::from(receiver_name == Some("self"));
            let mut val = summary.own.clone();
            for (index, pass) in summary.passes.iter().enumerate() {
                let Some(arg) = index.checked_sub(offset).and_then(|i| positional.get(i)) else {
                    continue;
                };
                let mut through = arg.clone();
                through.taint &= pass;
                through.free &= pass;
                through.konst = None;
                if !arg.is_constant() && *pass != kind::ALL {
                    through.checked = true;
                }
                val = val.combine(&through);
            }
            if summary.passes.iter().all(|p| *p == 0) {
                val.konst = summary.own.konst.clone();
            }
            return val;
        }

        // Text built by methods of str.
        if receiver.is_some() && words::TEXT_METHODS.contains(&method) {
            let mut val = inputs;
            val.text = true;
            val.konst = receiver_val.konst.as_ref().and_then(|k| {
                let args: Vec<Option<Const>> = positional.iter().map(|v| v.konst.clone()).collect();
                super::eval::fold_method(k, method, &args)
            });
            if matches!(method, "startswith" | "endswith") {
                val = val.sanitised(kind::ALL);
                val.konst = receiver_val.konst.as_ref().and_then(|k| {
                    let args: Vec<Option<Const>> =
                        positional.iter().map(|v| v.konst.clone()).collect();
                    super::eval::fold_method(k, method, &args)
                });
            }
            return val;
        }
        if words::PURE.contains(&qualified.as_str()) {
            let mut val = inputs;
            val.text = val.text || matches!(qualified.as_str(), "str" | "format" | "repr");
            return val;
        }
        if words::RENDERERS.contains(&last) {
            // Templates escape what they are given.
            return inputs.sanitised(kind::HTML);
        }

        // Anything else: what goes in may come out, and the result is not a literal.
        let mut val = inputs;
        val.free = kind::ALL;
        val.konst = None;
        val.text = false;
        val.random = val.random && receiver.is_none();
        val
    }
}

fn converted(inputs: &Val) -> Val {
    if inputs.is_constant() {
        return Val::literal(None);
    }
    Val {
        random: inputs.random,
        ..Val::checked()
    }
}

/// A method of a collection the flow follows: its effect on the collection, and its value.
fn collection_method(items: &mut Items, method: &str, args: &[Val]) -> Option<Val> {
    let key = |i: usize| args.get(i).and_then(|a| a.konst.as_ref()).map(const_key);
    match (items, method) {
        (Items::List(list), "append") => {
            list.push(args.first().cloned().unwrap_or_default());
            Some(Val::default())
        }
        (Items::List(list), "insert") => {
            let at = match args.first().and_then(|a| a.konst.as_ref()) {
                Some(Const::Int(i)) if (0..=list.len() as i64).contains(i) => *i as usize,
                _ => list.len(),
            };
            list.insert(at, args.get(1).cloned().unwrap_or_default());
            Some(Val::default())
        }
        (Items::List(list), "pop") => {
            if list.is_empty() {
                return Some(Val::default());
            }
            let len = list.len() as i64;
            let at = match args.first().map(|a| &a.konst) {
                None => Some(len - 1),
                Some(Some(Const::Int(i))) => Some(if *i < 0 { len + i } else { *i }),
                Some(_) => None,
            };
            match at.filter(|a| (0..len).contains(a)) {
                Some(at) => Some(list.remove(at as usize)),
                None => {
                    let all = Items::List(list.clone()).all();
                    Some(all)
                }
            }
        }
        (Items::Map(map), "get") => {
            let k = if args.len() >= 2 && args[1].konst.is_some() && map_has_sections(map) {
                key(0).zip(key(1)).map(|(s, k)| format!("{s}\0{k}"))
            } else {
                key(0)
            };
            let found = k.and_then(|k| {
                map.iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| v.clone())
            });
            Some(match found {
                Some(v) => v,
                None => {
                    let mut all = Items::Map(map.clone()).all();
                    if let Some(default) = args.get(1) {
                        all = all.join(default);
                    }
                    all
                }
            })
        }
        (Items::Map(map), "set") if args.len() >= 3 => {
            if let (Some(s), Some(k)) = (key(0), key(1)) {
                let k = format!("{s}\0{k}");
                map.retain(|(existing, _)| *existing != k);
                map.push((k, args[2].clone()));
            }
            Some(Val::default())
        }
        (Items::Map(map), "add_section") => {
            if let Some(s) = key(0) {
                map.push((format!("{s}\0"), Val::default()));
            }
            Some(Val::default())
        }
        (Items::Map(map), "update" | "setdefault") => {
            let all = args.iter().fold(Val::default(), |a, v| a.combine(v));
            map.push(("\u{1}".into(), all));
            Some(Val::default())
        }
        (Items::Builder(text), "write") => {
            *text = text.combine(&args.first().cloned().unwrap_or_default());
            text.text = true;
            Some(Val::default())
        }
        (Items::Builder(text), "getvalue") => Some(Val {
            text: true,
            ..text.clone()
        }),
        _ => None,
    }
}

fn map_has_sections(map: &[(String, Val)]) -> bool {
    map.iter().any(|(k, _)| k.contains('\0'))
}
