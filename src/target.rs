//! A concrete deployment target (`--target`, `[deployment]` in `tendon.toml`):
//! the subscription and resource group a template is deployed to, and the
//! group's location. With one, `subscription()`, `resourceGroup()` and
//! `resourceGroup().location` are known, so ids built with `resourceId()`
//! are the ids Azure gives the resources.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub subscription: String,
    /// `None` for a subscription target (`/subscriptions/<id>`).
    pub resource_group: Option<String>,
    pub location: Option<String>,
}

/// Longest accepted segment: Azure's names are at most 90 characters.
const MAX_SEGMENT: usize = 90;

impl Target {
    /// Parses `/subscriptions/<id>` or `/subscriptions/<id>/resourceGroups/<name>`
    /// (keywords in any case, a trailing `/` allowed).
    pub fn parse(text: &str, location: Option<&str>) -> Result<Target, String> {
        let shape = "expected /subscriptions/<id> or /subscriptions/<id>/resourceGroups/<name>";
        let trimmed = text.trim().trim_end_matches('/');
        let Some(rest) = trimmed.strip_prefix('/') else {
            return Err(shape.to_string());
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let (sub, rg) = match parts.as_slice() {
            [s, id] if s.eq_ignore_ascii_case("subscriptions") => (*id, None),
            [s, id, g, name]
                if s.eq_ignore_ascii_case("subscriptions")
                    && g.eq_ignore_ascii_case("resourceGroups") =>
            {
                (*id, Some(*name))
            }
            _ => return Err(shape.to_string()),
        };
        let segment = |what: &str, s: &str| -> Result<String, String> {
            let plain = !s.is_empty()
                && s.len() <= MAX_SEGMENT
                && s.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'));
            if plain {
                Ok(s.to_string())
            } else {
                Err(format!(
                    "the {what} must be 1 to {MAX_SEGMENT} letters, digits, '-', '_', '.', '(' or ')'"
                ))
            }
        };
        let location = match location.map(str::trim) {
            Some(l) if !l.is_empty() => Some(segment("location", l)?),
            _ => None,
        };
        Ok(Target {
            subscription: segment("subscription id", sub)?,
            resource_group: rg.map(|g| segment("resource group name", g)).transpose()?,
            location,
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/subscriptions/{}", self.subscription)?;
        if let Some(rg) = &self.resource_group {
            write!(f, "/resourceGroups/{rg}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_print() {
        let t = Target::parse(
            "/subscriptions/0000-1/resourcegroups/rg-aks/",
            Some("westeurope"),
        )
        .unwrap();
        assert_eq!(t.subscription, "0000-1");
        assert_eq!(t.resource_group.as_deref(), Some("rg-aks"));
        assert_eq!(t.location.as_deref(), Some("westeurope"));
        assert_eq!(t.to_string(), "/subscriptions/0000-1/resourceGroups/rg-aks");
        let s = Target::parse("/subscriptions/abc", None).unwrap();
        assert_eq!(s.resource_group, None);
        for bad in [
            "subscriptions/abc",
            "/subscriptions",
            "/subscriptions/abc/providers/x",
            "/subscriptions/{subscriptionId}",
            "/subscriptions/a b",
            "/subscriptions/abc/resourceGroups/",
        ] {
            assert!(Target::parse(bad, None).is_err(), "{bad}");
        }
        assert!(Target::parse("/subscriptions/abc", Some("west europe")).is_err());
    }
}
