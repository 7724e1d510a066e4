//! Item types and the WaitSet interest set built from them.
//!
//! Spec (waitset.txt): `defTypes` / `types` is a comma-separated list of `f` folders, `m` messages,
//! `c` contacts, `a` appointments, `t` tasks, `d` documents, or `all`. (waitset-v1.txt's older meaning of `a`
//! as "all" is not supported; waitset.txt wins.) Conversations count as messages (`m`).

use std::fmt;

/// The kinds of item a change can touch.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum ItemType {
    Folder,
    Message,
    Contact,
    Appointment,
    Task,
    Document,
}

impl ItemType {
    pub const ALL: [ItemType; 6] = [
        ItemType::Folder,
        ItemType::Message,
        ItemType::Contact,
        ItemType::Appointment,
        ItemType::Task,
        ItemType::Document,
    ];

    /// The one-letter code used on the wire.
    pub fn letter(self) -> char {
        match self {
            ItemType::Folder => 'f',
            ItemType::Message => 'm',
            ItemType::Contact => 'c',
            ItemType::Appointment => 'a',
            ItemType::Task => 't',
            ItemType::Document => 'd',
        }
    }

    pub fn from_letter(c: char) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.letter() == c)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of item types (a WaitSet interest mask, or the types one commit touched).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct InterestTypes(u8);

/// A `types` string held something other than the known letters or `all`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid interest types {0:?}: use a comma list of f,m,c,a,t,d or all")]
pub struct ParseTypesError(pub String);

impl InterestTypes {
    pub const NONE: InterestTypes = InterestTypes(0);
    pub const ALL: InterestTypes = InterestTypes(0b11_1111);

    pub fn single(t: ItemType) -> Self {
        Self(t.bit())
    }

    pub fn contains(self, t: ItemType) -> bool {
        self.0 & t.bit() != 0
    }

    pub fn insert(&mut self, t: ItemType) {
        self.0 |= t.bit();
    }

    #[must_use]
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn is_all(self) -> bool {
        self == Self::ALL
    }

    /// The raw bit set, for compact storage.
    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn from_bits(bits: u8) -> Self {
        Self(bits & Self::ALL.0)
    }

    pub fn iter(self) -> impl Iterator<Item = ItemType> {
        ItemType::ALL.into_iter().filter(move |t| self.contains(*t))
    }

    /// Parses `"f,m,c"`, `"fmc"` (Zimbra accepts both), `"all"` or `""` (none). Letters are case-insensitive.
    pub fn parse(s: &str) -> Result<Self, ParseTypesError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("all") {
            return Ok(Self::ALL);
        }
        let mut set = Self::NONE;
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.eq_ignore_ascii_case("all") {
                return Ok(Self::ALL);
            }
            for c in part.chars() {
                let t = ItemType::from_letter(c.to_ascii_lowercase())
                    .ok_or_else(|| ParseTypesError(s.to_string()))?;
                set.insert(t);
            }
        }
        Ok(set)
    }
}

/// Normalized wire form: `all` when every type is set, otherwise letters in f,m,c,a,t,d order, comma separated.
impl fmt::Display for InterestTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("all");
        }
        let mut first = true;
        for t in self.iter() {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{}", t.letter())?;
        }
        Ok(())
    }
}

impl fmt::Debug for InterestTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InterestTypes({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalizes() {
        let cases = [
            ("f,m,c", "f,m,c"),
            ("c,m", "m,c"),
            ("mc", "m,c"),
            ("all", "all"),
            ("f,m,c,a,t,d", "all"),
            ("", ""),
            (" M , f ", "f,m"),
        ];
        for (input, want) in cases {
            assert_eq!(
                InterestTypes::parse(input).unwrap().to_string(),
                want,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn rejects_unknown_letters() {
        assert!(InterestTypes::parse("m,x").is_err());
        assert!(InterestTypes::parse("z").is_err());
    }

    #[test]
    fn a_means_appointments_not_all() {
        let t = InterestTypes::parse("a").unwrap();
        assert!(t.contains(ItemType::Appointment));
        assert!(!t.contains(ItemType::Message));
    }
}
