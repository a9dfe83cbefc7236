//! Compound statements in the value flow: `if`/`elif`/`else` (constant conditions pick a
//! branch, a check that turns a value away clears it), loops, `try`, `with`, `match`.

use tree_sitter::Node;

use super::flow::{Analyser, Env, Items, join_env};
use super::semantic::Module;
use super::syntax::{FIELDS, KindOf, identifiers, named_children};
use super::value::{Val, kind};

impl<'t> Analyser<'_, 't> {
    pub(super) fn if_statement(&mut self, env: &mut Env<'t>, node: Node<'t>, depth: usize) -> bool {
        // The branches in order: (condition, body); `None` condition for `else`.
        let mut branches: Vec<(Option<Node<'t>>, Node<'t>)> = Vec::new();
        if let Some(body) = node.child_by_field_id(FIELDS.consequence) {
            branches.push((node.child_by_field_id(FIELDS.condition), body));
        }
        for clause in named_children(node) {
            match clause.kind_of() {
                "elif_clause" => {
                    if let Some(body) = clause.child_by_field_id(FIELDS.consequence) {
                        branches.push((clause.child_by_field_id(FIELDS.condition), body));
                    }
                }
                "else_clause" => {
                    if let Some(body) = clause.child_by_field_id(FIELDS.body) {
                        branches.push((None, body));
                    }
                }
                _ => {}
            }
        }
        let has_else = branches.last().is_some_and(|(c, _)| c.is_none());
        let mut outcomes: Vec<Env<'t>> = Vec::new();
        let mut current = env.clone();
        let mut decided = false;
        for (condition, body) in branches.iter().copied() {
            if decided {
                self.mark_dead(body);
                continue;
            }
            let truth = match condition {
                Some(c) => self.eval(&mut current, c, 0).konst.map(|k| k.truthy()),
                None => Some(true),
            };
            match truth {
                Some(false) => self.mark_dead(body),
                Some(true) => {
                    let mut taken = current.clone();
                    if !self.block(&mut taken, body, depth + 1) {
                        outcomes.push(taken);
                    }
                    decided = true;
                }
                None => {
                    let mut taken = current.clone();
                    let leaves = self.block(&mut taken, body, depth + 1);
                    if leaves {
                        // A check that turns the value away: past it, the value passed.
                        if let Some(c) = condition
                            && super::eval::is_content_check(self.module, c)
                        {
                            self.validate(&mut current, c);
                        }
                    } else {
                        outcomes.push(taken);
                    }
                }
            }
        }
        if !decided && !has_else {
            outcomes.push(current);
        } else if !decided {
            // Every branch was run or dead; `current` went into the else branch.
        }
        match outcomes.split_first() {
            Some((first, rest)) => {
                let mut joined = first.clone();
                for other in rest {
                    joined = join_env(&joined, other);
                }
                *env = joined;
                false
            }
            None => true,
        }
    }

    /// Marks the names a check read (and the names they were computed from) as checked.
    fn validate(&mut self, env: &mut Env<'t>, condition: Node<'t>) {
        let module = self.module;
        let mut names: Vec<&'t str> = identifiers(condition)
            .into_iter()
            .map(|n| module.text(n))
            .collect();
        let mut index = 0;
        while index < names.len() && names.len() < 32 {
            if let Some(slot) = env.get(names[index]) {
                for f in &slot.from {
                    if !names.contains(f) {
                        names.push(f);
                    }
                }
            }
            index += 1;
        }
        for name in names {
            if let Some(slot) = env.get_mut(name)
                && !slot.val.is_constant()
            {
                slot.val = slot.val.clone().sanitised(kind::ALL);
                slot.val.checked = true;
                if let Some(items) = &slot.items {
                    let mut all = items.all().sanitised(kind::ALL);
                    all.checked = true;
                    slot.items = Some(Items::Builder(all));
                }
            }
        }
    }

    pub(super) fn loop_statement(&mut self, env: &mut Env<'t>, node: Node<'t>, depth: usize) {
        let mut inside = env.clone();
        if node.kind_of() == "for_statement" {
            if let (Some(left), Some(right)) = (
                node.child_by_field_id(FIELDS.left),
                node.child_by_field_id(FIELDS.right),
            ) {
                let iterable = self.eval(&mut inside, right, 0);
                let element = self
                    .items_of(&inside, right)
                    .map(|i| i.all())
                    .unwrap_or(iterable);
                self.assign(&mut inside, left, element, None, right);
            }
        } else if let Some(condition) = node.child_by_field_id(FIELDS.condition) {
            let truth = self
                .eval(&mut inside, condition, 0)
                .konst
                .map(|k| k.truthy());
            if truth == Some(false) {
                if let Some(body) = node.child_by_field_id(FIELDS.body) {
                    self.mark_dead(body);
                }
                return;
            }
        }
        if let Some(body) = node.child_by_field_id(FIELDS.body) {
            self.block(&mut inside, body, depth + 1);
        }
        let mut after = join_env(env, &inside);
        if let Some(alternative) = node.child_by_field_id(FIELDS.alternative)
            && let Some(body) = alternative.child_by_field_id(FIELDS.body)
        {
            self.block(&mut after, body, depth + 1);
        }
        *env = after;
    }

    pub(super) fn try_statement(
        &mut self,
        env: &mut Env<'t>,
        node: Node<'t>,
        depth: usize,
    ) -> bool {
        let before = env.clone();
        let mut body_env = env.clone();
        let body_leaves = node
            .child_by_field_id(FIELDS.body)
            .is_some_and(|b| self.block(&mut body_env, b, depth + 1));
        let mut outcomes: Vec<Env<'t>> = Vec::new();
        let mut finally = None;
        let mut else_body = None;
        // A handler may start anywhere in the body: from what held before or after it.
        let handler_start = join_env(&before, &body_env);
        for clause in named_children(node) {
            match clause.kind_of() {
                "except_clause" | "except_group_clause" => {
                    let mut handler = handler_start.clone();
                    let mut leaves = false;
                    for part in named_children(clause) {
                        if part.kind_of() == "block" {
                            leaves = self.block(&mut handler, part, depth + 1);
                        } else if part.kind_of() == "as_pattern" {
                            for alias in named_children(part) {
                                if alias.kind_of() == "as_pattern_target" {
                                    for name in named_children(alias) {
                                        self.assign(
                                            &mut handler,
                                            name,
                                            Val::unknown(),
                                            None,
                                            alias,
                                        );
                                    }
                                }
                            }
                        }
                    }
                    if !leaves {
                        outcomes.push(handler);
                    }
                }
                "else_clause" => else_body = clause.child_by_field_id(FIELDS.body),
                "finally_clause" => finally = Some(clause),
                _ => {}
            }
        }
        let mut leaves = body_leaves;
        if !body_leaves {
            if let Some(body) = else_body {
                leaves = self.block(&mut body_env, body, depth + 1);
            }
            if !leaves {
                outcomes.insert(0, body_env);
            }
        }
        let all_leave = outcomes.is_empty();
        let mut joined = match outcomes.split_first() {
            Some((first, rest)) => rest.iter().fold(first.clone(), |a, b| join_env(&a, b)),
            None => handler_start,
        };
        if let Some(finally) = finally {
            for part in named_children(finally) {
                if part.kind_of() == "block" {
                    self.block(&mut joined, part, depth + 1);
                }
            }
        }
        *env = joined;
        all_leave
    }

    pub(super) fn with_item(&mut self, env: &mut Env<'t>, item: Node<'t>) {
        let Some(value) = item.child_by_field_id(FIELDS.value) else {
            return;
        };
        if value.kind_of() == "as_pattern" {
            let children = named_children(value);
            let Some(expression) = children.first().copied() else {
                return;
            };
            let val = self.eval(env, expression, 0);
            for alias in children.iter().skip(1) {
                for name in named_children(*alias) {
                    self.assign(env, name, val.clone(), None, expression);
                }
            }
        } else {
            self.eval(env, value, 0);
        }
    }

    pub(super) fn match_statement(
        &mut self,
        env: &mut Env<'t>,
        node: Node<'t>,
        depth: usize,
    ) -> bool {
        let subject = node
            .child_by_field_id(FIELDS.subject)
            .map(|s| self.eval(env, s, 0))
            .unwrap_or_default();
        let Some(body) = node.child_by_field_id(FIELDS.body) else {
            return false;
        };
        let mut outcomes: Vec<Env<'t>> = Vec::new();
        let mut decided = false;
        let mut exhaustive = false;
        for case in named_children(body) {
            if case.kind_of() != "case_clause" {
                continue;
            }
            let Some(consequence) = case.child_by_field_id(FIELDS.consequence) else {
                continue;
            };
            if decided {
                self.mark_dead(consequence);
                continue;
            }
            let guarded = named_children(case)
                .iter()
                .any(|c| c.kind_of() == "if_clause");
            let mut matches = Some(false);
            for pattern in named_children(case)
                .into_iter()
                .filter(|c| c.kind_of() == "case_pattern")
            {
                matches = match (
                    matches,
                    super::eval::pattern_matches(self.module, pattern, subject.konst.as_ref()),
                ) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                };
            }
            match matches {
                Some(false) => self.mark_dead(consequence),
                Some(true) if !guarded => {
                    let mut taken = env.clone();
                    if !self.block(&mut taken, consequence, depth + 1) {
                        outcomes.push(taken);
                    }
                    decided = subject.konst.is_some() || wildcard(self.module, case);
                    exhaustive = true;
                }
                _ => {
                    let mut taken = env.clone();
                    if !self.block(&mut taken, consequence, depth + 1) {
                        outcomes.push(taken);
                    }
                }
            }
        }
        if !exhaustive {
            outcomes.push(env.clone());
        }
        match outcomes.split_first() {
            Some((first, rest)) => {
                *env = rest.iter().fold(first.clone(), |a, b| join_env(&a, b));
                false
            }
            None => true,
        }
    }
}

fn wildcard(module: &Module<'_>, case: Node<'_>) -> bool {
    named_children(case)
        .iter()
        .any(|p| p.kind_of() == "case_pattern" && module.text(*p).trim() == "_")
}
