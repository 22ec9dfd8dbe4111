//! TDN006 and TDN007: a local file that a template names does not exist, or
//! lies outside the project root (see [`crate::confine`]) — a Bicep `module`,
//! `import`, `using` or `extends` path or `load*Content` call, or an ARM linked template's
//! `templateLink.relativePath` (checked here, on the text as written, whether
//! or not the deployment is evaluated: the Bicep compiler and template-spec
//! packaging fail on it either way), or a linked template or parameter file
//! that evaluation looked for (a URI built from
//! `deployment().properties.templateLink.uri`, see [`from_unread`]).

use std::path::Path;

use crate::arm::nested::Unread;
use crate::arm::resources::{is_deployment, resource_nodes};
use crate::bicep::{FileRef, RefKind};
use crate::confine::{ProjectRoot, Refusal};
use crate::finding::{Finding, Severity, builtin};
use crate::json::Node;
use crate::source::{FileId, Loc};

/// Findings for the files a Bicep file at `path` names that do not exist
/// or lie outside `root`.
pub fn bicep(refs: &[FileRef], path: &Path, file: FileId, root: &ProjectRoot) -> Vec<Finding> {
    let Some(dir) = path.parent() else {
        return Vec::new();
    };
    refs.iter()
        .filter_map(|r| {
            let refusal = refused(root, dir, &r.path)?;
            let p = &r.path;
            let what = match r.kind {
                RefKind::Module => format!("module '{p}'"),
                RefKind::Import => format!("imported file '{p}'"),
                RefKind::Using => format!("template '{p}' (named by `using`)"),
                RefKind::Extends => format!("base parameter file '{p}' (named by `extends`)"),
                RefKind::Load => format!("file '{p}' (loaded when the Bicep file is compiled)"),
            };
            Some(finding(what, refusal, Loc::new(file, r.span)))
        })
        .collect()
}

/// Findings for the literal `templateLink.relativePath`s of an ARM template
/// at `path` (nested inline templates and child resources included) that name
/// no file or a file outside `root`.
pub fn arm(template: &Node, path: &Path, file: FileId, root: &ProjectRoot) -> Vec<Finding> {
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
                && let Some(refusal) = refused(root, dir, text)
            {
                out.push(finding(
                    format!("linked template '{text}'"),
                    refusal,
                    Loc::new(file, rel.span),
                ));
            }
        }
    }
    out
}

/// A finding for a local link that evaluation could not read because the
/// file is not there or lies outside `root`. A literal path was reported by
/// [`arm`] or [`bicep`] already, at the same place: the caller keeps the first.
pub fn from_unread(link: &Unread, root: &ProjectRoot) -> Option<Finding> {
    let refusal = root.admit(link.path.as_deref()?).err()?;
    let what = if link.parameters {
        "linked parameter file"
    } else {
        "linked template"
    };
    Some(finding(
        format!("{what} '{}'", link.written),
        refusal,
        link.at?,
    ))
}

/// Why the file `written` relative to `dir` is not read, if it is not.
fn refused(root: &ProjectRoot, dir: &Path, written: &str) -> Option<Refusal> {
    // `admit` resolves `..` lexically, as Bicep and ARM do, then through the file system.
    root.admit(&dir.join(written)).err()
}

/// TDN006 for a missing file, TDN007 for one tendon may not read; `what`
/// names the file as the template does.
fn finding(what: String, refusal: Refusal, at: Loc) -> Finding {
    if refusal.is_confinement() {
        let mut f = Finding::builtin(
            builtin::FILE_OUTSIDE_ROOT,
            Severity::Warning,
            format!("{what} {}: tendon does not read it", refusal.reason()),
            at,
        );
        f.help = Some(
            "tendon reads only files inside the project root (the git work tree of the linted \
             paths, the common folder of the paths named, or `--root`), and never inside `.git`. \
             Whatever the file would give is unknown. Keep the file in the repository, or pass \
             `--root` if the project spans a larger folder"
                .into(),
        );
        return f;
    }
    let mut f = Finding::builtin(
        builtin::MISSING_FILE,
        Severity::Warning,
        format!("{what} does not exist"),
        at,
    );
    f.help = Some(
        "the deployment (and the Bicep build) fails on a missing file; fix the path or add the file. \
         tendon goes on without it: whatever the file would deploy or output is unknown"
            .into(),
    );
    f
}
