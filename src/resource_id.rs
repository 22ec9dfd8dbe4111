//! Canonical Azure resource ids.
//!
//! Ids compare case-insensitively. Parts unknown at lint time (subscription,
//! resource group) are written as placeholders; when linking, a placeholder
//! matches any concrete value, so `resourceId(...)` in one file and a literal
//! id in another meet. All templates of a run are assumed to deploy to one
//! subscription and one resource group unless they say otherwise.

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScopeLevel {
    #[default]
    ResourceGroup,
    Subscription,
    ManagementGroup,
    Tenant,
}

/// Stands in for the deployment's subscription id inside ids when unknown.
pub const SUBSCRIPTION_PLACEHOLDER: &str = "{subscriptionId}";
/// Stands in for the deployment's resource group name inside ids when unknown.
pub const RESOURCE_GROUP_PLACEHOLDER: &str = "{resourceGroupName}";
/// Starts the stand-in for a managed identity's principal id, known only at
/// deployment: `{principalId of <identity id>}`. It lets a role assignment's
/// `principalId` be matched with the identity it names.
pub const PRINCIPAL_PLACEHOLDER: &str = "{principalId of ";
/// Likewise for a managed identity's client id.
pub const CLIENT_PLACEHOLDER: &str = "{clientId of ";

pub const SUBSCRIPTION: &str = "{subscriptionId}";
pub const RESOURCE_GROUP: &str = "{resourceGroupName}";
pub const MANAGEMENT_GROUP: &str = "{managementGroupName}";

/// Lower-cased id without a trailing slash: the form used for comparison.
pub fn canonical(id: &str) -> String {
    id.trim().trim_end_matches('/').to_ascii_lowercase()
}

fn is_placeholder(segment: &str) -> bool {
    segment.eq_ignore_ascii_case(SUBSCRIPTION) || segment.eq_ignore_ascii_case(RESOURCE_GROUP)
}

/// The id with subscription and resource group segments blanked: ids that may
/// match share this key.
pub fn link_key(canonical_id: &str) -> String {
    let mut out = String::with_capacity(canonical_id.len());
    let mut prev = "";
    for (i, seg) in canonical_id.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if prev == "subscriptions" || prev == "resourcegroups" {
            out.push('*');
        } else {
            out.push_str(seg);
        }
        prev = seg;
    }
    out
}

/// Whether two canonical ids can name the same resource.
pub fn ids_match(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (mut sa, mut sb) = (a.split('/'), b.split('/'));
    loop {
        match (sa.next(), sb.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == y || is_placeholder(x) || is_placeholder(y) => {}
            _ => return false,
        }
    }
}

/// Scope prefix of a deployment: `/subscriptions/s/resourceGroups/g`, `/subscriptions/s`, ….
pub fn scope_prefix(
    level: ScopeLevel,
    subscription: Option<&str>,
    resource_group: Option<&str>,
) -> String {
    let sub = subscription.unwrap_or(SUBSCRIPTION);
    match level {
        ScopeLevel::ResourceGroup => format!(
            "/subscriptions/{sub}/resourceGroups/{}",
            resource_group.unwrap_or(RESOURCE_GROUP)
        ),
        ScopeLevel::Subscription => format!("/subscriptions/{sub}"),
        ScopeLevel::ManagementGroup => {
            format!("/providers/Microsoft.Management/managementGroups/{MANAGEMENT_GROUP}")
        }
        ScopeLevel::Tenant => String::new(),
    }
}

/// Id of a resource of full `type` (`Microsoft.Network/virtualNetworks/subnets`)
/// and full `name` (`vnet/sn`) under `prefix`. `None` when the segment counts differ.
pub fn build(prefix: &str, resource_type: &str, name: &str) -> Option<String> {
    // Old-style extension resources: `<base type>/providers/<ext type>` with
    // name `<base names>/<ext namespace>/<ext names>`.
    if let Some((base_type, ext_type)) = split_providers(resource_type) {
        let base_count = base_type.split('/').count().checked_sub(1)?;
        let names: Vec<&str> = name.split('/').collect();
        let base_names = names.get(..base_count)?.join("/");
        let ext_ns = names.get(base_count)?;
        let ext_names = names.get(base_count + 1..)?.join("/");
        let base = build(prefix, base_type, &base_names)?;
        return build(&base, &format!("{ext_ns}/{ext_type}"), &ext_names);
    }
    let mut types = resource_type.split('/');
    let namespace = types.next()?;
    let types: Vec<&str> = types.collect();
    let names: Vec<&str> = name.split('/').collect();
    if types.is_empty() || types.len() != names.len() || names.iter().any(|n| n.is_empty()) {
        return None;
    }
    let mut id = format!("{prefix}/providers/{namespace}");
    for (t, n) in types.iter().zip(&names) {
        id.push('/');
        id.push_str(t);
        id.push('/');
        id.push_str(n);
    }
    Some(id)
}

fn split_providers(resource_type: &str) -> Option<(&str, &str)> {
    let lower = resource_type.to_ascii_lowercase();
    let at = lower.find("/providers/")?;
    Some((
        resource_type.get(..at)?,
        resource_type.get(at + "/providers/".len()..)?,
    ))
}

/// The id of the parent resource (`…/virtualNetworks/v/subnets/s` → `…/virtualNetworks/v`),
/// `None` for top-level resources.
pub fn parent(id: &str) -> Option<&str> {
    let lower = id.to_ascii_lowercase();
    let providers = lower.rfind("/providers/")?;
    let tail = id.get(providers + "/providers/".len()..)?;
    // namespace/type/name[/type/name…]: a parent exists when there are 5+ segments.
    if tail.split('/').count() < 5 {
        return None;
    }
    let cut = id.rfind('/')?;
    let cut = id.get(..cut)?.rfind('/')?;
    id.get(..cut)
}

/// The full type of an id (`…/providers/Microsoft.Network/virtualNetworks/v/subnets/s`
/// → `Microsoft.Network/virtualNetworks/subnets`), from its last `/providers/`.
pub fn type_of(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let providers = lower.rfind("/providers/")?;
    let tail = id.get(providers + "/providers/".len()..)?;
    let mut parts = tail.split('/');
    let mut out = parts.next()?.to_string();
    let mut any = false;
    while let Some(t) = parts.next() {
        parts.next()?;
        out.push('/');
        out.push_str(t);
        any = true;
    }
    any.then_some(out)
}

/// The last name segment of an id.
pub fn last_name(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// Resolves a `scope` property value: a full id, or a relative `Namespace/type/name`
/// form meaning a resource in the deployment's resource group.
pub fn resolve_scope(prefix: &str, scope: &str) -> String {
    // `"scope": "/"` is the tenant root: ids start at `/providers/…`.
    if scope.trim() == "/" {
        return String::new();
    }
    let scope = scope.trim_end_matches('/');
    if scope.starts_with('/') {
        scope.to_string()
    } else {
        format!("{prefix}/providers/{scope}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_of_ids() {
        assert_eq!(
            type_of("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/s").as_deref(),
            Some("Microsoft.Network/virtualNetworks/subnets")
        );
        assert_eq!(
            type_of("/subscriptions/s/providers/Microsoft.Network/virtualNetworks/v/providers/Microsoft.Authorization/roleAssignments/r").as_deref(),
            Some("Microsoft.Authorization/roleAssignments")
        );
        assert_eq!(type_of("/subscriptions/s/resourceGroups/g"), None);
        assert_eq!(type_of("/providers/Microsoft.X/y"), None);
    }

    #[test]
    fn builds_ids() {
        let p = scope_prefix(ScopeLevel::ResourceGroup, None, None);
        assert_eq!(
            build(&p, "Microsoft.Network/virtualNetworks/subnets", "vnet/aks").as_deref(),
            Some(
                "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks"
            )
        );
        assert_eq!(
            build(&p, "Microsoft.Network/virtualNetworks/subnets", "vnet"),
            None
        );
        let ext = build(
            &p,
            "Microsoft.Network/virtualNetworks/providers/roleAssignments",
            "vnet/Microsoft.Authorization/guid1",
        );
        assert_eq!(
            ext.as_deref(),
            Some(
                "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/vnet/providers/Microsoft.Authorization/roleAssignments/guid1"
            )
        );
    }

    #[test]
    fn placeholders_match_concrete_parts() {
        let a = canonical(
            "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks",
        );
        let b = canonical(
            "/subscriptions/0000/resourceGroups/RG-Net/providers/microsoft.network/virtualNetworks/VNET/subnets/AKS/",
        );
        let c = canonical(
            "/subscriptions/0000/resourceGroups/other/providers/microsoft.network/virtualNetworks/VNET/subnets/AKS",
        );
        assert!(ids_match(&a, &b));
        assert!(!ids_match(&b, &c));
        assert_eq!(link_key(&a), link_key(&b));
    }

    #[test]
    fn parents() {
        let id = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/s1";
        assert_eq!(
            parent(id),
            Some("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v")
        );
        assert_eq!(parent(parent(id).unwrap()), None);
        assert_eq!(last_name(id), "s1");
    }
}
