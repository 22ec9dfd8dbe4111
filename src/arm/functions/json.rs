//! A small JSON reader (for `json()` / `base64ToJson()`, keeping key order and
//! accepting what Newtonsoft's lenient parser commonly sees: comments and
//! single-quoted strings) and the compact writer behind `string()`.

use super::comparison::{MAX_VALUE_DEPTH, nested_unknown};
use std::collections::HashMap;

use super::limit;
use crate::value::{Kind, Object, Value};

/// Builds an [`Object`] in linear time: a later duplicate key (compared
/// case-insensitively) replaces the value and keeps the first spelling, as
/// `Object::insert` does.
#[derive(Default)]
pub(crate) struct ObjectBuilder {
    obj: Object,
    index: HashMap<String, usize>,
}

impl ObjectBuilder {
    pub(crate) fn insert(&mut self, key: String, value: Value) {
        match self.index.get(&key.to_ascii_lowercase()) {
            Some(&i) => {
                if let Some(slot) = self.obj.entries.get_mut(i) {
                    slot.1 = value;
                }
            }
            None => {
                self.index
                    .insert(key.to_ascii_lowercase(), self.obj.entries.len());
                self.obj.entries.push((key, value));
            }
        }
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.index.contains_key(&key.to_ascii_lowercase())
    }

    pub(crate) fn finish(self) -> Object {
        self.obj
    }
}

/// The position of each key of `o` (lower-case; the last of duplicates, as
/// `Object::get` finds), for lookups in linear total time.
pub(crate) fn key_index(o: &Object) -> HashMap<String, usize> {
    o.entries
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.to_ascii_lowercase(), i))
        .collect()
}

/// Parses JSON text into a [`Value`]; `Err` is a message with the byte offset.
pub fn parse_json(text: &str) -> Result<Value, String> {
    let mut p = Reader {
        s: text.as_bytes(),
        text,
        pos: 0,
    };
    p.ws()?;
    let v = p.value(0)?;
    p.ws()?;
    if p.pos < p.s.len() {
        return Err(format!("unexpected text at offset {}", p.pos));
    }
    Ok(v)
}

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn fail<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at offset {}", self.pos))
    }

    /// Skips whitespace and comments.
    fn ws(&mut self) -> Result<(), String> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') => match self.s.get(self.pos + 1) {
                    Some(b'/') => {
                        while !matches!(self.peek(), None | Some(b'\n')) {
                            self.pos += 1;
                        }
                    }
                    Some(b'*') => {
                        let rest = self.text.get(self.pos + 2..).unwrap_or("");
                        match rest.find("*/") {
                            Some(i) => self.pos += 2 + i + 2,
                            None => return self.fail("unterminated comment"),
                        }
                    }
                    _ => return self.fail("unexpected '/'"),
                },
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_VALUE_DEPTH {
            return self.fail("JSON nested too deeply");
        }
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                let mut obj = ObjectBuilder::default();
                self.ws()?;
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Value::object(obj.finish()));
                }
                loop {
                    self.ws()?;
                    let key = match self.peek() {
                        Some(q @ (b'"' | b'\'')) => self.string(q)?,
                        _ => return self.fail("expected a property name"),
                    };
                    self.ws()?;
                    if self.peek() != Some(b':') {
                        return self.fail("expected ':'");
                    }
                    self.pos += 1;
                    self.ws()?;
                    let v = self.value(depth + 1)?;
                    obj.insert(key, v);
                    self.ws()?;
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Value::object(obj.finish()));
                        }
                        _ => return self.fail("expected ',' or '}'"),
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws()?;
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Value::array(items));
                }
                loop {
                    self.ws()?;
                    items.push(self.value(depth + 1)?);
                    self.ws()?;
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Value::array(items));
                        }
                        _ => return self.fail("expected ',' or ']'"),
                    }
                }
            }
            Some(q @ (b'"' | b'\'')) => Ok(Value::str(self.string(q)?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => {
                for (word, v) in [
                    ("true", Value::bool(true)),
                    ("false", Value::bool(false)),
                    ("null", Value::null()),
                ] {
                    if self.s.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
                        self.pos += word.len();
                        return Ok(v);
                    }
                }
                self.fail("unexpected character")
            }
            None => self.fail("unexpected end of JSON"),
        }
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.pos;
        while matches!(
            self.peek(),
            Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
        ) {
            self.pos += 1;
        }
        let t = self.text.get(start..self.pos).unwrap_or("");
        if let Ok(i) = t.parse::<i64>() {
            return Ok(Value::int(i));
        }
        match t.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::new(Kind::Float(f), None)),
            _ => Err(format!("invalid number '{t}' at offset {start}")),
        }
    }

    /// A string quoted with `q` (the opening quote is at `pos`).
    fn string(&mut self, q: u8) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote or backslash in one go.
            let rest = self.s.get(self.pos..).unwrap_or(&[]);
            let run = rest.iter().position(|&c| c == q || c == b'\\');
            let Some(run) = run else {
                return self.fail("unterminated string");
            };
            out.push_str(self.text.get(self.pos..self.pos + run).unwrap_or(""));
            self.pos += run;
            if self.peek() == Some(q) {
                self.pos += 1;
                return Ok(out);
            }
            // Backslash escape.
            self.pos += 1;
            let c = self.peek();
            self.pos += 1;
            match c {
                Some(b'"') => out.push('"'),
                Some(b'\'') => out.push('\''),
                Some(b'\\') => out.push('\\'),
                Some(b'/') => out.push('/'),
                Some(b'b') => out.push('\u{8}'),
                Some(b'f') => out.push('\u{c}'),
                Some(b'n') => out.push('\n'),
                Some(b'r') => out.push('\r'),
                Some(b't') => out.push('\t'),
                Some(b'u') => {
                    let hi = self.hex4()?;
                    let ch = if (0xD800..0xDC00).contains(&hi)
                        && self.s.get(self.pos..self.pos + 2) == Some(b"\\u")
                    {
                        self.pos += 2;
                        let lo = self.hex4()?;
                        char::decode_utf16([hi, lo]).next().and_then(|r| r.ok())
                    } else {
                        char::from_u32(u32::from(hi))
                    };
                    out.push(ch.unwrap_or('\u{FFFD}'));
                }
                _ => return self.fail("invalid escape"),
            }
        }
    }

    fn hex4(&mut self) -> Result<u16, String> {
        let h = self
            .text
            .get(self.pos..self.pos + 4)
            .and_then(|h| u16::from_str_radix(h, 16).ok());
        match h {
            Some(h) => {
                self.pos += 4;
                Ok(h)
            }
            None => self.fail("invalid \\u escape"),
        }
    }
}

/// Writes `v` as compact JSON the way ARM's `string()` does. Fails (with an
/// Unknown) on unknown parts, floats (whose .NET formatting is not reproduced),
/// control characters, and output longer than `max` bytes.
pub(crate) fn write_compact(v: &Value, out: &mut String, max: usize) -> Result<(), Value> {
    write_at(v, out, max, 0)
}

fn write_at(v: &Value, out: &mut String, max: usize, depth: usize) -> Result<(), Value> {
    if depth > MAX_VALUE_DEPTH {
        return Err(limit("value nested too deeply"));
    }
    if out.len() > max {
        return Err(limit(format!("string() result longer than {max} bytes")));
    }
    match &v.kind {
        Kind::Null => out.push_str("null"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Int(i) => out.push_str(&i.to_string()),
        Kind::Float(_) => {
            return Err(Value::unknown(
                "string() of a floating-point number is not evaluated statically",
            ));
        }
        Kind::Str(s) => write_str(s, out)?,
        Kind::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_at(x, out, max, depth + 1)?;
            }
            out.push(']');
        }
        Kind::Object(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(k, out)?;
                out.push(':');
                write_at(x, out, max, depth + 1)?;
            }
            out.push('}');
        }
        Kind::Unknown(_) => return Err(nested_unknown(v)),
    }
    if out.len() > max {
        return Err(limit(format!("string() result longer than {max} bytes")));
    }
    Ok(())
}

fn write_str(s: &str, out: &mut String) -> Result<(), Value> {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Newtonsoft's escaping of other control and separator characters
            // is not reproduced.
            c if (c as u32) < 0x20 || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}') => {
                return Err(Value::unknown(
                    "string() of text with control characters is not evaluated statically",
                ));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(json: &str) -> String {
        let mut s = String::new();
        write_compact(&parse_json(json).unwrap(), &mut s, 1 << 20).unwrap();
        s
    }

    #[test]
    fn round_trip_keeps_order() {
        assert_eq!(
            compact(r#" { "b" : 1, "a": [true, null, "x\"y"], "c": {} } "#),
            r#"{"b":1,"a":[true,null,"x\"y"],"c":{}}"#
        );
    }

    #[test]
    fn lenient_input() {
        assert_eq!(compact("{'a': 'b' /* c */} // d"), r#"{"a":"b"}"#);
        assert_eq!(
            parse_json("\"\\u00e9\\ud83d\\ude00\"").unwrap().as_str(),
            Some("é😀")
        );
        assert!(matches!(
            parse_json("1.5").unwrap().kind,
            Kind::Float(f) if f == 1.5
        ));
        assert_eq!(parse_json("-3").unwrap().as_int(), Some(-3));
    }

    #[test]
    fn bad_input_is_an_error() {
        for s in [
            "",
            "{",
            "[1,",
            "{'a' 1}",
            "tru",
            "\"abc",
            "/* x",
            "1 2",
            "\"\\x\"",
            "\"\\u12\"",
            "é",
            "[1e999]",
        ] {
            assert!(parse_json(s).is_err(), "{s}");
        }
        let deep = "[".repeat(10_000);
        assert!(parse_json(&deep).is_err());
    }
}
