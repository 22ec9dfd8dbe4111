//! The world document rules query: plain JSON (serde_json) plus a side table
//! from JSON Pointer (`/clusters/0/pools/1/osType`) to the source span the
//! value came from. Unknown values appear as `{"$unknown": "reason"}`.

use std::collections::HashMap;

use serde_json::{Map, Value as J};

use crate::source::Loc;
use crate::value::{Kind, Value};

/// Spans by JSON Pointer. Keys are made from template text, and the hasher
/// is foldhash's seeded one: several times faster than SipHash on short
/// keys, still seeded per process against crafted collisions.
pub type Spans = HashMap<String, Loc, foldhash::fast::RandomState>;

#[derive(Debug, Default)]
pub struct World {
    pub doc: J,
    /// Span tables of the parts of the document, in the order they were
    /// written (parts are written in parallel); a later part's entry wins.
    pub spans: Vec<Spans>,
    /// Index of the first cluster with each id, built on first use.
    pub clusters_by_id: std::sync::OnceLock<HashMap<String, usize>>,
}

impl World {
    pub fn span(&self, pointer: &str) -> Option<Loc> {
        self.lookup(pointer)
    }

    /// Where the value at `pointer`, given from outside its template, was used.
    pub fn via(&self, pointer: &str) -> Option<Loc> {
        self.lookup(&via_key(pointer))
    }

    /// The first place outside its template where that value was used (see
    /// [`Value::outer_via`]).
    pub fn outer_via(&self, pointer: &str) -> Option<Loc> {
        self.lookup(&outer_via_key(pointer))
    }

    fn lookup(&self, key: &str) -> Option<Loc> {
        self.spans.iter().rev().find_map(|s| s.get(key).copied())
    }
}

/// The side-table key of a value's place of use: `~v` is no JSON Pointer
/// escape, so it cannot clash with a real pointer.
fn via_key(pointer: &str) -> String {
    format!("{pointer}/~via")
}

fn outer_via_key(pointer: &str) -> String {
    format!("{pointer}/~outer")
}

/// Records where a value came from and where it was used, at `ptr`.
fn record(ptr: &str, v: &Value, spans: &mut Spans) {
    if let Some(loc) = v.origin {
        spans.insert(ptr.to_string(), loc);
    }
    if let Some(via) = v.via {
        spans.insert(via_key(ptr), via);
    }
    if let Some(outer) = v.outer_via {
        spans.insert(outer_via_key(ptr), outer);
    }
}

/// Appends one JSON Pointer token (escaping `~` and `/`).
pub fn push_token(ptr: &str, token: &str) -> String {
    let mut out = String::with_capacity(ptr.len() + token.len() + 1);
    out.push_str(ptr);
    push_escaped(&mut out, token);
    out
}

/// Appends `/` and the token, escaped, to a pointer.
fn push_escaped(out: &mut String, token: &str) {
    out.push('/');
    if !token.contains(['~', '/']) {
        out.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Builds one JSON object of the world while recording spans. Fields are
/// gathered first and the map built at the end, at its exact size: the world
/// holds many small objects, and a grown map carries up to twice its fields.
pub struct ObjWriter<'a> {
    ptr: String,
    fields: Vec<(String, J)>,
    spans: &'a mut Spans,
}

impl<'a> ObjWriter<'a> {
    pub fn new(ptr: String, spans: &'a mut Spans) -> ObjWriter<'a> {
        ObjWriter {
            ptr,
            fields: Vec::new(),
            spans,
        }
    }

    pub fn ptr(&self) -> &str {
        &self.ptr
    }

    /// Sets the object's own span.
    pub fn at(&mut self, loc: Option<Loc>) -> &mut Self {
        if let Some(loc) = loc {
            self.spans.insert(self.ptr.clone(), loc);
        }
        self
    }

    /// A plain JSON field without a span.
    pub fn raw(&mut self, key: &str, v: J) -> &mut Self {
        self.fields.push((key.to_string(), v));
        self
    }

    /// A field whose span is `loc`.
    pub fn raw_at(&mut self, key: &str, v: J, loc: Option<Loc>) -> &mut Self {
        if let Some(loc) = loc {
            self.spans.insert(push_token(&self.ptr, key), loc);
        }
        self.raw(key, v)
    }

    /// A plain JSON field located like `v` (its origin and places of use).
    pub fn raw_like(&mut self, key: &str, j: J, v: Option<&Value>) -> &mut Self {
        if let Some(v) = v {
            record(&push_token(&self.ptr, key), v, self.spans);
        }
        self.raw(key, j)
    }

    /// A field from an evaluated value; spans recorded for it and everything inside.
    pub fn value(&mut self, key: &str, v: &Value) -> &mut Self {
        let len = self.ptr.len();
        push_escaped(&mut self.ptr, key);
        let j = emit_at(&mut self.ptr, v, self.spans);
        self.ptr.truncate(len);
        self.raw(key, j)
    }

    /// Like `value`, skipping absent values.
    pub fn opt(&mut self, key: &str, v: Option<&Value>) -> &mut Self {
        if let Some(v) = v {
            self.value(key, v);
        }
        self
    }

    /// A nested object.
    pub fn object(&mut self, key: &str, f: impl FnOnce(&mut ObjWriter)) -> &mut Self {
        let ptr = push_token(&self.ptr, key);
        let mut w = ObjWriter::new(ptr, self.spans);
        f(&mut w);
        let j = w.finish();
        self.raw(key, j)
    }

    /// The span table, for writing nested objects built separately.
    pub fn spans_mut(&mut self) -> &mut Spans {
        self.spans
    }

    /// The object; a key written twice keeps its first place and its last value.
    pub fn finish(self) -> J {
        J::Object(self.fields.into_iter().collect::<Map<String, J>>())
    }
}

/// A JSON object of exactly these fields (`json!` grows its map as it goes,
/// leaving room for up to twice the fields in every object it builds).
pub fn object<const N: usize>(fields: [(&str, J); N]) -> J {
    J::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// Converts a value to JSON, recording the span of it and of everything inside.
pub fn emit(ptr: &str, v: &Value, spans: &mut Spans) -> J {
    let mut buf = String::with_capacity(ptr.len() + 64);
    buf.push_str(ptr);
    emit_at(&mut buf, v, spans)
}

/// [`emit`] with the pointer in a buffer that each level extends and
/// truncates again: a pointer string is allocated only for a span recorded.
fn emit_at(ptr: &mut String, v: &Value, spans: &mut Spans) -> J {
    record(ptr, v, spans);
    let len = ptr.len();
    match &v.kind {
        Kind::Array(items) => J::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    use std::fmt::Write;
                    let _ = write!(ptr, "/{i}");
                    let j = emit_at(ptr, item, spans);
                    ptr.truncate(len);
                    j
                })
                .collect(),
        ),
        Kind::Object(obj) => J::Object(
            obj.iter()
                .map(|(k, item)| {
                    push_escaped(ptr, k);
                    let j = emit_at(ptr, item, spans);
                    ptr.truncate(len);
                    (k.to_string(), j)
                })
                .collect(),
        ),
        _ => v.to_json(),
    }
}

/// Converts a jsonpath-rust normalized path (`$['clusters'][0]['osType']`) to a JSON Pointer.
pub fn pointer_from_path(path: &str) -> Option<String> {
    let mut rest = path.strip_prefix('$')?;
    let mut out = String::new();
    while !rest.is_empty() {
        rest = rest.strip_prefix('[')?;
        if let Some(quoted) = rest.strip_prefix('\'') {
            // A quoted name; `\'` and `\\` are escapes.
            let mut name = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next()? {
                    (_, '\\') => name.push(chars.next()?.1),
                    (i, '\'') => break i,
                    (_, c) => name.push(c),
                }
            };
            out = push_token(&out, &name);
            rest = quoted.get(end + 1..)?.strip_prefix(']')?;
        } else {
            let end = rest.find(']')?;
            let index = rest.get(..end)?;
            index.parse::<usize>().ok()?;
            out = push_token(&out, index);
            rest = rest.get(end + 1..)?;
        }
    }
    Some(out)
}

/// Reads the value at a JSON Pointer.
pub fn at_pointer<'a>(doc: &'a J, ptr: &str) -> Option<&'a J> {
    doc.pointer(ptr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_to_pointers() {
        assert_eq!(
            pointer_from_path("$['clusters'][0]['pools'][12]").as_deref(),
            Some("/clusters/0/pools/12")
        );
        assert_eq!(
            pointer_from_path("$['a/b']['x\\'y']").as_deref(),
            Some("/a~1b/x'y")
        );
        assert_eq!(pointer_from_path("$").as_deref(), Some(""));
        assert_eq!(pointer_from_path("$[x]"), None);
    }
}
