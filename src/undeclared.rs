//! TDN008: a parameter file that sets a parameter its template does not
//! declare. ARM rejects such a deployment before it starts ("The template
//! parameters '…' in the parameters file are not valid; they are not present
//! in the original template"), and Bicep does not build such a `.bicepparam`
//! file; a template renamed or dropped a parameter and its parameter files
//! did not follow. An Azure Developer CLI parameter file (one with `${VAR}`
//! placeholders) is not checked: azd passes only the parameters the template
//! declares.

use std::collections::HashSet;

use crate::finding::{Finding, Related, Severity, builtin};
use crate::json::{Node, NodeKind};
use crate::source::{FileId, Loc, Span};

/// One finding per parameter that `parameters` (file `pfile`) sets and
/// `template` (file `tfile`, shown as `shown`) does not declare, at its name.
/// `declared`: the template's parameter names, lower-cased (a set the
/// caller keeps per template, not a lookup per name).
pub fn undeclared(
    template: &Node,
    declared: &HashSet<String>,
    tfile: FileId,
    shown: &str,
    parameters: &Node,
    pfile: FileId,
) -> Vec<Finding> {
    let Some(set) = parameters.get("parameters") else {
        return Vec::new();
    };
    if set.members().iter().any(|m| has_placeholder(&m.value)) {
        return Vec::new();
    }
    let declares = |name: &str| declared.contains(&name.to_ascii_lowercase());
    let at_template = template
        .member("parameters")
        .map_or(Span::new(0, 0), |m| m.key_span);
    set.members()
        .iter()
        .filter(|m| !declares(&m.key))
        .map(|m| {
            let mut f = Finding::builtin(
                builtin::UNDECLARED_PARAMETER,
                Severity::Error,
                format!(
                    "parameter '{}' is not declared by {shown}, the template this file is \
                     deployed with: the deployment is rejected",
                    m.key
                ),
                Loc::new(pfile, m.key_span),
            );
            f.help = Some(
                "remove it, or declare it in the template (a parameter renamed or removed \
                 there must be renamed or removed here too)"
                    .into(),
            );
            f.related.push(Related {
                loc: Loc::new(tfile, at_template),
                message: "the template's parameters".into(),
            });
            f
        })
        .collect()
}

/// Whether a value holds an azd `${VAR}` placeholder.
fn has_placeholder(v: &Node) -> bool {
    match &v.kind {
        NodeKind::String(s) => s.contains("${"),
        NodeKind::Object(_) => v.members().iter().any(|m| has_placeholder(&m.value)),
        NodeKind::Array(items) => items.iter().any(has_placeholder),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_as_arm_compares_them() {
        let t = crate::json::parse(r#"{"parameters": {"clusterName": {"type": "string"}}}"#)
            .unwrap_or_else(|e| panic!("{e:?}"));
        let p = crate::json::parse(
            r#"{"parameters": {"CLUSTERNAME": {"value": "a"}, "location": {"value": "b"}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let declared: HashSet<String> = ["clustername".to_string()].into();
        let found = undeclared(&t, &declared, 0, "main.json", &p, 1);
        let names: Vec<_> = found
            .iter()
            .map(|f| (f.rule.as_str(), f.loc.span))
            .collect();
        assert_eq!(names, [("TDN008", Span::new(47, 57))]);
        let none = crate::json::parse("{}").unwrap_or_else(|e| panic!("{e:?}"));
        assert!(undeclared(&t, &declared, 0, "main.json", &none, 1).is_empty());
        // azd fills `${VAR}` and passes only what the template declares.
        let azd = crate::json::parse(
            r#"{"parameters": {"principalType": {"value": "${AZURE_PRINCIPAL_TYPE=User}"}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(undeclared(&t, &declared, 0, "main.json", &azd, 1).is_empty());
    }
}
