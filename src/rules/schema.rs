//! The rule file format (TOML). One rule per file; see README "Writing rules".

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub id: Spanned<String>,
    pub slug: String,
    pub severity: Spanned<String>,
    pub summary: String,
    /// RFC 9535 JSONPath over the world document; each match is one finding.
    pub select: Spanned<String>,
    /// Typed predicates every match must also satisfy.
    #[serde(default, rename = "where")]
    pub predicates: Vec<PredicateSpec>,
    /// Fields (relative to the match) that must be known; a rule never fires on Unknown.
    #[serde(default)]
    pub known: Vec<String>,
    /// Message template; `{field.path}` is filled from the match.
    pub message: String,
    /// The field (relative to the match) whose span the finding points at;
    /// or a list of fields, the first that is present.
    #[serde(default)]
    pub at: Option<OneOrMany>,
    /// Or a field holding a JSON Pointer into the world to point at (e.g. a bound `pair.b.at`).
    #[serde(default)]
    pub at_pointer: Option<String>,
    /// A field holding the JSON Pointer of the entity the finding is about,
    /// when not the match (its scenario, condition and network kind).
    #[serde(default)]
    pub about_pointer: Option<String>,
    #[serde(default)]
    pub related: Vec<RelatedSpec>,
    /// Other messages for candidates that satisfy a filter; the first wins.
    #[serde(default, rename = "variant")]
    pub variants: Vec<VariantSpec>,
    #[serde(default)]
    pub help: Option<String>,
    #[serde(default)]
    pub docs: Option<String>,
    /// Other docs for findings about clusters of one network kind.
    #[serde(default)]
    pub docs_for: Option<DocsFor>,
    /// Long-form documentation, printed by `tendon explain <ID>`.
    #[serde(default)]
    pub doc: Option<RuleDoc>,
    /// What Azure does with a template that breaks the rule.
    #[serde(default)]
    pub failure: Option<Failure>,
}

/// When a template that breaks a rule fails, and the Azure errors it gets.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    pub when: FailsAt,
    /// One or two sentences: what fails and how it shows.
    #[serde(default)]
    pub note: Option<String>,
    /// The deployment errors Azure returns, each from a public Microsoft source.
    #[serde(default)]
    pub errors: Vec<DeployError>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailsAt {
    /// Azure rejects the deployment.
    Deploy,
    /// Azure accepts it; something breaks after deployment.
    Runtime,
    /// Nothing fails: advice.
    Advice,
}

impl FailsAt {
    pub fn as_str(self) -> &'static str {
        match self {
            FailsAt::Deploy => "deploy",
            FailsAt::Runtime => "runtime",
            FailsAt::Advice => "advice",
        }
    }
}

/// An Azure deployment error: its code (`InsufficientSubnetSize`), its
/// message as Azure prints it (placeholders in angle brackets), and the
/// public Microsoft page or issue where it was seen.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployError {
    pub code: Spanned<String>,
    pub message: String,
    pub source: String,
}

/// Docs links by the network of the cluster(s) a finding is about; `docs`
/// when the kind has none or the clusters differ.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocsFor {
    #[serde(default)]
    pub kubenet: Option<String>,
    /// Azure CNI Overlay (AKS Automatic included).
    #[serde(default)]
    pub overlay: Option<String>,
    /// Flat Azure CNI (not overlay).
    #[serde(default)]
    pub azure: Option<String>,
}

impl DocsFor {
    /// The link for a network kind (`kubenet`, `overlay`, `azure`).
    pub fn get(&self, kind: &str) -> Option<&str> {
        match kind {
            "kubenet" => self.kubenet.as_deref(),
            "overlay" => self.overlay.as_deref(),
            "azure" => self.azure.as_deref(),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredicateSpec {
    #[serde(rename = "fn")]
    pub name: Spanned<String>,
    #[serde(default)]
    pub args: Vec<toml::Value>,
    /// For generators: the name each result is bound to in the match.
    #[serde(default)]
    pub bind: Option<String>,
}

/// A string, or a list of strings.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A message for the candidates that satisfy a filter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    #[serde(rename = "fn")]
    pub name: Spanned<String>,
    #[serde(default)]
    pub args: Vec<toml::Value>,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelatedSpec {
    /// A field of the match holding a JSON Pointer into the world (e.g. `use.first.at`).
    #[serde(default)]
    pub pointer: Option<String>,
    /// Or a field of the match itself.
    #[serde(default)]
    pub at: Option<String>,
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub what: String,
    pub why: String,
    #[serde(default)]
    pub example: Option<String>,
    #[serde(default)]
    pub instead: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
}
