//! The indentation heuristic for "the enclosing block", for files without a grammar and for
//! code actions, which must answer in microseconds without a parse.

/// The 0-based line span `[start, end]` of the block enclosing `line` in `text`.
pub fn enclosing_block(text: &str, line: usize) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    enclosing_block_in(lines.len(), |i| std::borrow::Cow::Borrowed(lines[i]), line)
}

/// The block enclosing `line`: the nearest line above (or at) it that opens a definition
/// (`def`, `class`, `fn`, `function`, ...) at a smaller indentation, through the last line
/// indented deeper than that opener. Without an opener, just the line. Reads only the lines
/// from the nearest top-level line above the cursor through the block (`line_at` is called
/// for indices below `count`), so a large document costs what its blocks cost.
pub fn enclosing_block_in<'a>(
    count: usize,
    line_at: impl Fn(usize) -> std::borrow::Cow<'a, str>,
    line: usize,
) -> (usize, usize) {
    if count <= line {
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
    let here = line_at(line);
    let current = if blank(&here) {
        usize::MAX
    } else {
        indent(&here)
    };
    // Upwards to the opener; a top-level line that opens nothing ends the search, since
    // nothing above it can enclose the cursor (this keeps large files cheap).
    let mut start = None;
    for i in (0..=line).rev() {
        let l = line_at(i);
        if opens(&l) && (i == line || indent(&l) < current) {
            start = Some(i);
            break;
        }
        if !blank(&l) && indent(&l) == 0 && !l.trim_start().starts_with([')', ']', '}', '@', '#']) {
            break;
        }
    }
    let Some(start) = start else {
        return (line, line);
    };
    let base = indent(&line_at(start));
    let mut end = start;
    for i in start + 1..count {
        let l = line_at(i);
        if blank(&l) {
            continue;
        }
        if indent(&l) <= base && !l.trim_start().starts_with([')', ']', '}']) {
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
    fn a_top_level_statement_between_functions_is_itself() {
        let code = "def a():\n    pass\nx = 1\n    \ny = 2\n";
        assert_eq!(enclosing_block(code, 4), (4, 4));
    }

    #[test]
    fn a_line_outside_any_function_is_itself() {
        assert_eq!(enclosing_block(CODE, 0), (0, 0));
    }
}
