//! Resource ids (`resourceId` family) and the scope objects `resourceGroup()`
//! and `subscription()`. Unknown scope parts appear as the placeholders
//! `{subscriptionId}` / `{resourceGroupName}` so ids stay comparable.

use super::{R, arity, error, want_str};
use crate::arm::eval::{Ctx, RESOURCE_GROUP_PLACEHOLDER, SUBSCRIPTION_PLACEHOLDER, ScopeLevel};
use crate::value::{Object, Value};

fn strings<'a>(name: &str, args: &'a [Value]) -> Result<Vec<&'a str>, Value> {
    args.iter().map(|a| want_str(name, a)).collect()
}

/// Splits `[leading..., type, names...]` at the first argument containing `/`.
fn split_at_type<'a>(
    name: &str,
    args: &'a [&'a str],
    max_leading: usize,
) -> Result<(&'a [&'a str], &'a str, &'a [&'a str]), Value> {
    let Some(t) = args.iter().position(|a| a.contains('/')) else {
        return Err(error(format!(
            "{name}(): no resource type (namespace/type) among the arguments"
        )));
    };
    if t > max_leading {
        return Err(error(format!(
            "{name}(): too many arguments before the resource type"
        )));
    }
    let leading = args.get(..t).unwrap_or(&[]);
    let ty = args.get(t).copied().unwrap_or("");
    let names = args.get(t + 1..).unwrap_or(&[]);
    Ok((leading, ty, names))
}

/// `/providers/{ns}/{t1}/{n1}/{t2}/{n2}...`; the names must match the type
/// segments after the namespace one to one (a name argument may itself hold
/// several `/`-separated segments).
fn provider_tail(name: &str, ty: &str, names: &[&str]) -> Result<String, Value> {
    let segs: Vec<&str> = ty.trim_matches('/').split('/').collect();
    if segs.len() < 2 || segs.iter().any(|s| s.is_empty()) {
        return Err(error(format!("{name}(): invalid resource type '{ty}'")));
    }
    let name_segs: Vec<&str> = names.iter().flat_map(|n| n.split('/')).collect();
    if name_segs.len() != segs.len() - 1 {
        return Err(error(format!(
            "{name}(): resource type '{ty}' needs {} name segment(s), got {}",
            segs.len() - 1,
            name_segs.len()
        )));
    }
    if name_segs.iter().any(|n| n.is_empty()) {
        return Err(error(format!("{name}(): empty resource name segment")));
    }
    let mut out = String::from("/providers/");
    out.push_str(segs.first().copied().unwrap_or(""));
    for (t, n) in segs.iter().skip(1).zip(&name_segs) {
        out.push('/');
        out.push_str(t);
        out.push('/');
        out.push_str(n);
    }
    Ok(out)
}

fn current_sub(cx: &Ctx) -> String {
    cx.env
        .scope()
        .subscription_id
        .clone()
        .unwrap_or_else(|| SUBSCRIPTION_PLACEHOLDER.to_string())
}

fn current_rg(cx: &Ctx) -> String {
    cx.env
        .scope()
        .resource_group
        .clone()
        .unwrap_or_else(|| RESOURCE_GROUP_PLACEHOLDER.to_string())
}

fn level_name(l: ScopeLevel) -> &'static str {
    match l {
        ScopeLevel::ResourceGroup => "resource group",
        ScopeLevel::Subscription => "subscription",
        ScopeLevel::ManagementGroup => "management group",
        ScopeLevel::Tenant => "tenant",
    }
}

/// `resourceId([subscriptionId], [resourceGroupName], type, names...)`.
pub(crate) fn resource_id(cx: &mut Ctx, args: Vec<Value>) -> R {
    arity("resourceId", &args, 2, usize::MAX)?;
    let strs = strings("resourceId", &args)?;
    let (leading, ty, names) = split_at_type("resourceId", &strs, 2)?;
    let tail = provider_tail("resourceId", ty, names)?;
    let level = cx.env.scope().level;
    let (sub, rg) = match (leading, level) {
        ([], ScopeLevel::ResourceGroup) => (current_sub(cx), current_rg(cx)),
        // Without a resource group, a subscription deployment gives a subscription-level id.
        ([], ScopeLevel::Subscription) => {
            return Ok(Value::str(format!(
                "/subscriptions/{}{tail}",
                current_sub(cx)
            )));
        }
        ([rg], ScopeLevel::ResourceGroup) => (current_sub(cx), rg.to_string()),
        ([sub, rg], _) => (sub.to_string(), rg.to_string()),
        _ => {
            return Err(Value::unknown(format!(
                "resourceId() with {} leading argument(s) in a {} deployment is not evaluated statically",
                leading.len(),
                level_name(level)
            )));
        }
    };
    Ok(Value::str(format!(
        "/subscriptions/{sub}/resourceGroups/{rg}{tail}"
    )))
}

/// `subscriptionResourceId([subscriptionId], type, names...)`.
pub(crate) fn subscription_resource_id(cx: &mut Ctx, args: Vec<Value>) -> R {
    arity("subscriptionResourceId", &args, 2, usize::MAX)?;
    let strs = strings("subscriptionResourceId", &args)?;
    let (leading, ty, names) = split_at_type("subscriptionResourceId", &strs, 1)?;
    let tail = provider_tail("subscriptionResourceId", ty, names)?;
    let sub = match leading.first() {
        Some(s) => s.to_string(),
        None => match cx.env.scope().level {
            ScopeLevel::ResourceGroup | ScopeLevel::Subscription => current_sub(cx),
            l => {
                return Err(Value::unknown(format!(
                    "subscriptionResourceId() without a subscription id in a {} deployment is not evaluated statically",
                    level_name(l)
                )));
            }
        },
    };
    Ok(Value::str(format!("/subscriptions/{sub}{tail}")))
}

/// `tenantResourceId(type, names...)`.
pub(crate) fn tenant_resource_id(args: Vec<Value>) -> R {
    arity("tenantResourceId", &args, 2, usize::MAX)?;
    let strs = strings("tenantResourceId", &args)?;
    let (_, ty, names) = split_at_type("tenantResourceId", &strs, 0)?;
    provider_tail("tenantResourceId", ty, names).map(Value::str)
}

/// `extensionResourceId(baseId, type, names...)`.
pub(crate) fn extension_resource_id(args: Vec<Value>) -> R {
    arity("extensionResourceId", &args, 3, usize::MAX)?;
    let strs = strings("extensionResourceId", &args)?;
    let (base, rest) = strs.split_first().unwrap_or((&"", &[]));
    let (_, ty, names) = split_at_type("extensionResourceId", rest, 0)?;
    let tail = provider_tail("extensionResourceId", ty, names)?;
    Ok(Value::str(format!("{}{tail}", base.trim_end_matches('/'))))
}

/// `managementGroupResourceId([managementGroupId], type, names...)`; the
/// current management group is not part of the scope, so it must be given.
pub(crate) fn management_group_resource_id(args: Vec<Value>) -> R {
    arity("managementGroupResourceId", &args, 2, usize::MAX)?;
    let strs = strings("managementGroupResourceId", &args)?;
    let (leading, ty, names) = split_at_type("managementGroupResourceId", &strs, 1)?;
    let tail = provider_tail("managementGroupResourceId", ty, names)?;
    match leading.first() {
        Some(mg) => Ok(Value::str(format!(
            "/providers/Microsoft.Management/managementGroups/{mg}{tail}"
        ))),
        None => Err(Value::unknown(
            "managementGroupResourceId() for the current management group is not evaluated statically",
        )),
    }
}

/// `resourceGroup()`: id from the scope (placeholders when unknown); location,
/// tags and the rest are runtime values.
pub(crate) fn resource_group(cx: &mut Ctx, args: Vec<Value>) -> R {
    arity("resourceGroup", &args, 0, 0)?;
    let scope = cx.env.scope();
    if scope.level != ScopeLevel::ResourceGroup {
        return Err(error(format!(
            "resourceGroup() is not available in a {} deployment",
            level_name(scope.level)
        )));
    }
    // An unknown name is the placeholder, like in ids: Bicep builds ids with
    // `format('/subscriptions/{0}/resourceGroups/{1}/…', subscription().subscriptionId,
    // resourceGroup().name)`, and those must stay comparable. Functions whose
    // result would depend on the placeholder text give Unknown (see `placeholder`).
    let name = Value::str(current_rg(cx));
    let mut props = Object::new();
    props.insert(
        "provisioningState".into(),
        Value::unknown("resourceGroup().properties is a runtime value"),
    );
    let mut o = Object::new();
    o.insert(
        "id".into(),
        Value::str(format!(
            "/subscriptions/{}/resourceGroups/{}",
            current_sub(cx),
            current_rg(cx)
        )),
    );
    o.insert("name".into(), name);
    o.insert(
        "type".into(),
        Value::str("Microsoft.Resources/resourceGroups"),
    );
    // The target's, else the same value wherever it is used in the run: a
    // symbol, not an Unknown.
    let location = match &scope.location {
        Some(l) => l.clone(),
        None => crate::symbol::member("resourceGroup", "location"),
    };
    o.insert("location".into(), Value::str(location));
    o.insert(
        "managedBy".into(),
        Value::unknown("resourceGroup().managedBy is a runtime value"),
    );
    o.insert(
        "tags".into(),
        Value::unknown("resourceGroup().tags is a runtime value"),
    );
    o.insert("properties".into(), Value::object(props));
    Ok(Value::object(o))
}

/// `subscription()`: id from the scope; tenant and display name are runtime values.
pub(crate) fn subscription(cx: &mut Ctx, args: Vec<Value>) -> R {
    arity("subscription", &args, 0, 0)?;
    let scope = cx.env.scope();
    if matches!(
        scope.level,
        ScopeLevel::ManagementGroup | ScopeLevel::Tenant
    ) {
        return Err(error(format!(
            "subscription() is not available in a {} deployment",
            level_name(scope.level)
        )));
    }
    // The placeholder when unknown, as in ids (see `resource_group`).
    let sub_id = Value::str(current_sub(cx));
    let mut o = Object::new();
    o.insert(
        "id".into(),
        Value::str(format!("/subscriptions/{}", current_sub(cx))),
    );
    o.insert("subscriptionId".into(), sub_id);
    o.insert(
        "tenantId".into(),
        Value::unknown("subscription().tenantId is a runtime value"),
    );
    o.insert(
        "displayName".into(),
        Value::unknown("subscription().displayName is a runtime value"),
    );
    Ok(Value::object(o))
}

#[cfg(test)]
mod tests {
    use crate::arm::eval::testenv::*;
    use crate::arm::eval::{DeployScope, ScopeLevel};

    fn known() -> TestEnv {
        let mut env = TestEnv::new();
        env.scope = DeployScope {
            level: ScopeLevel::ResourceGroup,
            subscription_id: Some("sub1".into()),
            resource_group: Some("rg1".into()),
            location: Some("westeurope".into()),
        };
        env
    }

    #[test]
    fn a_known_target_gives_the_group_its_location() {
        let mut env = known();
        assert_eq!(
            ev_in(&mut env, "resourceGroup().location").as_str(),
            Some("westeurope")
        );
        // Without one, the location is the same symbol wherever it is used.
        assert_ne!(ev("resourceGroup().location").as_str(), Some("westeurope"));
    }

    #[test]
    fn resource_id_shapes() {
        assert_eq!(
            ev("resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')").as_str(),
            Some(
                "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
            )
        );
        let mut env = known();
        assert_eq!(
            ev_in(
                &mut env,
                "resourceId('Microsoft.Storage/storageAccounts', 'st')"
            )
            .as_str(),
            Some(
                "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/st"
            )
        );
        assert_eq!(
            ev_in(
                &mut env,
                "resourceId('otherRg', 'Microsoft.Storage/storageAccounts', 'st')"
            )
            .as_str(),
            Some(
                "/subscriptions/sub1/resourceGroups/otherRg/providers/Microsoft.Storage/storageAccounts/st"
            )
        );
        assert_eq!(
            ev_in(
                &mut env,
                "resourceId('s2', 'rg2', 'Microsoft.Storage/storageAccounts', 'st')"
            )
            .as_str(),
            Some(
                "/subscriptions/s2/resourceGroups/rg2/providers/Microsoft.Storage/storageAccounts/st"
            )
        );
        // A name holding both segments is accepted.
        assert_eq!(
            ev_in(
                &mut env,
                "resourceId('Microsoft.Network/virtualNetworks/subnets', 'v/s')"
            )
            .as_str(),
            Some(
                "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
            )
        );
        for bad in [
            "resourceId('Microsoft.Network/virtualNetworks/subnets', 'v')",
            "resourceId('Microsoft.Storage/storageAccounts', 'a', 'b')",
            "resourceId('a', 'b', 'c', 'Microsoft.Storage/storageAccounts', 'a')",
            "resourceId('noslash', 'x')",
            "resourceId('Microsoft.Storage/storageAccounts', '')",
            "resourceId('Microsoft.Storage/storageAccounts', 1)",
        ] {
            assert!(reason(&ev_in(&mut env, bad)).starts_with("error:"), "{bad}");
        }
        assert_eq!(
            reason(&ev_in(
                &mut env,
                "resourceId('Microsoft.Storage/storageAccounts', parameters('n'))"
            )),
            "parameter 'n' has no value"
        );
        let id = ev_in(
            &mut env,
            "resourceId('Microsoft.Storage/storageAccounts', parameters('n'))",
        );
        assert!(matches!(&id.kind, crate::value::Kind::Unknown(r)
            if crate::value::typed_unknown_type(r) == Some("Microsoft.Storage/storageAccounts")));
    }

    #[test]
    fn resource_id_at_subscription_scope() {
        let mut env = TestEnv::new();
        env.scope.level = ScopeLevel::Subscription;
        assert_eq!(
            ev_in(
                &mut env,
                "resourceId('Microsoft.Authorization/roleDefinitions', 'r')"
            )
            .as_str(),
            Some(
                "/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/r"
            )
        );
        assert!(reason(&ev_in(&mut env, "resourceGroup()")).starts_with("error:"));
        env.scope.level = ScopeLevel::ManagementGroup;
        assert!(ev_in(&mut env, "resourceId('A.B/c', 'r')").is_unknown());
    }

    #[test]
    fn other_id_functions() {
        let mut env = known();
        assert_eq!(
            ev_in(
                &mut env,
                "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7')"
            )
            .as_str(),
            Some("/subscriptions/sub1/providers/Microsoft.Authorization/roleDefinitions/acdd72a7")
        );
        assert_eq!(
            ev_in(
                &mut env,
                "subscriptionResourceId('s9', 'Microsoft.Authorization/roleDefinitions', 'x')"
            )
            .as_str(),
            Some("/subscriptions/s9/providers/Microsoft.Authorization/roleDefinitions/x")
        );
        assert_eq!(
            ev("tenantResourceId('Microsoft.Authorization/policyDefinitions', 'p')").as_str(),
            Some("/providers/Microsoft.Authorization/policyDefinitions/p")
        );
        assert_eq!(
            ev_in(&mut env, "extensionResourceId(resourceId('Microsoft.Storage/storageAccounts', 'st'), 'Microsoft.Authorization/locks', 'lock')").as_str(),
            Some("/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/st/providers/Microsoft.Authorization/locks/lock")
        );
        assert_eq!(
            ev(
                "managementGroupResourceId('mg1', 'Microsoft.Authorization/policyDefinitions', 'p')"
            )
            .as_str(),
            Some(
                "/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/policyDefinitions/p"
            )
        );
        assert!(
            ev("managementGroupResourceId('Microsoft.Authorization/policyDefinitions', 'p')")
                .is_unknown()
        );
    }

    #[test]
    fn scope_objects() {
        assert_eq!(
            ev("resourceGroup().id").as_str(),
            Some("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}")
        );
        // Unknown names are placeholders, so ids built from them stay comparable...
        assert_eq!(
            ev("resourceGroup().name").as_str(),
            Some("{resourceGroupName}")
        );
        assert_eq!(
            ev("subscription().subscriptionId").as_str(),
            Some("{subscriptionId}")
        );
        assert_eq!(
            ev("format('/subscriptions/{0}/resourceGroups/{1}', subscription().subscriptionId, resourceGroup().name)")
                .as_str(),
            Some("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}")
        );
        // ...but nothing is computed from the placeholder text: hashes of it are symbols.
        assert!(ev("length(resourceGroup().name)").is_unknown());
        assert_eq!(
            ev("uniqueString(subscription().subscriptionId)").as_str(),
            Some("{uniqueString(subscription().subscriptionId)}")
        );
        assert_eq!(
            ev("resourceGroup().location").as_str(),
            Some("{resourceGroup().location}")
        );
        assert_eq!(
            ev("resourceGroup().type").as_str(),
            Some("Microsoft.Resources/resourceGroups")
        );
        let mut env = known();
        assert_eq!(
            ev_in(&mut env, "resourceGroup().name").as_str(),
            Some("rg1")
        );
        assert_eq!(
            ev_in(&mut env, "resourceGroup().id").as_str(),
            Some("/subscriptions/sub1/resourceGroups/rg1")
        );
        assert_eq!(
            ev_in(&mut env, "subscription().subscriptionId").as_str(),
            Some("sub1")
        );
        assert_eq!(
            ev_in(&mut env, "subscription().id").as_str(),
            Some("/subscriptions/sub1")
        );
        assert_eq!(
            ev("subscription().id").as_str(),
            Some("/subscriptions/{subscriptionId}")
        );
        assert!(ev("subscription().tenantId").is_unknown());
        assert!(!reason(&ev("resourceGroup().tags.x")).starts_with("error:"));
    }
}
