//! What the value flow knows about one value: which injection kinds request data in it can
//! still cause, whether it is built only from literals, what constant it folds to, and a few
//! facts rules ask about (built as text, from the `random` module, ...).

/// Injection kinds, as bits: a sanitiser clears the bits of the kinds it defuses.
pub(super) mod kind {
    pub const SHELL: u16 = 1;
    pub const CODE: u16 = 1 << 1;
    pub const SQL: u16 = 1 << 2;
    pub const PATH: u16 = 1 << 3;
    pub const HTML: u16 = 1 << 4;
    pub const LDAP: u16 = 1 << 5;
    pub const XPATH: u16 = 1 << 6;
    pub const URL: u16 = 1 << 7;
    pub const DATA: u16 = 1 << 8;
    pub const ALL: u16 = u16::MAX;
}

/// Longest string the folding keeps: constants that matter to conditions are short.
const MAX_CONST: usize = 512;

/// A folded constant.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Const {
    Int(i64),
    Str(String),
    Bool(bool),
    None,
}

impl Const {
    pub fn str(text: String) -> Option<Const> {
        (text.len() <= MAX_CONST).then_some(Const::Str(text))
    }

    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Const::Int(i) => *i != 0,
            Const::Str(s) => !s.is_empty(),
            Const::Bool(b) => *b,
            Const::None => false,
        }
    }
}

/// The abstract value of an expression at one point of a function.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Val {
    /// Kinds of injection request data in the value can still cause.
    pub taint: u16,
    /// Kinds a part of unknown origin (a parameter, an unknown call) may still cause.
    pub free: u16,
    /// A non-literal part was checked or converted (`int(x)`, a guard that returns).
    pub checked: bool,
    /// Built as text: formatting, concatenation, `join`, `str()`.
    pub text: bool,
    /// Holds a string literal that reads as SQL.
    pub sql: bool,
    /// From the predictable `random` module.
    pub random: bool,
    /// An XML parser with external entities switched on.
    pub entities: bool,
    /// An argument vector that runs a shell (`["sh", "-c", ...]`) with a non-constant part.
    pub shell_argv: bool,
    pub konst: Option<Const>,
}

impl Val {
    /// A literal.
    pub fn literal(konst: Option<Const>) -> Val {
        Val {
            konst,
            ..Val::default()
        }
    }

    /// A value nothing is known about: a parameter, what an unknown call returns.
    pub fn unknown() -> Val {
        Val {
            free: kind::ALL,
            ..Val::default()
        }
    }

    /// Request data.
    pub fn request() -> Val {
        Val {
            taint: kind::ALL,
            ..Val::default()
        }
    }

    /// Checked or converted: not a literal, but safe.
    pub fn checked() -> Val {
        Val {
            checked: true,
            ..Val::default()
        }
    }

    /// Built only from literals (and settings).
    pub fn is_constant(&self) -> bool {
        self.taint == 0 && self.free == 0 && !self.checked
    }

    /// Request data in it can cause an injection of `kind`.
    pub fn tainted(&self, kind: u16) -> bool {
        self.taint & kind != 0
    }

    /// Request data or a part of unknown origin can cause an injection of `kind`.
    pub fn risky(&self, kind: u16) -> bool {
        (self.taint | self.free) & kind != 0
    }

    /// A value made of both (concatenation, formatting, a call on both): the constant is
    /// left to the caller.
    pub fn combine(&self, other: &Val) -> Val {
        Val {
            taint: self.taint | other.taint,
            free: self.free | other.free,
            checked: self.checked || other.checked,
            text: self.text || other.text,
            sql: self.sql || other.sql,
            random: self.random || other.random,
            entities: self.entities || other.entities,
            shell_argv: self.shell_argv || other.shell_argv,
            konst: None,
        }
    }

    /// Either value (branches that meet): the constant survives only if both agree.
    pub fn join(&self, other: &Val) -> Val {
        let konst = (self.konst == other.konst)
            .then(|| self.konst.clone())
            .flatten();
        Val {
            konst,
            ..self.combine(other)
        }
    }

    /// The value with the injection kinds in `kinds` defused.
    pub fn sanitised(mut self, kinds: u16) -> Val {
        let before = (self.taint | self.free) != 0;
        self.taint &= !kinds;
        self.free &= !kinds;
        if before {
            self.checked = true;
        }
        self.konst = None;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches_keep_a_constant_only_when_both_agree() {
        let a = Val::literal(Some(Const::Int(1)));
        assert_eq!(a.join(&a).konst, Some(Const::Int(1)));
        let b = Val::literal(Some(Const::Int(2)));
        assert_eq!(a.join(&b).konst, None);
        assert!(a.join(&b).is_constant());
        assert!(!a.join(&Val::request()).is_constant());
    }

    #[test]
    fn a_sanitiser_clears_only_its_kinds() {
        let v = Val::request().sanitised(kind::HTML);
        assert!(!v.tainted(kind::HTML));
        assert!(v.tainted(kind::PATH));
        assert!(!v.is_constant());
    }
}
