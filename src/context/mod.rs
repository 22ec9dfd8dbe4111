//! Reads an export of deployed Azure resources (`--context FILE`): the JSON
//! that `az … list -o json`, `az graph query` and the REST API print, detected
//! by content, into evaluated ARM-shaped resources that join the templates'
//! world as deployed ones.
//!
//! The file is streamed row by row ([`crate::json::stream`]): memory holds
//! the text, one row's tree and the whitelisted fields kept of each row
//! ([`shape`]), never the whole document as a tree. [`normalize`] turns each
//! row, CLI-flattened or ARM-shaped, into the shape a template declares.

pub mod normalize;
pub mod shape;

use crate::arm::template::Resource;
use crate::json::{self, Node, NodeKind, ParseError, Streamed};
use crate::source::{FileId, Span};

/// Resources kept from one file: a bound on memory whatever the file holds.
pub const MAX_RESOURCES: usize = 200_000;

/// What a context file holds.
#[derive(Debug)]
pub enum Context {
    /// Resources read from the export, in file order.
    Resources(Vec<Resource>),
    /// The file is an ARM template (`az group export`): the caller lints it as a template.
    Template,
}

/// The shapes accepted, for the error on any other.
const SHAPES: &str = "expected an Azure export: a JSON array of resources (`az network vnet list -o json`, \
     `az aks list -o json`, …), a Resource Graph result (`az graph query -o json`: `{\"data\": [...]}`), \
     a REST list (`{\"value\": [...]}`) or an ARM template (`az group export`)";

/// Reads an export; `file` is the FileId its spans belong to. Errors carry a span.
pub fn read(text: &str, file: FileId) -> Result<Context, ParseError> {
    read_noting(text, file).map(|(context, _)| context)
}

/// [`read`], and whether the export says more rows exist than it holds (a
/// Resource Graph page with a `skip_token`, a truncated REST result): the
/// member saying so.
pub fn read_noting(text: &str, file: FileId) -> Result<(Context, Option<Span>), ParseError> {
    let mut resources = Vec::new();
    let streamed = json::stream(text, &["data", "value"], &mut |row: Node| {
        // Each row is classified on its own: files may be concatenations.
        if let Some(res) = normalize::resource(&row, file) {
            if resources.len() >= MAX_RESOURCES {
                return Err(ParseError {
                    message: format!(
                        "more than {MAX_RESOURCES} resources in one context file; \
                         export fewer types or split the file"
                    ),
                    span: row.span,
                });
            }
            resources.push(res);
        }
        Ok(())
    })?;
    match streamed {
        Streamed::Array { .. } => Ok((Context::Resources(resources), None)),
        Streamed::Object {
            rows: Some(_),
            members,
            ..
        } => Ok((Context::Resources(resources), more_rows(&members))),
        Streamed::Object { span, members, .. } => {
            object_without_rows(span, &members).map(|c| (c, None))
        }
        Streamed::Scalar(node) => Err(shape_error(node.span)),
    }
}

/// The member that says the result is one page of more: a `skip_token` /
/// `$skipToken` that is set, or `resultTruncated` true.
fn more_rows(members: &[json::Member]) -> Option<Span> {
    members.iter().find_map(|m| {
        let key = m.key.to_ascii_lowercase();
        let set = match key.as_str() {
            "skip_token" | "$skiptoken" | "skiptoken" => {
                m.value.as_str().is_some_and(|t| !t.is_empty())
            }
            "resulttruncated" => match &m.value.kind {
                NodeKind::Bool(b) => *b,
                NodeKind::String(s) => s.eq_ignore_ascii_case("true"),
                _ => false,
            },
            _ => false,
        };
        set.then_some(m.key_span)
    })
}

/// An object with no row array: an ARM template, or an error saying why not.
fn object_without_rows(span: Span, members: &[json::Member]) -> Result<Context, ParseError> {
    let member = |key: &str| {
        members
            .iter()
            .rev()
            .find(|m| m.key.eq_ignore_ascii_case(key))
    };
    let schema = member("$schema").and_then(|m| m.value.as_str());
    if schema.is_some_and(|s| s.to_ascii_lowercase().contains("deploymenttemplate")) {
        return Ok(Context::Template);
    }
    // Resource Graph's table format: `data` is `{columns, rows}`.
    if let Some(data) = member("data")
        && matches!(data.value.kind, NodeKind::Object(_))
    {
        return Err(ParseError {
            message: "Resource Graph table format is not supported; \
                      export with `az graph query … -o json` (rows as objects)"
                .into(),
            span: data.key_span,
        });
    }
    Err(shape_error(span))
}

fn shape_error(span: Span) -> ParseError {
    // Point at the first character: the whole document would underline everything.
    ParseError {
        message: SHAPES.to_string(),
        span: Span::new(span.start as usize, span.start as usize + 1),
    }
}

#[cfg(test)]
mod tests;
