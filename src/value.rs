//! The one value type both front ends evaluate to: JSON plus `Unknown`.
//!
//! Every value remembers where in the source it came from (`origin`), so a
//! finding can point at the text that produced it. `Unknown` is a value that
//! cannot be computed statically (a runtime `reference(...)`, a parameter
//! without a value, a function tendon does not implement); it keeps the reason
//! and propagates through every operation. Rules never fire on it.

use crate::source::Loc;

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: Kind,
    pub origin: Option<Loc>,
    /// For a value given from outside a template (a parameter file, a
    /// `.bicepparam`, a module's caller): the innermost template text that
    /// used it, so a finding at `origin` can also say where it took effect.
    pub via: Option<Loc>,
    /// The outermost such text: the first use outside the template that set
    /// the value (a module argument passing on another module's output), so
    /// two values from one origin can be told apart where they diverge.
    pub outer_via: Option<Loc>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Value>),
    Object(Object),
    Unknown(String),
}

/// A JSON object that keeps insertion order; keys compare case-insensitively
/// (ARM property access is case-insensitive) but keep their written case.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object {
    pub entries: Vec<(String, Value)>,
    /// Azure adds properties of its own at deployment (a resource's state read
    /// by `reference()`): a key that is not here is unknown, not missing.
    pub open: bool,
}

impl Object {
    pub fn new() -> Object {
        Object::default()
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    /// Insert or replace (case-insensitively) a key.
    pub fn insert(&mut self, key: String, value: Value) {
        if let Some(slot) = self
            .entries
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(&key))
        {
            slot.1 = value;
        } else {
            self.entries.push((key, value));
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl Value {
    pub fn new(kind: Kind, origin: Option<Loc>) -> Value {
        Value {
            kind,
            origin,
            via: None,
            outer_via: None,
        }
    }

    pub fn null() -> Value {
        Value::new(Kind::Null, None)
    }

    pub fn bool(b: bool) -> Value {
        Value::new(Kind::Bool(b), None)
    }

    pub fn int(i: i64) -> Value {
        Value::new(Kind::Int(i), None)
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::new(Kind::Str(s.into()), None)
    }

    pub fn array(items: Vec<Value>) -> Value {
        Value::new(Kind::Array(items), None)
    }

    pub fn object(obj: Object) -> Value {
        Value::new(Kind::Object(obj), None)
    }

    pub fn unknown(reason: impl Into<String>) -> Value {
        Value::new(Kind::Unknown(reason.into()), None)
    }

    /// A new origin; a place of use recorded for the old one no longer applies.
    pub fn with_origin(mut self, origin: Option<Loc>) -> Value {
        self.origin = origin;
        self.via = None;
        self.outer_via = None;
        self
    }

    /// The same origin and place of use as `other` (a value derived from it).
    pub fn located_as(mut self, other: &Value) -> Value {
        self.origin = other.origin;
        self.via = other.via;
        self.outer_via = other.outer_via;
        self
    }

    /// Sets the origin only when the value has none yet.
    pub fn or_origin(mut self, origin: Option<Loc>) -> Value {
        if self.origin.is_none() {
            self.origin = origin;
        }
        self
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, Kind::Unknown(_))
    }

    pub fn unknown_reason(&self) -> Option<&str> {
        match &self.kind {
            Kind::Unknown(r) => Some(display_reason(r)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self.kind {
            Kind::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match &self.kind {
            Kind::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Property lookup (case-insensitive); `None` when absent or not an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|o| o.get(key))
    }

    /// Follows a path of keys.
    pub fn get_path(&self, path: &[&str]) -> Option<&Value> {
        let mut cur = self;
        for key in path {
            cur = cur.get(key)?;
        }
        Some(cur)
    }

    /// True when the value or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        self.contains_unknown_where(&|_| true)
    }

    /// True when the value or anything inside it is unknown for a reason
    /// `pick` accepts (the raw reason, type marker included). Walks without
    /// recursion.
    pub fn contains_unknown_where(&self, pick: &dyn Fn(&str) -> bool) -> bool {
        let mut stack: Vec<&Value> = vec![self];
        while let Some(v) = stack.pop() {
            match &v.kind {
                Kind::Unknown(r) if pick(r) => return true,
                Kind::Array(a) => stack.extend(a.iter()),
                Kind::Object(o) => stack.extend(o.entries.iter().map(|(_, x)| x)),
                _ => {}
            }
        }
        false
    }

    /// ARM's type name, as used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "bool",
            Kind::Int(_) => "int",
            Kind::Float(_) => "float",
            Kind::Str(_) => "string",
            Kind::Array(_) => "array",
            Kind::Object(_) => "object",
            Kind::Unknown(_) => "unknown",
        }
    }

    /// Converts to plain JSON; unknowns become `{"$unknown": reason}`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            Kind::Null => J::Null,
            Kind::Bool(b) => J::Bool(*b),
            Kind::Int(i) => J::from(*i),
            Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Kind::Str(s) => J::String(s.clone()),
            Kind::Array(a) => J::Array(a.iter().map(Value::to_json).collect()),
            Kind::Object(o) => J::Object(
                o.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
            Kind::Unknown(r) => {
                let mut m = serde_json::Map::new();
                m.insert("$unknown".into(), J::String(display_reason(r).to_string()));
                J::Object(m)
            }
        }
    }
}

/// Marks an unknown resource id whose type is known; kept after the reason so
/// that `error:` and `evaluation limit:` reasons still start the text.
const TYPED_UNKNOWN: &str = " [an id of type ";

/// The reason of an unknown resource id whose type is known.
pub fn typed_unknown(resource_type: &str, reason: &str) -> String {
    if typed_unknown_type(reason).is_some() {
        return reason.to_string();
    }
    format!("{reason}{TYPED_UNKNOWN}{resource_type}]")
}

/// A reason as shown to people: without the type marker of [`typed_unknown`].
pub fn display_reason(reason: &str) -> &str {
    match reason.rsplit_once(TYPED_UNKNOWN) {
        Some((shown, t)) if t.ends_with(']') => shown,
        _ => reason,
    }
}

/// The resource type of an unknown id made by [`typed_unknown`].
pub fn typed_unknown_type(reason: &str) -> Option<&str> {
    reason
        .strip_suffix(']')?
        .rsplit_once(TYPED_UNKNOWN)
        .map(|(_, t)| t)
}

/// How big a value may grow, in nodes plus string bytes / 64 (a few MiB of
/// serialised JSON, some tens in memory). Shared structure counts every time
/// it appears, as it would be serialised.
pub const MAX_VALUE_UNITS: usize = 100_000;

/// Whether `v` is larger than `limit` units.
pub fn larger_than(v: &Value, limit: usize) -> bool {
    units_up_to(v, limit) > limit
}

/// The size of `v` in units (nodes plus string bytes / 64), what copying or
/// walking it costs; counts no further than just past `limit`, and walks
/// without recursion (no stack to overflow).
pub fn units_up_to(v: &Value, limit: usize) -> usize {
    let mut units = 0usize;
    let mut stack: Vec<&Value> = vec![v];
    while let Some(x) = stack.pop() {
        units += 1;
        match &x.kind {
            Kind::Str(s) => units += s.len() / 64,
            Kind::Array(items) => stack.extend(items.iter()),
            Kind::Object(o) => {
                for (k, val) in &o.entries {
                    units += k.len() / 64;
                    stack.push(val);
                }
            }
            _ => {}
        }
        if units > limit {
            return units;
        }
    }
    units
}
