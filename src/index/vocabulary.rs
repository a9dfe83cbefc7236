//! The index's words, each kept once: a definition's terms are numbers into this table
//! (2 to 3 bytes a term, packed, instead of a string and a hash-map slot, about 100 bytes),
//! and a word no definition uses any more is forgotten, its number used again.

use std::collections::HashMap;

/// A word's number in the `Vocabulary`.
pub type TermId = u32;

/// A definition's weighted terms: while the file is scanned (on any thread, without the
/// index), its words; once in the index, numbers in increasing order, packed — each the
/// gap from the one before, then its weight, both as LEB128 varints. Weights are whole
/// (sums of 3, 2 and 1), so packing loses nothing. Packed rather than as `(u32, f32)`
/// pairs, the on-disk bench workspace's index (485,000 terms) took 1.7 MiB less memory.
#[derive(Clone, Debug, PartialEq)]
pub enum Terms {
    Words(HashMap<String, f32>),
    Packed(Box<[u8]>),
}

impl Terms {
    /// The weighted frequency of `id` (`None` if absent or not yet numbered).
    pub fn frequency(&self, id: TermId) -> Option<f32> {
        self.numbered()
            .find(|(term, _)| id <= *term)
            .filter(|(term, _)| *term == id)
            .map(|(_, weight)| weight as f32)
    }

    /// The numbered terms and their weights, in increasing order (none while unnumbered).
    fn numbered(&self) -> impl Iterator<Item = (TermId, u32)> + '_ {
        let mut bytes = match self {
            Terms::Packed(bytes) => &bytes[..],
            Terms::Words(_) => &[][..],
        };
        let mut term = 0;
        std::iter::from_fn(move || {
            if bytes.is_empty() {
                return None;
            }
            term += read_varint(&mut bytes);
            Some((term, read_varint(&mut bytes)))
        })
    }
}

fn write_varint(out: &mut Vec<u8>, mut value: u32) {
    while 0x80 <= value {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn read_varint(bytes: &mut &[u8]) -> u32 {
    let mut value = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        value |= u32::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            *bytes = &bytes[i + 1..];
            return value;
        }
    }
    *bytes = &[];
    value
}

/// Every word of the indexed definitions, with how many definitions contain it.
#[derive(Debug, Default)]
pub struct Vocabulary {
    ids: HashMap<Box<str>, TermId>,
    words: Vec<Box<str>>,
    /// Per id, the number of definitions that contain the word (0: a free id).
    frequency: Vec<u32>,
    free: Vec<TermId>,
}

impl Vocabulary {
    /// Numbers `terms` (counting each word once more), sorted by id; terms already
    /// numbered were counted then and are left as they are.
    pub fn add(&mut self, terms: &mut Terms) {
        let Terms::Words(words) = terms else {
            return;
        };
        let mut ids: Vec<(TermId, f32)> = std::mem::take(words)
            .into_iter()
            .map(|(word, weight)| (self.intern(word), weight))
            .collect();
        ids.sort_unstable_by_key(|(id, _)| *id);
        let mut packed = Vec::with_capacity(ids.len() * 3);
        let mut previous = 0;
        for (id, weight) in ids {
            write_varint(&mut packed, id - previous);
            write_varint(&mut packed, weight.round() as u32);
            previous = id;
        }
        *terms = Terms::Packed(packed.into_boxed_slice());
    }

    /// Counts `terms` once less, forgetting words no definition uses any more.
    pub fn remove(&mut self, terms: &Terms) {
        for (id, _) in terms.numbered() {
            let count = &mut self.frequency[id as usize];
            *count -= 1;
            if *count == 0 {
                let word = std::mem::take(&mut self.words[id as usize]);
                self.ids.remove(&word);
                self.free.push(id);
            }
        }
    }

    /// The word's id and how many definitions contain it, if any does.
    pub fn get(&self, word: &str) -> Option<(TermId, u32)> {
        let id = *self.ids.get(word)?;
        Some((id, self.frequency[id as usize]))
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn intern(&mut self, word: String) -> TermId {
        if let Some(&id) = self.ids.get(word.as_str()) {
            self.frequency[id as usize] += 1;
            return id;
        }
        let word: Box<str> = word.into_boxed_str();
        let id = match self.free.pop() {
            Some(id) => {
                self.words[id as usize] = word.clone();
                self.frequency[id as usize] = 1;
                id
            }
            None => {
                self.words.push(word.clone());
                self.frequency.push(1);
                (self.words.len() - 1) as TermId
            }
        };
        self.ids.insert(word, id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Terms {
        Terms::Words(list.iter().map(|w| (w.to_string(), 1.0)).collect())
    }

    #[test]
    fn a_word_is_kept_once_and_forgotten_with_its_last_definition() {
        let mut vocabulary = Vocabulary::default();
        let (mut a, mut b) = (words(&["fetch", "user"]), words(&["fetch"]));
        vocabulary.add(&mut a);
        vocabulary.add(&mut b);
        let (fetch, count) = vocabulary.get("fetch").unwrap();
        assert_eq!(count, 2);
        assert_eq!(a.frequency(fetch), Some(1.0));
        vocabulary.remove(&a);
        assert_eq!(vocabulary.get("fetch").map(|(_, n)| n), Some(1));
        assert!(vocabulary.get("user").is_none());
        vocabulary.remove(&b);
        assert!(vocabulary.is_empty());
        // A freed number serves the next new word.
        let mut c = words(&["order"]);
        vocabulary.add(&mut c);
        assert_eq!(vocabulary.get("order").map(|(_, n)| n), Some(1));
        assert!(vocabulary.get("fetch").is_none());
    }

    #[test]
    fn packed_terms_keep_every_number_and_weight() {
        let mut vocabulary = Vocabulary::default();
        let all: Vec<String> = (0..300).map(|i| format!("w{i}")).collect();
        let mut many = Terms::Words(all.iter().map(|w| (w.clone(), 1.0)).collect());
        vocabulary.add(&mut many);
        let mut few = Terms::Words(HashMap::from([
            ("w0".to_string(), 3.0),
            ("w299".to_string(), 70_000.0),
        ]));
        vocabulary.add(&mut few);
        let id = |w: &str| vocabulary.get(w).unwrap().0;
        assert_eq!(few.frequency(id("w0")), Some(3.0));
        assert_eq!(few.frequency(id("w299")), Some(70_000.0));
        assert_eq!(few.frequency(id("w150")), None);
        assert!(all.iter().all(|w| many.frequency(id(w)) == Some(1.0)));
        vocabulary.remove(&few);
        vocabulary.remove(&many);
        assert!(vocabulary.is_empty());
    }
}
