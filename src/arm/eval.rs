//! TEMPORARY stub; replaced by the real evaluator.
use crate::source::Loc;
use crate::value::Value;

#[derive(Clone, Debug, Default)]
pub struct DeployScope {
    pub level: ScopeLevel,
    pub subscription_id: Option<String>,
    pub resource_group: Option<String>,
}
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScopeLevel {
    #[default]
    ResourceGroup,
    Subscription,
    ManagementGroup,
    Tenant,
}
pub const SUBSCRIPTION_PLACEHOLDER: &str = "{subscriptionId}";
pub const RESOURCE_GROUP_PLACEHOLDER: &str = "{resourceGroupName}";

pub trait ExprEnv {
    fn parameter(&mut self, name: &str) -> Value;
    fn variable(&mut self, name: &str) -> Value;
    fn scope(&self) -> &DeployScope;
    fn tick(&mut self) -> bool;
}

pub fn evaluate_string(text: &str, origin: Loc, env: &mut dyn ExprEnv) -> Value {
    let _ = env;
    if let Some(rest) = text.strip_prefix("[[") {
        return Value::str(format!("[{rest}")).with_origin(Some(origin));
    }
    if text.starts_with('[') && text.ends_with(']') {
        return Value::unknown("stub").with_origin(Some(origin));
    }
    Value::str(text).with_origin(Some(origin))
}
