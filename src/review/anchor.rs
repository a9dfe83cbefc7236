//! Line anchoring: a model's line numbers drift, its quotes do not. A finding is placed
//! where the line it quotes appears, nearest to the line it claims; a finding whose quote
//! appears nowhere near is dropped.

/// Where a finding lands: a 0-based line and the char columns of the quoted text on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

/// How far from the claimed line a quote is looked for.
const WINDOW: usize = 12;

/// Anchors `quote`, claimed on 0-based `claimed_line`, in `text`. Whitespace at either end
/// of the quote and of the lines is ignored; an empty quote anchors nothing.
pub fn anchor(text: &str, claimed_line: usize, quote: &str) -> Option<Anchor> {
    // The model saw secrets as `<redacted:kind>`: the part of its quote before the marker is
    // what the document really holds (`password = "` of `password = "<redacted:password>"`).
    let quote = match quote.find("<redacted:") {
        Some(marker) => &quote[..marker],
        None => quote,
    };
    let quote = quote.trim();
    if quote.is_empty() {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return None;
    }
    let claimed = claimed_line.min(lines.len() - 1);
    let candidates = (0..=WINDOW).flat_map(|distance| {
        let below = claimed.checked_sub(distance);
        let above = (distance != 0).then_some(claimed + distance);
        [below, above].into_iter().flatten()
    });
    for line in candidates.filter(|&l| l < lines.len()) {
        if let Some(byte) = lines[line].find(quote) {
            let start = lines[line][..byte].chars().count();
            return Some(Anchor {
                line,
                start,
                end: start + quote.chars().count(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str =
        "import os\n\ndef run(cmd):\n    os.system(cmd)\n\ndef other():\n    os.system('ls')\n";

    #[test]
    fn a_quote_on_the_claimed_line_anchors_there() {
        assert_eq!(
            anchor(CODE, 3, "os.system(cmd)"),
            Some(Anchor {
                line: 3,
                start: 4,
                end: 18
            })
        );
    }

    #[test]
    fn a_drifted_line_number_is_corrected_by_the_quote() {
        assert_eq!(anchor(CODE, 1, "os.system(cmd)").map(|a| a.line), Some(3));
    }

    #[test]
    fn the_nearest_match_wins() {
        assert_eq!(anchor(CODE, 6, "os.system").map(|a| a.line), Some(6));
        assert_eq!(anchor(CODE, 2, "os.system").map(|a| a.line), Some(3));
    }

    #[test]
    fn a_quote_found_nowhere_is_not_anchored() {
        assert_eq!(anchor(CODE, 3, "eval(user_input)"), None);
    }

    #[test]
    fn a_claimed_line_past_the_end_still_searches_near_the_end() {
        assert_eq!(
            anchor(CODE, 400, "os.system('ls')").map(|a| a.line),
            Some(6)
        );
    }

    #[test]
    fn a_quote_with_a_redaction_marker_anchors_on_what_precedes_it() {
        let code = "import os\nTOKEN = \"ghp_realsecret\"\n";
        assert_eq!(
            anchor(code, 1, "TOKEN = \"<redacted:github_token>\"").map(|a| a.line),
            Some(1)
        );
    }

    #[test]
    fn columns_count_chars_not_bytes() {
        assert_eq!(
            anchor("é = 1; eval(x)\n", 0, "eval(x)"),
            Some(Anchor {
                line: 0,
                start: 7,
                end: 14
            })
        );
    }
}
