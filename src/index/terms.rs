//! Words for ranking: identifiers split at `_` and camelCase, lower-cased, with the whole
//! identifier kept too, so `fetchUser`, `fetch_user` and "fetch the user" meet.

/// Words that say nothing about what is sought ("find examples of how to ...").
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "code", "do", "does", "example", "examples",
    "find", "for", "from", "how", "i", "in", "is", "it", "me", "my", "of", "on", "or", "our",
    "show", "the", "this", "that", "to", "use", "used", "uses", "using", "we", "where", "with",
];

/// The terms of `text`, in order, repeats kept (term frequency counts them).
pub fn terms(text: &str, mut each: impl FnMut(String)) {
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        if word.is_empty() {
            continue;
        }
        let whole = word.trim_matches('_').to_lowercase();
        let parts = split_identifier(word);
        if parts.len() > 1 {
            for part in &parts {
                each(part.clone());
            }
        }
        if !whole.is_empty() {
            each(whole);
        }
    }
}

/// The terms of a query, stopwords dropped (unless nothing else is left).
pub fn query_terms(query: &str) -> Vec<String> {
    let mut all = Vec::new();
    terms(query, |t| all.push(t));
    let kept: Vec<String> = all
        .iter()
        .filter(|t| !STOPWORDS.contains(&t.as_str()))
        .cloned()
        .collect();
    let mut kept = if kept.is_empty() { all } else { kept };
    kept.sort();
    kept.dedup();
    kept
}

/// `parseHTTPResponse_v2` → parse, http, response, v2.
fn split_identifier(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut parts = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current).to_lowercase());
            }
            continue;
        }
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let boundary = c.is_uppercase()
            && previous.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            });
        if boundary && !current.is_empty() {
            parts.push(std::mem::take(&mut current).to_lowercase());
        }
        current.push(c);
    }
    if !current.is_empty() {
        parts.push(current.to_lowercase());
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        terms(text, |t| out.push(t));
        out
    }

    #[test]
    fn snake_and_camel_case_identifiers_give_their_words_and_themselves() {
        assert_eq!(all("fetch_user"), ["fetch", "user", "fetch_user"]);
        assert_eq!(all("fetchUser"), ["fetch", "user", "fetchuser"]);
        assert_eq!(
            all("parseHTTPResponse"),
            ["parse", "http", "response", "parsehttpresponse"]
        );
    }

    #[test]
    fn queries_drop_stopwords_and_repeats() {
        assert_eq!(
            query_terms("find examples of how we retry the retry logic"),
            ["logic", "retry"]
        );
    }

    #[test]
    fn a_query_of_stopwords_only_keeps_them() {
        assert_eq!(query_terms("the"), ["the"]);
    }
}
