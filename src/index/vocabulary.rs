//! The index's words, each kept once: a definition's terms are numbers into this table
//! (8 bytes a term instead of a string and a hash-map slot, about 100 bytes), and a word no
//! definition uses any more is forgotten, its number used again.

use std::collections::HashMap;

/// A word's number in the `Vocabulary`.
pub type TermId = u32;

/// A definition's weighted terms: while the file is scanned (on any thread, without the
/// index), its words; once in the index, numbers sorted for binary search.
#[derive(Clone, Debug, PartialEq)]
pub enum Terms {
    Words(HashMap<String, f32>),
    Ids(Box<[(TermId, f32)]>),
}

impl Terms {
    /// The weighted frequency of `id` (0 if absent or not yet numbered).
    pub fn frequency(&self, id: TermId) -> Option<f32> {
        match self {
            Terms::Ids(ids) => ids
                .binary_search_by_key(&id, |(term, _)| *term)
                .ok()
                .map(|at| ids[at].1),
            Terms::Words(_) => None,
        }
    }
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
        *terms = Terms::Ids(ids.into_boxed_slice());
    }

    /// Counts `terms` once less, forgetting words no definition uses any more.
    pub fn remove(&mut self, terms: &Terms) {
        let Terms::Ids(ids) = terms else {
            return;
        };
        for &(id, _) in ids.iter() {
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
}
