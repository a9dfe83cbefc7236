//! Suggestions already made, by the text around the cursor: a repeat, a backspace back to
//! an earlier state, or typing that follows a suggestion costs no model call.

use std::collections::VecDeque;

/// Bytes of text before the cursor that identify a suggestion's place.
const PREFIX_KEY: usize = 512;
/// Bytes of text after the cursor that must be the same for a suggestion to still fit.
const SUFFIX_KEY: usize = 256;

/// Where a suggestion was made: the end of the text before the cursor and the start of
/// the text after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    prefix_tail: String,
    /// `prefix_tail` is the whole prefix (a place near the start of the file).
    whole: bool,
    suffix_head: String,
}

impl Place {
    pub fn new(prefix: &str, suffix: &str) -> Place {
        let prefix_tail = tail(prefix, PREFIX_KEY);
        Place {
            whole: prefix_tail.len() == prefix.len(),
            prefix_tail: prefix_tail.to_string(),
            suffix_head: head(suffix, SUFFIX_KEY).to_string(),
        }
    }

    /// What was typed at this place to reach `prefix` before the same `suffix` (empty: the
    /// same place); `None` when `prefix` is not this place plus at most `max` bytes.
    pub fn typed_since<'p>(&self, prefix: &'p str, suffix: &str, max: usize) -> Option<&'p str> {
        if head(suffix, SUFFIX_KEY) != self.suffix_head {
            return None;
        }
        let window = tail(prefix, self.prefix_tail.len() + max);
        let at = window.rfind(self.prefix_tail.as_str())?;
        let typed = &window[at + self.prefix_tail.len()..];
        let same_start = !self.whole || prefix.len() - typed.len() == self.prefix_tail.len();
        same_start.then_some(typed)
    }
}

impl Place {
    /// What is left of `text`, suggested here, once `prefix` is this place plus a start of
    /// `text`. Tried by the length typed: most lengths fail at their first byte, so a miss
    /// costs little more than a pass over the suggestion.
    fn rest_of(&self, text: &str, prefix: &str) -> Option<String> {
        let max = text.len().min(prefix.len());
        (0..=max)
            .filter(|&typed| text.is_char_boundary(typed))
            .find(|&typed| {
                let (before, at_end) = prefix.split_at(prefix.len() - typed);
                prefix.is_char_boundary(prefix.len() - typed)
                    && at_end == &text[..typed]
                    && before.ends_with(self.prefix_tail.as_str())
                    && (!self.whole || before.len() == self.prefix_tail.len())
            })
            .map(|typed| text[typed..].to_string())
            .filter(|rest| !rest.trim().is_empty())
    }
}

/// The most recent suggestions, newest first.
#[derive(Debug)]
pub struct Cache {
    entries: VecDeque<(Place, String)>,
    capacity: usize,
}

impl Default for Cache {
    /// Room for the suggestions of a few minutes' typing.
    fn default() -> Cache {
        Cache::new(64)
    }
}

impl Cache {
    pub fn new(capacity: usize) -> Cache {
        Cache {
            entries: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// Remembers `text` as the suggestion between `prefix` and `suffix`.
    pub fn put(&mut self, prefix: &str, suffix: &str, text: &str) {
        let place = Place::new(prefix, suffix);
        self.entries.retain(|(p, _)| *p != place);
        if self.entries.len() == self.capacity {
            self.entries.pop_back();
        }
        self.entries.push_front((place, text.to_string()));
    }

    /// The suggestion for this place: one made here, or one made a little earlier whose
    /// start the user has typed since (then the rest of it).
    pub fn get(&self, prefix: &str, suffix: &str) -> Option<String> {
        let suffix_head = head(suffix, SUFFIX_KEY);
        self.entries
            .iter()
            .filter(|(place, _)| place.suffix_head == suffix_head)
            .find_map(|(place, text)| place.rest_of(text, prefix))
    }
}

fn tail(text: &str, bytes: usize) -> &str {
    let mut at = text.len().saturating_sub(bytes);
    while !text.is_char_boundary(at) {
        at += 1;
    }
    &text[at..]
}

fn head(text: &str, bytes: usize) -> &str {
    let mut at = bytes.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    &text[..at]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_place_gives_the_same_suggestion() {
        let mut cache = Cache::new(8);
        cache.put("def f():\n    ", "\n", "return 1");
        assert_eq!(
            cache.get("def f():\n    ", "\n").as_deref(),
            Some("return 1")
        );
    }

    #[test]
    fn typing_the_start_of_a_suggestion_leaves_the_rest() {
        let mut cache = Cache::new(8);
        cache.put("x = ", "\n", "compute(a, b)");
        assert_eq!(cache.get("x = comp", "\n").as_deref(), Some("ute(a, b)"));
        assert_eq!(cache.get("x = compX", "\n"), None, "typed something else");
    }

    #[test]
    fn a_backspace_back_to_an_earlier_place_finds_its_suggestion() {
        let mut cache = Cache::new(8);
        cache.put("x = ", "\n", "1");
        cache.put("x = y", "\n", " + 1");
        assert_eq!(cache.get("x = ", "\n").as_deref(), Some("1"));
    }

    #[test]
    fn other_text_after_the_cursor_misses() {
        let mut cache = Cache::new(8);
        cache.put("x = ", "\n", "1");
        assert_eq!(cache.get("x = ", ")\n"), None);
    }

    #[test]
    fn typing_the_whole_suggestion_leaves_nothing_to_offer() {
        let mut cache = Cache::new(8);
        cache.put("x = ", "\n", "1");
        assert_eq!(cache.get("x = 1", "\n"), None);
    }

    #[test]
    fn the_oldest_suggestion_goes_first_when_full() {
        let mut cache = Cache::new(2);
        cache.put("a", "", "1");
        cache.put("b", "", "2");
        cache.put("c", "", "3");
        assert_eq!(cache.get("a", ""), None);
        assert_eq!(cache.get("c", "").as_deref(), Some("3"));
    }

    #[test]
    fn multibyte_text_at_the_key_edges_does_not_split_characters() {
        let mut cache = Cache::new(2);
        let prefix = "é".repeat(600);
        cache.put(&prefix, &"ü".repeat(300), "x");
        assert_eq!(cache.get(&prefix, &"ü".repeat(300)).as_deref(), Some("x"));
    }
}
