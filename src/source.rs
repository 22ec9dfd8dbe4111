//! Source files, byte spans and the line index that turns offsets into
//! 1-based line / column positions (columns counted in characters).

use std::path::PathBuf;

/// Index of a file in the run's [`SourceMap`].
pub type FileId = u32;

/// A byte range `start..end` in one file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: clamp_u32(start),
            end: clamp_u32(end.max(start)),
        }
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A span in a particular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    pub file: FileId,
    pub span: Span,
}

impl Loc {
    pub fn new(file: FileId, span: Span) -> Loc {
        Loc { file, span }
    }
}

/// A 1-based position: line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// One loaded file: its path as given, the path to print, and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Path as printed in reports (relative to the working directory when under it).
    pub display: String,
    pub text: String,
    line_starts: Vec<u32>,
    /// Characters before each `BLOCK`-byte block: a column costs at most a
    /// block's scan, not the whole line's (many findings on a long line).
    block_chars: Vec<usize>,
    /// Characters outside the Basic Multilingual Plane (two UTF-16 units)
    /// before each block: the same for the editor's UTF-16 columns, built
    /// the first time a long line needs them (never on the command line).
    block_wide: std::sync::OnceLock<Vec<usize>>,
}

const BLOCK: usize = 4096;

/// Line prefixes up to this many bytes are scanned for UTF-16 columns: cheaper
/// than the two block lookups for ordinary lines.
const SHORT_PREFIX: usize = 512;

/// Characters in `bytes`: the bytes that are not UTF-8 continuation bytes.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count()
}

/// What `count` counts before each `BLOCK`-byte block, and in all.
fn block_table(bytes: &[u8], count: fn(&[u8]) -> usize) -> Vec<usize> {
    let mut table = Vec::with_capacity(bytes.len() / BLOCK + 2);
    table.push(0);
    let mut total = 0;
    for block in bytes.chunks(BLOCK) {
        total += count(block);
        table.push(total);
    }
    table
}

/// Characters in `bytes` that take two UTF-16 units: 4-byte UTF-8 leads.
fn count_wide(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| (**b & 0xF8) == 0xF0).count()
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: String) -> SourceFile {
        // Lines end at LF, CRLF, or a lone CR (old Mac line endings), as editors count them.
        let bytes = text.as_bytes();
        let mut line_starts = vec![0u32];
        line_starts.extend(
            memchr::memchr2_iter(b'\n', b'\r', bytes)
                .filter(|&i| bytes.get(i) == Some(&b'\n') || bytes.get(i + 1) != Some(&b'\n'))
                .map(|i| clamp_u32(i + 1)),
        );
        let block_chars = block_table(bytes, count_chars);
        SourceFile {
            path,
            display,
            text,
            line_starts,
            block_chars,
            block_wide: std::sync::OnceLock::new(),
        }
    }

    /// Line and column of a byte offset. Offsets past the end map to the end;
    /// offsets inside a UTF-8 sequence count the partial character.
    pub fn position(&self, offset: u32) -> Position {
        let offset = offset.min(clamp_u32(self.text.len()));
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = self.line_starts.get(line_idx).copied().unwrap_or(0) as usize;
        // A byte order mark is not a column.
        let mut chars = self
            .chars_before(offset as usize)
            .saturating_sub(self.chars_before(line_start));
        if line_idx == 0 && self.text.starts_with('\u{feff}') && offset >= 3 {
            chars -= 1;
        }
        Position {
            line: clamp_u32(line_idx + 1),
            column: clamp_u32(chars + 1),
        }
    }

    /// 0-based line and UTF-16 column of a byte offset, as the Language
    /// Server Protocol counts them (clamped to the text, rounded down to a
    /// character boundary; a byte order mark is not a column).
    pub fn utf16_position(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_idx = match self.line_starts.binary_search(&clamp_u32(offset)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = self.line_starts.get(line_idx).copied().unwrap_or(0) as usize;
        // A short prefix is scanned; a long one (a line may be megabytes, and
        // an editor asks for every finding's range) comes from the block tables.
        let mut units = if offset - line_start <= SHORT_PREFIX {
            self.text
                .get(line_start..offset)
                .unwrap_or("")
                .chars()
                .map(char::len_utf16)
                .sum()
        } else {
            let units_before = |o: usize| self.chars_before(o) + self.wide_before(o);
            units_before(offset).saturating_sub(units_before(line_start))
        };
        if line_start == 0 && offset >= 3 && self.text.starts_with('\u{feff}') {
            units -= 1;
        }
        (clamp_u32(line_idx), clamp_u32(units))
    }

    /// Characters of two UTF-16 units before byte `offset`.
    fn wide_before(&self, offset: usize) -> usize {
        let table = self
            .block_wide
            .get_or_init(|| block_table(self.text.as_bytes(), count_wide));
        self.counted_before(table, offset, count_wide)
    }

    /// Characters in the text before byte `offset` (within the text).
    fn chars_before(&self, offset: usize) -> usize {
        self.counted_before(&self.block_chars, offset, count_chars)
    }

    /// What `count` counts before byte `offset`: the block table up to its
    /// block, then a scan of the rest.
    fn counted_before(&self, table: &[usize], offset: usize, count: fn(&[u8]) -> usize) -> usize {
        let block = offset / BLOCK;
        let before = table.get(block).copied().unwrap_or(0);
        let rest = self
            .text
            .as_bytes()
            .get(block * BLOCK..offset)
            .unwrap_or(&[]);
        before + count(rest)
    }

    /// Byte range of 1-based `line` without its line end (LF, CRLF or CR),
    /// or None past the last line. A byte order mark is not part of line 1.
    pub fn line_range(&self, line: u32) -> Option<(usize, usize)> {
        let i = (line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(i)? as usize;
        let next = self
            .line_starts
            .get(i + 1)
            .map_or(self.text.len(), |s| *s as usize);
        let content = self.text.get(start..next).unwrap_or("");
        let content = content.strip_suffix('\n').unwrap_or(content);
        let content = content.strip_suffix('\r').unwrap_or(content);
        let end = start + content.len();
        let bom = if i == 0 && content.starts_with('\u{feff}') {
            3
        } else {
            0
        };
        Some((start + bom, end))
    }

    /// The text of a span, or "" when the span does not fall on char boundaries.
    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// Every file of a run, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    /// Shared: a language server keeps a file's line index between runs.
    files: Vec<std::sync::Arc<SourceFile>>,
}

impl SourceMap {
    pub fn add(&mut self, file: impl Into<std::sync::Arc<SourceFile>>) -> FileId {
        self.files.push(file.into());
        clamp_u32(self.files.len() - 1)
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id as usize).map(|f| &**f)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Every file with its shared handle (to keep what was derived from it).
    pub fn iter_shared(&self) -> impl Iterator<Item = (FileId, &std::sync::Arc<SourceFile>)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (clamp_u32(i), f))
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (clamp_u32(i), &**f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, offset: u32) -> (u32, u32) {
        let f = SourceFile::new(PathBuf::new(), String::new(), text.to_string());
        let p = f.position(offset);
        (p.line, p.column)
    }

    #[test]
    fn columns_are_characters_whatever_the_line_endings() {
        // A byte order mark is not a column.
        assert_eq!(at("\u{feff}{\"a\": 1}", 4), (1, 2));
        // CR-only, LF and CRLF line endings.
        assert_eq!(at("a\rb\rc", 4), (3, 1));
        assert_eq!(at("a\nb\r\nc", 5), (3, 1));
        assert_eq!(at("a\r\nb", 3), (2, 1));
        // Characters, not bytes.
        assert_eq!(at("é x", 3), (1, 3));
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let f = SourceFile::new("a".into(), "a".into(), "ab\n\u{e9}x\n".into());
        assert_eq!(f.position(0), Position { line: 1, column: 1 });
        assert_eq!(f.position(1), Position { line: 1, column: 2 });
        assert_eq!(f.position(3), Position { line: 2, column: 1 });
        // 'x' follows a two-byte character: byte 5, column 2.
        assert_eq!(f.position(5), Position { line: 2, column: 2 });
        assert_eq!(f.position(999), Position { line: 3, column: 1 });
    }

    #[test]
    fn lsp_positions_count_utf16_units_from_zero() {
        let f = SourceFile::new(
            "a".into(),
            "a".into(),
            "\u{feff}a\r\u{1f600}b\r\n\u{e9}".into(),
        );
        // The byte order mark is not a column; a lone CR ends a line.
        assert_eq!(f.utf16_position(4), (0, 1));
        // An astral character is two UTF-16 units; inside it rounds down.
        assert_eq!(f.utf16_position(9), (1, 2));
        assert_eq!(f.utf16_position(7), (1, 0));
        assert_eq!(f.utf16_position(12), (2, 0));
        assert_eq!(f.utf16_position(999), (2, 1));
    }

    #[test]
    fn utf16_columns_from_the_block_tables_match_a_scan() {
        // Long lines over several blocks, every width of character.
        let pieces = [
            "a",
            "\u{e9}",
            "\u{20ac}",
            "\u{1f600}",
            "\n",
            "\r\n",
            "\u{feff}",
        ];
        let mut text = String::from("\u{feff}");
        let mut n: usize = 7;
        while text.len() < 3 * BLOCK + 100 {
            n = n
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let piece = pieces[(n >> 33) % pieces.len()];
            // Mostly long lines: few line ends.
            if piece.contains('\n') && !(n >> 20).is_multiple_of(50) {
                continue;
            }
            text.push_str(piece);
        }
        let f = SourceFile::new("a".into(), "a".into(), text.clone());
        for offset in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
            let (line, col) = f.utf16_position(offset);
            let line_start = f.line_starts[line as usize] as usize;
            let scanned: usize = text[line_start..offset]
                .chars()
                .enumerate()
                .filter(|&(i, c)| !(line_start == 0 && i == 0 && c == '\u{feff}'))
                .map(|(_, c)| c.len_utf16())
                .sum();
            assert_eq!(col as usize, scanned, "offset {offset}");
        }
    }

    #[test]
    fn line_ranges_leave_out_line_ends_and_the_byte_order_mark() {
        let text = "\u{feff}ab\r\ncd\ref\n\ngh";
        let f = SourceFile::new("a".into(), "a".into(), text.into());
        let line = |n| f.line_range(n).map(|(s, e)| &text[s..e]);
        assert_eq!(line(1), Some("ab"));
        assert_eq!(line(2), Some("cd"));
        assert_eq!(line(3), Some("ef"));
        assert_eq!(line(4), Some(""));
        assert_eq!(line(5), Some("gh"));
        assert_eq!(line(6), None);
        assert_eq!(line(0), None);
    }

    #[test]
    fn columns_on_lines_longer_than_a_block() {
        // Lines spanning several counting blocks, with two-byte characters
        // across a block boundary.
        let text = format!("a\n{}x\n{}y", "\u{e9}".repeat(5000), "b".repeat(9000));
        let f = SourceFile::new("a".into(), "a".into(), text.clone());
        let x = text.find('x').unwrap() as u32;
        assert_eq!(
            f.position(x),
            Position {
                line: 2,
                column: 5001
            }
        );
        let y = text.find('y').unwrap() as u32;
        assert_eq!(
            f.position(y),
            Position {
                line: 3,
                column: 9001
            }
        );
        // Inside a two-byte character: the partial character counts.
        assert_eq!(
            f.position(2 + 4097),
            Position {
                line: 2,
                column: 2050
            }
        );
    }
}
