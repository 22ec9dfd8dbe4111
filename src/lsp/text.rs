//! LSP positions (line, UTF-16 code unit) and byte offsets in a text.

use lsp_types::{Position, Range};

/// The byte offset of a position; past a line's end, the line's end; past
/// the last line, the text's end.
pub fn offset(text: &str, pos: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..pos.line {
        match text.get(line_start..).and_then(|t| t.find('\n')) {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line = text.get(line_start..).unwrap_or("");
    let line = line.split('\n').next().unwrap_or("");
    let mut units = 0u32;
    for (i, c) in line.char_indices() {
        if units >= pos.character || c == '\r' {
            return line_start + i;
        }
        units += u32::try_from(c.len_utf16()).unwrap_or(2);
    }
    line_start + line.len()
}

/// The position of a byte offset (clamped to the text, rounded down to a
/// character boundary).
pub fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = u32::try_from(before.matches('\n').count()).unwrap_or(u32::MAX);
    let character = before
        .get(line_start..)
        .unwrap_or("")
        .chars()
        .filter(|&c| c != '\u{feff}' || line_start > 0)
        .map(char::len_utf16)
        .sum::<usize>();
    Position::new(line, u32::try_from(character).unwrap_or(u32::MAX))
}

pub fn range(text: &str, start: usize, end: usize) -> Range {
    Range::new(position(text, start), position(text, end))
}

/// The line holding `offset`: its start and end (before the line break).
pub fn line_around(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let start = text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = text
        .get(offset..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| offset + i);
    let end = if text.get(..end).is_some_and(|t| t.ends_with('\r')) {
        end - 1
    } else {
        end
    };
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_both_ways() {
        let text = "ab\r\n\u{1F600}x é\nlast";
        assert_eq!(position(text, 0), Position::new(0, 0));
        assert_eq!(position(text, 4), Position::new(1, 0));
        // The emoji is two UTF-16 units, four bytes.
        assert_eq!(position(text, 8), Position::new(1, 2));
        assert_eq!(offset(text, Position::new(1, 2)), 8);
        assert_eq!(offset(text, Position::new(1, 3)), 9);
        assert_eq!(offset(text, Position::new(0, 99)), 2);
        assert_eq!(offset(text, Position::new(9, 0)), text.len());
        assert_eq!(position(text, 999), Position::new(2, 4));
        assert_eq!(line_around(text, 1), (0, 2));
        assert_eq!(line_around(text, text.len()), (text.len() - 4, text.len()));
    }
}
