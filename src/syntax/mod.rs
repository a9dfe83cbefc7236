//! Syntax-aware helpers. For now an indentation heuristic; tree-sitter context replaces it
//! in a later issue.

/// The 0-based line span `[start, end]` of the block enclosing `line`: the nearest line
/// above (or at) it that opens a definition (`def`, `class`, `fn`, `function`, ...) at a
/// smaller indentation, through the last line indented deeper than that opener. Without an
/// opener, just the line.
pub fn enclosing_block(text: &str, line: usize) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= line {
        return (line, line);
    }
    let indent = |l: &str| l.len() - l.trim_start().len();
    let blank = |l: &str| l.trim().is_empty();
    let opens = |l: &str| {
        let t = l.trim_start();
        [
            "def ",
            "async def ",
            "class ",
            "fn ",
            "pub fn ",
            "async fn ",
            "pub async fn ",
            "function ",
            "async function ",
            "impl ",
        ]
        .iter()
        .any(|k| t.starts_with(k))
    };
    let current = if blank(lines[line]) {
        usize::MAX
    } else {
        indent(lines[line])
    };
    let Some(start) = (0..=line)
        .rev()
        .find(|&i| opens(lines[i]) && (i == line || indent(lines[i]) < current))
    else {
        return (line, line);
    };
    let base = indent(lines[start]);
    let mut end = start;
    for (i, l) in lines.iter().enumerate().skip(start + 1) {
        if blank(l) {
            continue;
        }
        if indent(l) <= base && !l.trim_start().starts_with([')', ']', '}']) {
            break;
        }
        end = i;
    }
    if line <= end {
        (start, end)
    } else {
        (line, line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str =
        "import os\n\ndef run(cmd):\n    x = 1\n\n    os.system(cmd)\n\ndef other():\n    pass\n";

    #[test]
    fn a_line_inside_a_function_gives_the_function() {
        assert_eq!(enclosing_block(CODE, 5), (2, 5));
    }

    #[test]
    fn the_opening_line_gives_its_function() {
        assert_eq!(enclosing_block(CODE, 7), (7, 8));
    }

    #[test]
    fn a_line_outside_any_function_is_itself() {
        assert_eq!(enclosing_block(CODE, 0), (0, 0));
    }
}
