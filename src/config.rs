//! Project configuration: `tendon.toml` or `.tendon.toml`, found upward from
//! the working directory, or `--config FILE`. Unknown keys and bad values stop
//! the run (exit 2) with a diagnostic pointing into the TOML.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ipnet::IpNet;
use serde::Deserialize;
use toml::Spanned;

use crate::finding::Severity;
use crate::model::derive::parse_cidr;
use crate::selection::{Layer, matches_rule, unknown_rule};
use crate::target::Target;

const NAMES: &[&str] = &["tendon.toml", ".tendon.toml"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    /// Rule ids or slugs to run (all when absent); `*` at the end matches a prefix.
    #[serde(default)]
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    /// Globs of paths (relative to the config file's folder) not to lint.
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    fail_on: Option<Spanned<String>>,
    /// Extra rule folders, relative to the config file's folder.
    #[serde(default)]
    rules: Vec<Spanned<String>>,
    /// Per-rule severity: `AKS021 = "warning"`.
    #[serde(default)]
    severity: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    network: NetworkFile,
    /// Explicit template ↔ parameter file pairings.
    #[serde(default)]
    pair: Vec<PairFile>,
    /// Where the templates are deployed.
    #[serde(default)]
    deployment: DeploymentFile,
    /// Exports of deployed resources, relative to the config file's folder.
    #[serde(default)]
    context: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeploymentFile {
    target: Option<Spanned<String>>,
    location: Option<Spanned<String>>,
    /// Targets of the templates in some folders.
    #[serde(default)]
    folder: Vec<FolderFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FolderFile {
    /// The folder, relative to the config file's folder.
    path: Spanned<String>,
    target: Spanned<String>,
    location: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PairFile {
    /// The template, relative to the config file's folder.
    template: Spanned<String>,
    /// Globs of parameter files, relative to the config file's folder.
    parameters: Spanned<Vec<Spanned<String>>>,
}

/// A `[[pair]]` entry: parameter files matching `parameters` belong to `template`.
#[derive(Clone, Debug)]
pub struct Pair {
    /// The template's path (the config file's folder joined with it as written).
    pub template: PathBuf,
    /// Globs relative to the config file's folder.
    pub parameters: Vec<String>,
    /// `parameters`, compiled.
    matcher: GlobSet,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct NetworkFile {
    /// Ranges nothing of a cluster may overlap, beyond AKS's reserved ones (AKS008).
    #[serde(default)]
    reserved: Vec<Spanned<String>>,
    /// On-premises or otherwise taken ranges the cluster's ranges must not overlap (AKS009).
    #[serde(default)]
    on_premises: Vec<Spanned<String>>,
}

/// A range from the configuration with its byte span in the config text.
#[derive(Clone, Debug)]
pub struct ConfiguredRange {
    pub net: IpNet,
    pub text: String,
    pub span: std::ops::Range<usize>,
}

#[derive(Debug, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub text: String,
    /// `select` and `ignore`.
    pub selection: Layer,
    /// The command line's `--select`, `--extend-select` and `--ignore`, over `selection`.
    pub overrides: Layer,
    /// Every rule pattern of `select`, `ignore` and `[severity]`, with the
    /// span to point at (a `[severity]` key: its value).
    pub rule_patterns: Vec<(String, std::ops::Range<usize>)>,
    pub exclude: Vec<String>,
    /// `exclude`, compiled.
    exclude_matcher: GlobSet,
    pub fail_on: Option<String>,
    /// `rules`: extra rule folders, with the span of each entry.
    pub rule_dirs: Vec<(PathBuf, std::ops::Range<usize>)>,
    /// The project the configuration belongs to (the git work tree holding
    /// it, else its folder), when it was read from disk: its rule folders
    /// and their files are read only inside it, as a pull request writes them.
    pub project: Option<crate::confine::ProjectRoot>,
    pub severity: BTreeMap<String, Severity>,
    pub reserved: Vec<ConfiguredRange>,
    pub on_premises: Vec<ConfiguredRange>,
    pub pairs: Vec<Pair>,
    /// `[deployment]`: the target of every template, unless a folder's says otherwise.
    pub target: Option<Target>,
    /// `[[deployment.folder]]`: absolute folder (lexically) and its target.
    pub folder_targets: Vec<(PathBuf, Target)>,
    /// `context`: exports of deployed resources (read only inside the project root).
    pub context: Vec<PathBuf>,
}

/// A configuration file that cannot be used.
#[derive(Debug)]
pub struct ConfigError {
    pub file: String,
    pub text: String,
    pub message: String,
    pub span: Option<std::ops::Range<usize>>,
}

/// The nearest `tendon.toml` / `.tendon.toml` in `start` or above it.
pub fn find(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        for name in NAMES {
            let candidate = d.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        dir = d.parent();
    }
    None
}

fn ranges(
    items: &[Spanned<String>],
    err: &dyn Fn(String, std::ops::Range<usize>) -> ConfigError,
) -> Result<Vec<ConfiguredRange>, ConfigError> {
    items
        .iter()
        .map(|r| {
            parse_cidr(r.get_ref())
                .map(|net| ConfiguredRange {
                    net,
                    text: r.get_ref().clone(),
                    span: r.span(),
                })
                .ok_or_else(|| {
                    err(
                        format!("'{}' is not a CIDR range", token(r.get_ref())),
                        r.span(),
                    )
                })
        })
        .collect()
}

pub fn load(path: &Path) -> Result<Config, ConfigError> {
    load_in(path, None)
}

/// [`load`], confining what the configuration names (rule folders, `[[pair]]`
/// templates) to `root` (`--root`) when given, else to the git work tree
/// holding it, else its folder.
pub fn load_in(path: &Path, root: Option<&Path>) -> Result<Config, ConfigError> {
    let shown = path.display().to_string();
    refuse_link_out(path, &shown)?;
    // A configuration is small; a link to `/proc/self/environ` is not one.
    let text = crate::fsread::read_regular_text(path, 1 << 20).map_err(|e| ConfigError {
        file: shown.clone(),
        text: String::new(),
        message: format!("cannot read the configuration: {e}"),
        span: None,
    })?;
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let project = crate::confine::ProjectRoot::find(&[base.to_path_buf()], root).ok();
    let mut config = parse_in(&shown, &text, base, project.as_ref())?;
    config.path = Some(path.to_path_buf());
    confine_rule_dirs(&mut config, project)?;
    Ok(config)
}

/// A `tendon.toml` that is a symlink (pull request content) is read only
/// when it leads to a file inside its own project: a link to `~/.aws/credentials`
/// would otherwise put that file's first bad token in the log.
fn refuse_link_out(path: &Path, shown: &str) -> Result<(), ConfigError> {
    let Some(refusal) = crate::confine::link_out_of_project(path) else {
        return Ok(());
    };
    Err(ConfigError {
        file: shown.to_string(),
        text: String::new(),
        message: format!(
            "the configuration is a symbolic link to a file that {}; not read (name the file \
             itself with --config)",
            refusal.reason()
        ),
        span: None,
    })
}

/// Rule folders named by the configuration (pull request content) are read
/// only inside its project, like the files templates name: not
/// `~/.cargo` or `/etc`, whose files a parse error would partly echo.
fn confine_rule_dirs(
    config: &mut Config,
    project: Option<crate::confine::ProjectRoot>,
) -> Result<(), ConfigError> {
    if config.rule_dirs.is_empty() {
        return Ok(());
    }
    let project = project.ok_or_else(|| ConfigError {
        file: config
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        text: String::new(),
        message: "cannot find the configuration's project folder".to_string(),
        span: None,
    })?;
    for (dir, span) in &mut config.rule_dirs {
        match project.admit(dir) {
            Ok(canonical) => *dir = canonical,
            // A missing folder is reported when the rules are read.
            Err(crate::confine::Refusal::Missing | crate::confine::Refusal::Unreadable) => {}
            Err(refusal) => {
                return Err(ConfigError {
                    file: config
                        .path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    text: config.text.clone(),
                    message: format!(
                        "this rule folder {}; rule folders named here must lie in the project \
                         (--root, else the git work tree holding this file, else its folder); \
                         pass one elsewhere with --rules",
                        refusal.reason()
                    ),
                    span: Some(span.clone()),
                });
            }
        }
    }
    config.project = Some(project);
    Ok(())
}

pub fn parse(shown: &str, text: &str, base: &Path) -> Result<Config, ConfigError> {
    parse_in(shown, text, base, None)
}

/// [`parse`], with the project the configuration belongs to when it is read
/// from disk: the `[[pair]]` templates it names must lie inside it.
fn parse_in(
    shown: &str,
    text: &str,
    base: &Path,
    project: Option<&crate::confine::ProjectRoot>,
) -> Result<Config, ConfigError> {
    let err = |message: String, span: std::ops::Range<usize>| ConfigError {
        file: shown.to_string(),
        text: text.to_string(),
        message,
        span: Some(span),
    };
    let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError {
        file: shown.to_string(),
        text: text.to_string(),
        message: e.message().to_string(),
        span: e.span(),
    })?;
    if let Some(f) = &file.fail_on
        && !["error", "warning", "info", "never"].contains(&f.get_ref().as_str())
    {
        return Err(err(
            format!(
                "fail-on must be \"error\", \"warning\", \"info\" or \"never\", not \"{}\"",
                token(f.get_ref())
            ),
            f.span(),
        ));
    }
    let mut severity = BTreeMap::new();
    for (rule, level) in &file.severity {
        let s = Severity::parse(level.get_ref()).ok_or_else(|| {
            err(
                format!(
                    "severity of {} must be \"error\", \"warning\" or \"info\", not \"{}\"",
                    token(rule),
                    token(level.get_ref())
                ),
                level.span(),
            )
        })?;
        severity.insert(rule.clone(), s);
    }
    for g in &file.exclude {
        if g.get_ref().is_empty() {
            return Err(err("an exclude pattern is empty".into(), g.span()));
        }
    }
    let exclude_matcher = compile(&file.exclude, "exclude pattern", &err)?;
    let mut pairs = Vec::new();
    for p in &file.pair {
        let template = p.template.get_ref();
        if template.is_empty() {
            return Err(err(
                "a [[pair]] template is empty".into(),
                p.template.span(),
            ));
        }
        let path = base.join(template);
        // Inside the project only, checked before existence: whether a file
        // outside exists must not show in the error.
        let refusal = match project.map(|root| root.admit(&path)) {
            Some(Err(r)) if r.is_confinement() => Some(r.reason()),
            _ if !path.is_file() => Some("does not exist"),
            _ => None,
        };
        if let Some(reason) = refusal {
            return Err(err(
                format!(
                    "template \"{}\" {reason} (paths are relative to this file)",
                    token(template)
                ),
                p.template.span(),
            ));
        }
        if p.parameters.get_ref().is_empty() {
            return Err(err(
                "a [[pair]] needs at least one parameters glob".into(),
                p.parameters.span(),
            ));
        }
        for g in p.parameters.get_ref() {
            if let Some(problem) = glob_problem(g.get_ref()) {
                return Err(err(
                    format!("bad parameters glob \"{}\": {problem}", token(g.get_ref())),
                    g.span(),
                ));
            }
        }
        let matcher = compile(p.parameters.get_ref(), "parameters glob", &err)?;
        pairs.push(Pair {
            matcher,
            template: path,
            parameters: p
                .parameters
                .get_ref()
                .iter()
                .map(|g| g.get_ref().clone())
                .collect(),
        });
    }
    let target_of = |t: &Spanned<String>, l: &Option<Spanned<String>>| {
        Target::parse(t.get_ref(), l.as_ref().map(|l| l.get_ref().as_str()))
            .map_err(|m| err(format!("bad deployment target: {m}"), t.span()))
    };
    let target = match &file.deployment.target {
        Some(t) => Some(target_of(t, &file.deployment.location)?),
        None => {
            if let Some(l) = &file.deployment.location {
                return Err(err(
                    "a deployment location needs a target in the same section".into(),
                    l.span(),
                ));
            }
            None
        }
    };
    let mut folder_targets = Vec::new();
    for f in &file.deployment.folder {
        if f.path.get_ref().is_empty() {
            return Err(err(
                "a deployment folder path is empty".into(),
                f.path.span(),
            ));
        }
        let joined = base.join(f.path.get_ref());
        let folder = crate::confine::lexical(&std::path::absolute(&joined).unwrap_or(joined));
        folder_targets.push((folder, target_of(&f.target, &f.location)?));
    }
    for c in &file.context {
        if c.get_ref().is_empty() {
            return Err(err("a context path is empty".into(), c.span()));
        }
    }
    for r in &file.rules {
        if r.get_ref().is_empty() {
            return Err(err("a rule folder path is empty".into(), r.span()));
        }
    }
    let rule_patterns = file
        .select
        .iter()
        .flatten()
        .chain(&file.ignore)
        .map(|p| (p.get_ref().clone(), p.span()))
        .chain(
            file.severity
                .iter()
                .map(|(rule, level)| (rule.clone(), level.span())),
        )
        .collect();
    Ok(Config {
        path: None,
        text: text.to_string(),
        rule_patterns,
        selection: Layer {
            select: file
                .select
                .map(|s| s.into_iter().map(Spanned::into_inner).collect()),
            extend_select: Vec::new(),
            ignore: file.ignore.into_iter().map(Spanned::into_inner).collect(),
        },
        overrides: Layer::default(),
        exclude: file.exclude.into_iter().map(Spanned::into_inner).collect(),
        exclude_matcher,
        fail_on: file.fail_on.map(Spanned::into_inner),
        rule_dirs: file
            .rules
            .iter()
            .map(|r| (base.join(r.get_ref()), r.span()))
            .collect(),
        project: None,
        severity,
        reserved: ranges(&file.network.reserved, &err)?,
        on_premises: ranges(&file.network.on_premises, &err)?,
        pairs,
        target,
        folder_targets,
        context: file
            .context
            .iter()
            .map(|c| base.join(c.get_ref()))
            .collect(),
    })
}

/// Why a `[[pair]]` glob cannot be used, if it cannot: [`glob`] knows `*`,
/// `**` (a whole segment) and `?` on relative `/`-separated paths, and nothing else.
fn glob_problem(g: &str) -> Option<&'static str> {
    if g.is_empty() {
        Some("it is empty")
    } else if g.starts_with('/') || g.contains('\\') || g.get(1..3) == Some(":/") {
        Some("it must be a relative path with `/` separators")
    } else if g.contains(['[', ']', '{', '}']) {
        Some("only `*`, `**` and `?` are supported")
    } else if g.split('/').any(|seg| seg.contains("**") && seg != "**") {
        Some("`**` must be a whole path segment")
    } else {
        None
    }
}

/// Longest glob accepted: real ones are short, and a bound keeps a hostile
/// configuration (a million `**/`) from costing time or memory.
const MAX_GLOB_LEN: usize = 1024;
/// Most globs accepted in one list, for the same reason.
const MAX_GLOBS: usize = 1000;

/// One glob as [`glob`] reads it, in globset's syntax: `*` and `?` stay
/// within a path segment, `[`, `]`, `{`, `}` and `\\` are plain characters, and
/// a pattern without `/` matches a file name in any folder.
fn build(pattern: &str) -> Result<globset::Glob, String> {
    if pattern.len() > MAX_GLOB_LEN {
        return Err(format!("it is longer than {MAX_GLOB_LEN} bytes"));
    }
    let pattern = pattern.trim_start_matches("./");
    let mut literal = String::with_capacity(pattern.len() + 3);
    if !pattern.contains('/') {
        literal.push_str("**/");
    }
    for c in pattern.chars() {
        if matches!(c, '[' | ']' | '{' | '}') {
            literal.extend(['[', c, ']']);
        } else {
            literal.push(c);
        }
    }
    GlobBuilder::new(&literal)
        .literal_separator(true)
        .backslash_escape(false)
        .build()
        .map_err(|e| e.kind().to_string())
}

/// A value from the file quoted in a message: neutralised, at most a few
/// dozen characters (the file is pull-request content).
fn token(v: &str) -> String {
    crate::neutral::capped(v, crate::neutral::TOKEN_CHARS)
}

/// A list of globs compiled into one matcher (linear-time: globset matches
/// with regex automata, no backtracking), or an error pointing at the glob.
fn compile(
    globs: &[Spanned<String>],
    what: &str,
    err: &dyn Fn(String, std::ops::Range<usize>) -> ConfigError,
) -> Result<GlobSet, ConfigError> {
    let mut set = GlobSetBuilder::new();
    for (i, g) in globs.iter().enumerate() {
        if i == MAX_GLOBS {
            return Err(err(format!("more than {MAX_GLOBS} globs"), g.span()));
        }
        let glob = build(g.get_ref()).map_err(|problem| {
            err(
                format!("bad {what} \"{}\": {problem}", token(g.get_ref())),
                g.span(),
            )
        })?;
        set.add(glob);
    }
    set.build().map_err(|e| match globs.first() {
        Some(g) => err(format!("bad {what}s: {}", e.kind()), g.span()),
        None => err(format!("bad {what}s: {}", e.kind()), 0..0),
    })
}

impl Config {
    /// Where the template at `path` is deployed: the target of the deepest
    /// `[[deployment.folder]]` holding it, else `[deployment]`'s.
    pub fn target_for(&self, path: &Path) -> Option<&Target> {
        let abs = std::path::absolute(path)
            .map(|p| crate::confine::lexical(&p))
            .unwrap_or_else(|_| path.to_path_buf());
        self.folder_targets
            .iter()
            .filter(|(folder, _)| abs.starts_with(folder))
            .max_by_key(|(folder, _)| folder.components().count())
            .map(|(_, t)| t)
            .or(self.target.as_ref())
    }

    /// A configuration error for the first rule pattern that names no rule.
    pub fn check_rule_names(&self, known: &[(&str, &str)]) -> Result<(), ConfigError> {
        let Some((pattern, message)) =
            unknown_rule(self.rule_patterns.iter().map(|(p, _)| p.as_str()), known)
        else {
            return Ok(());
        };
        let span = self
            .rule_patterns
            .iter()
            .find(|(p, _)| p == pattern)
            .map(|(_, span)| span.clone());
        Err(ConfigError {
            file: self
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            text: self.text.clone(),
            message,
            span,
        })
    }

    /// Whether findings of this rule are reported at all.
    pub fn enabled(&self, id: &str, slug: &str) -> bool {
        let configured = self.selection.decide(true, id, slug);
        self.overrides.decide(configured, id, slug)
    }

    /// The severity a rule's findings get.
    pub fn severity_of(&self, id: &str, slug: &str, default: Severity) -> Severity {
        self.severity
            .iter()
            .find(|(p, _)| matches_rule(p, id, slug))
            .map_or(default, |(_, s)| *s)
    }

    /// Whether a (display) path is excluded.
    pub fn excluded(&self, path: &str) -> bool {
        self.exclude_matcher.is_match(path.trim_start_matches("./"))
    }

    /// The template a `[[pair]]` gives a parameter file (its path relative to
    /// the config file's folder); the first matching entry wins.
    pub fn paired_template(&self, path: &str) -> Option<&Path> {
        self.pairs
            .iter()
            .find(|p| p.matcher.is_match(path.trim_start_matches("./")))
            .map(|p| p.template.as_path())
    }
}

/// Glob matching on `/`-separated paths: `*` within a segment, `**` across
/// segments, `?` one character. A pattern without `/` matches any file name.
/// An unusable (too long) pattern matches nothing.
pub fn glob(pattern: &str, path: &str) -> bool {
    build(pattern).is_ok_and(|g| g.compile_matcher().is_match(path.trim_start_matches("./")))
}

/// The starter configuration `tendon init` writes.
pub const STARTER: &str = concat!(
    "# tendon configuration (",
    env!("CARGO_PKG_REPOSITORY"),
    "#configuration)",
    r#"

# Rules to run: ids, slugs, or prefixes ending in `*`. All when absent.
# select = ["AKS*"]

# Rules never to report.
# ignore = ["AKS021"]

# Paths not to lint (globs relative to this file; `**` crosses folders).
# exclude = ["**/node_modules/**", "legacy/*.json"]

# Lowest severity that fails the run: "error", "warning", "info" or "never".
# fail-on = "error"

# Extra rule folders, relative to this file.
# rules = ["tendon-rules"]

# Severity per rule.
# [severity]
# AKS021 = "warning"

# Parameter files that belong to a template their names do not tell
# (`X.parameters.json` pairs with `X.json` by itself). Paths and globs are
# relative to this file; a parameter file matched here pairs only with this
# template.
# [[pair]]
# template = "infra/aks.json"
# parameters = ["env/*/aks.parameters.json"]

[network]
# Ranges no cluster range may overlap, beyond the ones AKS reserves (AKS008).
# reserved = ["100.64.0.0/10"]
# Ranges in use elsewhere (on-premises behind ExpressRoute or VPN, other
# networks): pod, service and VNet ranges must not overlap them (AKS009).
# on-premises = ["10.0.0.0/8"]
"#
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("**/baselines/**", "a/b/baselines/x/y.json"));
        assert!(glob("legacy/*.json", "legacy/a.json"));
        assert!(!glob("legacy/*.json", "legacy/sub/a.json"));
        assert!(glob("*.parameters.*.json", "infra/x.parameters.dev.json"));
        assert!(glob("infra/**", "infra/a/b.json"));
        assert!(!glob("infra/**", "other/a.json"));
        assert!(glob("./infra/*.json", "./infra/a.json"));
        assert!(glob("**/a?.json", "ab.json"));
        assert!(!glob("a?.json", "a/.json"));
        assert!(glob("{x,y}/[ab].json", "{x,y}/[ab].json"));
        assert!(!glob("{x,y}/[ab].json", "x/a.json"));
        assert!(glob("a\\b*", "a\\bc"));
        assert!(glob("a**.json", "ab.json"));
        assert!(!glob("a**.json", "a/b.json"));
    }

    #[test]
    fn globs_match_in_linear_time() {
        let start = std::time::Instant::now();
        let many = format!("{}b", "*a".repeat(30));
        assert!(!glob(&many, &"a".repeat(5000)));
        let deep = format!("{}x.json", "**/".repeat(14));
        assert!(!glob(&deep, &"d/".repeat(40)));
        assert!(glob(&deep, &format!("{}x.json", "d/".repeat(40))));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn exclude_globs_are_checked_and_bounded() {
        let at = |text: &str| {
            let e = parse("t.toml", text, Path::new(".")).unwrap_err();
            (e.message.clone(), e.span.map(|s| text[s].to_string()))
        };
        let (m, span) = at(&format!(
            "exclude = [\"a/*.json\", \"{}\"]\n",
            "*".repeat(1025)
        ));
        assert!(m.starts_with("bad exclude pattern \"***"), "{m}");
        assert!(m.ends_with("…\": it is longer than 1024 bytes"), "{m}");
        assert_eq!(span.map(|s| s.len()), Some(1027));
        let (m, _) = at(&format!("exclude = [\"{}\"]\n", "**/".repeat(1_000_000)));
        assert!(m.contains("longer than 1024 bytes"), "{m}");
        let (m, span) = at(&format!("exclude = [{}\"last\"]\n", "\"a\", ".repeat(1000)));
        assert!(m.contains("more than 1000 globs"), "{m}");
        assert_eq!(span.as_deref(), Some("\"last\""));
        let c = parse(
            "t.toml",
            "exclude = [\"legacy/**\", \"*.test.json\"]\n",
            Path::new("."),
        )
        .unwrap();
        assert!(c.excluded("legacy/a/b.json"));
        assert!(c.excluded("./x/y.test.json"));
        assert!(!c.excluded("x/legacy/a.json"));
    }

    #[test]
    fn parses_and_points_into_the_toml() {
        let c = parse("t.toml", "ignore = [\"AKS021\"]\n[severity]\nkubenet-max-pods = \"warning\"\n[network]\non-premises = [\"10.0.0.0/8\"]\n", Path::new(".")).unwrap();
        assert!(!c.enabled("AKS021", "kubenet-retirement"));
        assert!(c.enabled("AKS011", "kubenet-shared-subnet"));
        assert_eq!(
            c.severity_of("AKS004", "kubenet-max-pods", Severity::Error),
            Severity::Warning
        );
        assert_eq!(c.on_premises[0].net.to_string(), "10.0.0.0/8");
        let text = "[network]\nreserved = [\"nope\"]\n";
        let e = parse("t.toml", text, Path::new(".")).unwrap_err();
        assert_eq!(&text[e.span.unwrap()], "\"nope\"");
        let e = parse("t.toml", "bogus = 1\n", Path::new(".")).unwrap_err();
        assert!(e.message.contains("unknown field"), "{}", e.message);
        let e = parse("t.toml", "fail-on = \"always\"\n", Path::new(".")).unwrap_err();
        assert!(e.message.contains("fail-on"));
        assert!(parse("t.toml", STARTER, Path::new(".")).is_ok());
    }

    #[test]
    fn pairs_name_an_existing_template_and_usable_globs() {
        let base = Path::new(env!("CARGO_MANIFEST_DIR"));
        let ok = "[[pair]]\ntemplate = \"Cargo.toml\"\nparameters = [\"env/*/aks.parameters.json\", \"**/x.json\"]\n";
        let c = parse("t.toml", ok, base).unwrap();
        assert_eq!(c.pairs[0].template, base.join("Cargo.toml"));
        assert_eq!(
            c.paired_template("env/dev/aks.parameters.json"),
            Some(base.join("Cargo.toml").as_path())
        );
        assert_eq!(c.paired_template("env/aks.parameters.json"), None);
        let at = |text: &str| {
            let e = parse("t.toml", text, base).unwrap_err();
            let span = e.span.clone().map(|s| text[s].to_string());
            (e.message, span)
        };
        let (m, span) = at("[[pair]]\nparameters = [\"a.json\"]\n");
        assert!(m.contains("missing field `template`"), "{m}");
        assert_eq!(span.as_deref(), Some("[[pair]]"));
        let (m, span) =
            at("[[pair]]\ntemplate = \"Cargo.toml\"\nparameters = [\"env/a**/x.json\"]\n");
        assert_eq!(
            m,
            "bad parameters glob \"env/a**/x.json\": `**` must be a whole path segment"
        );
        assert_eq!(span.as_deref(), Some("\"env/a**/x.json\""));
        let (m, _) = at("[[pair]]\ntemplate = \"Cargo.toml\"\nparameters = [\"[ab].json\"]\n");
        assert!(m.contains("only `*`, `**` and `?`"), "{m}");
        let (m, span) = at("[[pair]]\ntemplate = \"nope.json\"\nparameters = [\"a.json\"]\n");
        assert!(m.contains("\"nope.json\" does not exist"), "{m}");
        assert_eq!(span.as_deref(), Some("\"nope.json\""));
        let (m, _) = at("[[pair]]\ntemplate = \"Cargo.toml\"\nparameters = []\n");
        assert!(m.contains("at least one"), "{m}");
        let (m, _) =
            at("[[pair]]\ntemplate = \"Cargo.toml\"\nparameters = [\"a.json\"]\nparams = 1\n");
        assert!(m.contains("unknown field `params`"), "{m}");
    }
}
