//! The world document rules query: plain JSON (serde_json) plus a side table
//! from JSON Pointer (`/clusters/0/pools/1/osType`) to the source span the
//! value came from. Unknown values appear as `{"$unknown": "reason"}`.

use std::collections::HashMap;

use serde_json::{Map, Value as J};

use crate::source::Loc;
use crate::value::{Kind, Value};

#[derive(Debug, Default)]
pub struct World {
    pub doc: J,
    pub spans: HashMap<String, Loc>,
    /// Index of the first cluster with each id, built on first use.
    pub clusters_by_id: std::sync::OnceLock<HashMap<String, usize>>,
}

impl World {
    pub fn span(&self, pointer: &str) -> Option<Loc> {
        self.spans.get(pointer).copied()
    }

    /// Where the value at `pointer`, given from outside its template, was used.
    pub fn via(&self, pointer: &str) -> Option<Loc> {
        self.spans.get(&via_key(pointer)).copied()
    }

    /// The first place outside its template where that value was used (see
    /// [`Value::outer_via`]).
    pub fn outer_via(&self, pointer: &str) -> Option<Loc> {
        self.spans.get(&outer_via_key(pointer)).copied()
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
fn record(ptr: &str, v: &Value, spans: &mut HashMap<String, Loc>) {
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
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// Builds one JSON object of the world while recording spans. Fields are
/// gathered first and the map built at the end, at its exact size: the world
/// holds many small objects, and a grown map carries up to twice its fields.
pub struct ObjWriter<'a> {
    ptr: String,
    fields: Vec<(String, J)>,
    spans: &'a mut HashMap<String, Loc>,
}

impl<'a> ObjWriter<'a> {
    pub fn new(ptr: String, spans: &'a mut HashMap<String, Loc>) -> ObjWriter<'a> {
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
        let ptr = push_token(&self.ptr, key);
        let j = emit(&ptr, v, self.spans);
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
    pub fn spans_mut(&mut self) -> &mut HashMap<String, Loc> {
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
pub fn emit(ptr: &str, v: &Value, spans: &mut HashMap<String, Loc>) -> J {
    record(ptr, v, spans);
    match &v.kind {
        Kind::Array(items) => J::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| emit(&push_token(ptr, &i.to_string()), item, spans))
                .collect(),
        ),
        Kind::Object(obj) => J::Object(
            obj.iter()
                .map(|(k, item)| (k.to_string(), emit(&push_token(ptr, k), item, spans)))
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
