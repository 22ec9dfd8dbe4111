//! TDN006: a local file that a template names does not exist — a Bicep
//! `module`, `import`, `using` or `extends` path, or an ARM linked template's
//! `templateLink.relativePath` (checked here, on the text as written, whether
//! or not the deployment is evaluated: the Bicep compiler and template-spec
//! packaging fail on it either way), or a linked template or parameter file
//! that evaluation looked for (a URI built from
//! `deployment().properties.templateLink.uri`, see [`from_unread`]).

use std::path::Path;

use crate::arm::nested::{Unread, normalize};
use crate::arm::resources::{is_deployment, resource_nodes};
use crate::bicep::{FileRef, RefKind};
use crate::finding::{Finding, Severity, builtin};
use crate::json::Node;
use crate::source::{FileId, Loc};

/// Findings for the files a Bicep file at `path` names that do not exist.
pub fn bicep(refs: &[FileRef], path: &Path, file: FileId) -> Vec<Finding> {
    let Some(dir) = path.parent() else {
        return Vec::new();
    };
    refs.iter()
        .filter(|r| !exists(dir, &r.path))
        .map(|r| {
            let p = &r.path;
            let message = match r.kind {
                RefKind::Module => format!("module '{p}' does not exist"),
                RefKind::Import => format!("imported file '{p}' does not exist"),
                RefKind::Using => format!("template '{p}' (named by `using`) does not exist"),
                RefKind::Extends => {
                    format!("base parameter file '{p}' (named by `extends`) does not exist")
                }
            };
            finding(message, Loc::new(file, r.span))
        })
        .collect()
}

/// Findings for the literal `templateLink.relativePath`s of an ARM template
/// at `path` (nested inline templates and child resources included) that name
/// no file.
pub fn arm(template: &Node, path: &Path, file: FileId) -> Vec<Finding> {
    let Some(dir) = path.parent() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack = vec![template];
    while let Some(holder) = stack.pop() {
        for r in resource_nodes(holder) {
            stack.push(r);
            let deployment = r
                .get("type")
                .and_then(Node::as_str)
                .is_some_and(is_deployment);
            let Some(props) = r.get("properties").filter(|_| deployment) else {
                continue;
            };
            if let Some(inline) = props.get("template") {
                stack.push(inline);
            }
            let Some(rel) = props
                .get("templateLink")
                .and_then(|l| l.get("relativePath"))
            else {
                continue;
            };
            if let Some(text) = rel.as_str()
                && !text.starts_with('[')
                && !exists(dir, text)
            {
                out.push(finding(
                    format!("linked template '{text}' does not exist"),
                    Loc::new(file, rel.span),
                ));
            }
        }
    }
    out
}

/// A finding for a local link that evaluation could not read because the
/// file is not there. A literal path was reported by [`arm`] or [`bicep`]
/// already, at the same place: the caller keeps the first.
pub fn from_unread(link: &Unread) -> Option<Finding> {
    let path = link.path.as_deref()?;
    if path.exists() {
        return None;
    }
    let what = if link.parameters {
        "linked parameter file"
    } else {
        "linked template"
    };
    Some(finding(
        format!("{what} '{}' does not exist", link.written),
        link.at?,
    ))
}

fn exists(dir: &Path, written: &str) -> bool {
    // Lexically, as Bicep and ARM resolve `..`, not through the file system.
    normalize(&dir.join(written)).exists()
}

fn finding(message: String, at: Loc) -> Finding {
    let mut f = Finding::builtin(builtin::MISSING_FILE, Severity::Warning, message, at);
    f.help = Some(
        "the deployment (and the Bicep build) fails on a missing file; fix the path or add the file. \
         tendon goes on without it: whatever the file would deploy or output is unknown"
            .into(),
    );
    f
}
