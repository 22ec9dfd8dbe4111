//! One exported row → one ARM-shaped resource: the whitelisted fields of
//! its kind, read from `properties` (ARM shape: Resource Graph, REST) or
//! from the row itself (the CLI flattens `properties` away), written back
//! in ARM shape with ARM key spelling. Every value keeps the span of the
//! JSON it came from.

use crate::arm::template::Resource;
use crate::context::shape::{self, Field, Keep};
use crate::json::{Node, NodeKind};
use crate::resource_id;
use crate::source::{FileId, Loc, Span};
use crate::value::{Kind, Object, Value};

/// A row of the export as a resource; `None` for a row that is not a
/// resource of a kind tendon reads (skipped, not an error).
pub fn resource(row: &Node, file: FileId) -> Option<Resource> {
    let at = |span: Span| Some(Loc::new(file, span));
    let id_node = row.get("id")?;
    let id = id_node.as_str()?.trim();
    if id.is_empty() {
        return None;
    }
    let type_node = row.get("type").filter(|t| t.as_str().is_some());
    // The row's own `type` first: the id of an extension resource names
    // the type it extends only before its last `/providers/`.
    let kind = match type_node.and_then(Node::as_str) {
        Some(t) => shape::kind_of(t)?,
        None => shape::kind_of(&resource_id::type_of(id)?)?,
    };
    let loc = Loc::new(file, id_node.span);
    let name_node = row.get("name").filter(|n| n.as_str().is_some());
    let full_name = full_name(id, kind.arm_type)
        .or_else(|| name_node.and_then(Node::as_str).map(str::to_string))?;
    let name = Value::new(
        Kind::Str(full_name),
        at(name_node.map_or(id_node.span, |n| n.span)),
    );
    let r = Reader { file };
    let mut body = Object::new();
    body.insert(
        "type".into(),
        Value::new(
            Kind::Str(kind.arm_type.to_string()),
            at(type_node.map_or(id_node.span, |t| t.span)),
        ),
    );
    body.insert("name".into(), name.clone());
    body.insert(
        "id".into(),
        Value::new(Kind::Str(id.to_string()), Some(loc)),
    );
    body.insert("properties".into(), r.properties(row, kind.properties));
    r.fields(row, kind.top, &mut body);
    Some(Resource {
        resource_type: kind.arm_type.to_string(),
        name,
        id: Some(id.to_string()),
        body: Value::new(Kind::Object(body), at(row.span)),
        loc,
        conditional: false,
    })
}

/// The full ARM name (`vnet/subnet`) from the id's segments after its last
/// `/providers/`, when they name a resource of `arm_type`.
fn full_name(id: &str, arm_type: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let start = lower.rfind("/providers/")? + "/providers/".len();
    let tail = id.get(start..)?.trim_end_matches('/');
    let mut parts = tail.split('/');
    let mut found_type = parts.next()?.to_string();
    let mut names = Vec::new();
    while let Some(t) = parts.next() {
        found_type.push('/');
        found_type.push_str(t);
        names.push(parts.next()?);
    }
    (found_type.eq_ignore_ascii_case(arm_type) && !names.is_empty()).then(|| names.join("/"))
}

/// A field of `item`: in its `properties` object when it has one there,
/// else on the item (CLI-flattened). Keys match case-insensitively;
/// `null` counts as absent.
fn lookup<'n>(item: &'n Node, field: &Field) -> Option<&'n Node> {
    let find = |node: &'n Node, on_item: bool| {
        std::iter::once(field.name)
            .chain(field.aliases.iter().copied())
            // On the item itself `type`, `name` and `id` are the resource's
            // own, never a property (a node pool's `type` is its pool type).
            .filter(|n| {
                !on_item
                    || !["type", "name", "id"]
                        .iter()
                        .any(|o| o.eq_ignore_ascii_case(n))
            })
            .find_map(|n| node.get(n))
            .filter(|v| v.kind != NodeKind::Null)
    };
    item.get("properties")
        .filter(|p| matches!(p.kind, NodeKind::Object(_)))
        .and_then(|p| find(p, false))
        .or_else(|| find(item, true))
}

/// Reads whitelisted fields into Values located in one file.
struct Reader {
    file: FileId,
}

impl Reader {
    fn at(&self, node: &Node) -> Option<Loc> {
        Some(Loc::new(self.file, node.span))
    }

    /// The `properties` of `item` (a resource or a child): located at the
    /// item's `properties` object when it has one, else at the item.
    fn properties(&self, item: &Node, fields: &[Field]) -> Value {
        let mut obj = Object::new();
        self.fields(item, fields, &mut obj);
        let origin = item
            .get("properties")
            .filter(|p| matches!(p.kind, NodeKind::Object(_)))
            .unwrap_or(item);
        Value::new(Kind::Object(obj), self.at(origin))
    }

    /// Each present field of `item`, found by [`lookup`], into `out`.
    fn fields(&self, item: &Node, fields: &[Field], out: &mut Object) {
        for field in fields {
            if let Some(node) = lookup(item, field)
                && let Some(v) = self.keep(node, &field.keep)
            {
                out.insert(field.name.to_string(), v);
            }
        }
    }

    /// Fields read from the object itself, never from a `properties` inside.
    fn own_fields(&self, node: &Node, fields: &[Field]) -> Value {
        let mut obj = Object::new();
        for field in fields {
            let found = std::iter::once(field.name)
                .chain(field.aliases.iter().copied())
                .find_map(|n| node.get(n))
                .filter(|v| v.kind != NodeKind::Null);
            if let Some(v) = found.and_then(|n| self.keep(n, &field.keep)) {
                obj.insert(field.name.to_string(), v);
            }
        }
        Value::new(Kind::Object(obj), self.at(node))
    }

    fn keep(&self, node: &Node, keep: &Keep) -> Option<Value> {
        match keep {
            Keep::Scalar => self.scalar_or_list(node),
            Keep::Ref => self.reference(node),
            Keep::Refs => self.list(node, |n| self.reference(n)),
            Keep::Object(fields) => {
                matches!(node.kind, NodeKind::Object(_)).then(|| self.own_fields(node, fields))
            }
            Keep::Objects(fields) => self.list(node, |n| {
                matches!(n.kind, NodeKind::Object(_)).then(|| self.own_fields(n, fields))
            }),
            Keep::Children(fields) => self.list(node, |n| self.child(n, fields)),
            Keep::Keys => match &node.kind {
                NodeKind::Object(members) => {
                    let mut obj = Object::new();
                    for m in members {
                        // The entry's value is where the id is written (keys have no Value).
                        let empty = Value::new(Kind::Object(Object::new()), self.at(&m.value));
                        obj.insert(m.key.clone(), empty);
                    }
                    Some(Value::new(Kind::Object(obj), self.at(node)))
                }
                _ => None,
            },
            Keep::Map(fields) => match &node.kind {
                NodeKind::Object(members) => {
                    let mut obj = Object::new();
                    for m in members {
                        if matches!(m.value.kind, NodeKind::Object(_)) {
                            obj.insert(m.key.clone(), self.own_fields(&m.value, fields));
                        }
                    }
                    Some(Value::new(Kind::Object(obj), self.at(node)))
                }
                _ => None,
            },
        }
    }

    /// A child resource in ARM shape: `name`, `id`, its own `properties`.
    fn child(&self, node: &Node, fields: &[Field]) -> Option<Value> {
        if !matches!(node.kind, NodeKind::Object(_)) {
            return None;
        }
        let mut obj = Object::new();
        for key in ["name", "id"] {
            if let Some(v) = node.get(key).and_then(|n| self.scalar(n)) {
                obj.insert(key.to_string(), v);
            }
        }
        obj.insert("properties".into(), self.properties(node, fields));
        Some(Value::new(Kind::Object(obj), self.at(node)))
    }

    /// `{ "id": … }` of a reference object; anything else in it is dropped.
    fn reference(&self, node: &Node) -> Option<Value> {
        let id = node.get("id").and_then(|n| self.scalar(n))?;
        let mut obj = Object::new();
        obj.insert("id".into(), id);
        Some(Value::new(Kind::Object(obj), self.at(node)))
    }

    fn list(&self, node: &Node, item: impl Fn(&Node) -> Option<Value>) -> Option<Value> {
        match &node.kind {
            NodeKind::Array(items) => Some(Value::new(
                Kind::Array(items.iter().filter_map(item).collect()),
                self.at(node),
            )),
            _ => None,
        }
    }

    fn scalar_or_list(&self, node: &Node) -> Option<Value> {
        match &node.kind {
            NodeKind::Array(_) => self.list(node, |n| self.scalar(n)),
            _ => self.scalar(node),
        }
    }

    /// A string, number or boolean as exported (data, never an expression).
    fn scalar(&self, node: &Node) -> Option<Value> {
        let kind = match &node.kind {
            NodeKind::Bool(b) => Kind::Bool(*b),
            NodeKind::Int(i) => Kind::Int(*i),
            NodeKind::Float(x) => Kind::Float(*x),
            NodeKind::String(s) => Kind::Str(s.clone()),
            NodeKind::Null | NodeKind::Array(_) | NodeKind::Object(_) => return None,
        };
        Some(Value::new(kind, self.at(node)))
    }
}
