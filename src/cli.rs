//! Command-line interface: argument parsing and dispatch. Exit codes:
//! 0 nothing at or above `--fail-on`, 1 findings at or above it, 2 the run failed.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::finding::Severity;
use crate::neutral::{MESSAGE_CHARS, capped};
use crate::outcome::Outcome;
use crate::pipeline;
use crate::report::{self, Format};
use crate::rules::doc::RulesFormat;
use crate::rules::load::{Rule, RuleError, SetupError, load_rules};

#[derive(Parser, Debug)]
#[command(
    name = "tendon",
    version,
    about = "Policy linter for AKS networking in ARM and Bicep templates"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint templates under the given paths.
    Check(Box<CheckArgs>),
    /// Print the linked world document (what rules query) as JSON.
    World(WorldArgs),
    /// List the rules: id, slug, severity and summary.
    Rules(RulesArgs),
    /// Print a rule's documentation: what it does, why, an example, the fix, references.
    Explain(ExplainArgs),
    /// Write a commented starter tendon.toml in the current directory.
    Init,
    /// Run the language server over stdin and stdout (for editors).
    Lsp(LspArgs),
    /// Same as `explain`, or `rules` without an id.
    #[command(hide = true)]
    Rule(RuleArgs),
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
    /// Extra rule folders (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Configuration whose severities and selection to show [default: tendon.toml or
    /// .tendon.toml here or above].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct LspArgs {
    /// Extra rule folders (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Rule id (AKS011), slug (kubenet-shared-subnet), or an Azure deployment
    /// error code a rule prevents (InsufficientSubnetSize).
    pub rule: String,
    /// Extra rule folders (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CommonArgs {
    /// Files or folders to lint.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long)]
    pub jobs: Option<usize>,
    /// Print per-stage wall times on stderr.
    #[arg(long)]
    pub timings: bool,
    /// Project root: files that templates name (modules, imports, loadTextContent, linked
    /// templates) are read only inside it [default: the git work tree of PATHS, else their
    /// common folder].
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Where every template is deployed: /subscriptions/ID[/resourceGroups/NAME]; makes
    /// subscription() and resourceGroup() concrete [default: `[deployment]` in tendon.toml].
    #[arg(long, value_name = "ID")]
    pub target: Option<String>,
    /// The target resource group's location (resourceGroup().location); needs --target.
    #[arg(long, value_name = "NAME", requires = "target")]
    pub location: Option<String>,
    /// Azure resources exported as JSON (az … list -o json, az graph query, az group export):
    /// deployed resources the templates are checked against (repeatable).
    #[arg(long = "context", value_name = "FILE")]
    pub context: Vec<PathBuf>,
    /// Also report findings between deployed resources only.
    #[arg(long)]
    pub context_findings: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Lowest severity that makes the exit code 1 [default: error, or the config's fail-on].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Configuration file [default: tendon.toml or .tendon.toml here or above].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Extra rule folders (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// When to colour the human report: auto colours a terminal and honours NO_COLOR.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Show each rule's slug beside its id in the human format (error[AKS011 kubenet-shared-subnet]).
    #[arg(long)]
    pub show_slugs: bool,
    /// Only print findings, no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print how many findings each rule reported instead of the findings
    /// (a JSON array with --format json); --report files stay complete.
    #[arg(long)]
    pub statistics: bool,
    /// Write the report to this file instead of stdout (the summary line still goes to stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a report in FORMAT to PATH, from the same run (repeatable), e.g. sarif=tendon.sarif.
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report, conflicts_with = "write_baseline")]
    pub reports: Vec<(Format, PathBuf)>,
    /// Print evaluation coverage (complete templates, top reasons for unknown values) on stderr.
    #[arg(long)]
    pub stats: bool,
    /// Add an info finding (TDN002) for every rule input that was unknown.
    #[arg(long)]
    pub report_unresolved: bool,
    /// Report only findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record every finding of this run in FILE as a baseline, and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "changed_since"])]
    pub write_baseline: Option<PathBuf>,
    /// Report only findings in files changed since this git ref (committed, uncommitted, untracked).
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
}

/// Rule selection on the command line, over the configuration's.
#[derive(Args, Debug)]
pub struct SelectionArgs {
    /// Report only these rules, replacing the configuration's select and ignore
    /// (comma-separated ids, slugs or prefixes ending in `*`, e.g. AKS01*).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Option<Vec<String>>,
    /// Report these rules too, on top of the selection.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub extend_select: Vec<String>,
    /// Do not report these rules (applied last).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,
}

impl SelectionArgs {
    fn layer(&self) -> crate::selection::Layer {
        crate::selection::Layer {
            select: self.select.clone(),
            extend_select: self.extend_select.clone(),
            ignore: self.ignore.clone(),
        }
    }
}

#[derive(Args, Debug)]
pub struct WorldArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Configuration file (its ranges and pairings shape the world, as for check)
    /// [default: tendon.toml or .tendon.toml here or above].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the JSON Schema of the world document instead (PATHS are not read).
    #[arg(long)]
    pub schema: bool,
    /// Format of `--schema`: the JSON Schema, or the README's Markdown tables.
    #[arg(long, value_enum, default_value_t = SchemaFormat::Json, requires = "schema")]
    pub format: SchemaFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaFormat {
    Json,
    Markdown,
}

#[derive(Args, Debug)]
pub struct RuleArgs {
    /// Rule id (AKS001) or slug (kubenet-windows-pool); omit to list all rules.
    pub rule: Option<String>,
    /// Extra rule folders (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Exit code for a failed run.
const RUN_FAILED: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { RUN_FAILED } else { 0 });
        }
    };
    match cli.command {
        Command::Check(args) => with_jobs(args.common.jobs, || check(&args)),
        Command::World(args) => with_jobs(args.common.jobs, || world(&args)),
        Command::Rules(args) => rules_list(&args),
        Command::Explain(args) => rule(&RuleArgs {
            rule: Some(args.rule.clone()),
            rules: args.rules.clone(),
        }),
        Command::Rule(args) => rule(&args),
        Command::Init => init(),
        Command::Lsp(args) => {
            ExitCode::from(u8::try_from(crate::lsp::serve_stdio(args.rules)).unwrap_or(1))
        }
    }
}

/// `--report FORMAT=PATH`.
fn parse_report(spec: &str) -> Result<(Format, PathBuf), String> {
    let (format, path) = spec
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH, e.g. sarif=tendon.sarif, not '{spec}'"))?;
    let format = Format::from_str(format, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_string()))
            .collect();
        format!("unknown format '{format}' (one of {})", names.join(", "))
    })?;
    if path.is_empty() {
        return Err("the report's PATH is empty".into());
    }
    Ok((format, PathBuf::from(path)))
}

fn with_jobs(jobs: Option<usize>, f: impl FnOnce() -> ExitCode + Send) -> ExitCode {
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(16 * 1024 * 1024);
    if let Some(n) = jobs {
        if n == 0 {
            eprintln!("tendon: --jobs must be at least 1");
            return ExitCode::from(RUN_FAILED);
        }
        builder = builder.num_threads(n);
    }
    match builder.build() {
        Ok(pool) => pool.install(f),
        Err(e) => {
            eprintln!("tendon: cannot start worker threads: {e}");
            ExitCode::from(RUN_FAILED)
        }
    }
}

fn rules_or_exit(dirs: &[PathBuf]) -> Result<Vec<Rule>, ExitCode> {
    load_rules(dirs).map_err(|e| {
        eprint!("{}", render_rule_error(&e));
        ExitCode::from(RUN_FAILED)
    })
}

/// A TOML diagnostic: file:line:col, the message and at most the offending
/// token, each neutralised and cut short — never the source line, which may
/// be megabytes long or hold secrets (a configuration is PR content).
fn render_toml_error(
    what: &str,
    file: &str,
    text: &str,
    message: &str,
    span: Option<std::ops::Range<usize>>,
) -> String {
    use crate::neutral::TOKEN_CHARS;
    let file = capped(file, MESSAGE_CHARS);
    let message = capped(message, MESSAGE_CHARS);
    let Some(span) = span else {
        return format!("tendon: {what} {file}: {message}\n");
    };
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (start, end) = (floor(span.start), floor(span.end.max(span.start)));
    let before = text.get(..start).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).unwrap_or("").chars().count() + 1;
    let mut out = format!("tendon: {what} {file}:{line}:{column}: {message}\n");
    // The token alone, on its first line.
    let token = text.get(start..end).unwrap_or("");
    let token = token.lines().next().unwrap_or("");
    if !token.trim().is_empty() {
        out.push_str(&format!("  here: {}\n", capped(token, TOKEN_CHARS)));
    }
    out
}

fn render_rule_error(e: &RuleError) -> String {
    render_toml_error(
        "bad rule file",
        &e.file,
        &e.text,
        &e.message,
        e.span.clone(),
    )
}

fn run_pipeline(
    common: &CommonArgs,
    rules: &[Rule],
    options: pipeline::Options,
) -> Result<Outcome, ExitCode> {
    let target = match &common.target {
        Some(t) => match crate::target::Target::parse(t, common.location.as_deref()) {
            Ok(t) => Some(t),
            Err(message) => {
                eprintln!(
                    "tendon: bad --target {}: {message}",
                    capped(t, MESSAGE_CHARS)
                );
                return Err(ExitCode::from(RUN_FAILED));
            }
        },
        None => None,
    };
    let options = pipeline::Options {
        root: common.root.as_deref(),
        target: target.as_ref(),
        context: &common.context,
        context_findings: common.context_findings,
        ..options
    };
    let outcome = pipeline::run_with(&common.paths, rules, options).map_err(|e| {
        eprintln!(
            "tendon: cannot read {}: {}",
            capped(&e.path.display().to_string(), MESSAGE_CHARS),
            capped(&e.message, MESSAGE_CHARS)
        );
        ExitCode::from(RUN_FAILED)
    })?;
    for w in &outcome.warnings {
        eprintln!("tendon: warning: {}", capped(w, MESSAGE_CHARS));
    }
    if common.timings {
        let mut err = std::io::stderr().lock();
        for (stage, t) in &outcome.timings {
            let _ = writeln!(
                err,
                "timing {stage:<9} {:>9.3} ms",
                t.as_secs_f64() * 1000.0
            );
        }
    }
    Ok(outcome)
}

fn use_color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn init() -> ExitCode {
    let path = PathBuf::from("tendon.toml");
    // symlink_metadata: a dangling symlink at the name is there too.
    if std::fs::symlink_metadata(&path).is_ok() {
        eprintln!("tendon: tendon.toml already exists; not overwriting it");
        return ExitCode::from(RUN_FAILED);
    }
    match crate::report_file::write_new(&path, crate::config::STARTER.as_bytes()) {
        Ok(()) => {
            println!("wrote tendon.toml");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tendon: cannot write tendon.toml: {e}");
            ExitCode::from(RUN_FAILED)
        }
    }
}

/// The configuration named with `--config`, or found upward from the working directory.
fn config_or_exit(
    explicit: Option<&PathBuf>,
    root: Option<&std::path::Path>,
) -> Result<Option<crate::config::Config>, ExitCode> {
    let Some(path) = config_path(explicit) else {
        return Ok(None);
    };
    crate::config::load_in(&path, root)
        .map(Some)
        .map_err(|e| config_error(&e))
}

/// The configuration named, else the one found upward from here.
fn config_path(explicit: Option<&PathBuf>) -> Option<PathBuf> {
    match explicit {
        Some(p) => Some(p.clone()),
        None => std::env::current_dir()
            .ok()
            .and_then(|d| crate::config::find(&d)),
    }
}

/// Prints a configuration error (a pointer into the TOML); exit code 2.
fn config_error(e: &crate::config::ConfigError) -> ExitCode {
    eprint!(
        "{}",
        render_toml_error(
            "bad configuration",
            &e.file,
            &e.text,
            &e.message,
            e.span.clone()
        )
    );
    ExitCode::from(RUN_FAILED)
}

/// The configuration (named or found upward) and the rules it and `dirs`
/// give, its rule names checked against them.
fn configured_rules(
    config: Option<&PathBuf>,
    dirs: &[PathBuf],
    root: Option<&std::path::Path>,
) -> Result<(Option<crate::config::Config>, Vec<Rule>), ExitCode> {
    crate::rules::load::configured(config_path(config).as_deref(), dirs, root).map_err(
        |e| match e {
            SetupError::Config(e) => config_error(&e),
            SetupError::Rule(e) => {
                eprint!("{}", render_rule_error(&e));
                ExitCode::from(RUN_FAILED)
            }
        },
    )
}

fn check(args: &CheckArgs) -> ExitCode {
    let root = args.common.root.as_deref();
    let (config, rules) = match configured_rules(args.config.as_ref(), &args.rules, root) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let known = crate::rules::load::known(&rules);
    let overrides = args.selection.layer();
    for (flag, pattern) in overrides.patterns() {
        if let Some((_, message)) = crate::selection::unknown_rule([pattern], &known) {
            eprintln!("tendon: {flag}: {message}");
            return ExitCode::from(RUN_FAILED);
        }
    }
    let config = if overrides.is_empty() {
        config
    } else {
        let mut config = config.unwrap_or_default();
        config.overrides = overrides;
        Some(config)
    };
    let narrowing = match crate::narrow::Narrowing::prepare(
        args.baseline.as_deref(),
        args.changed_since.as_deref(),
    ) {
        Ok(n) => n,
        Err(message) => {
            eprintln!("tendon: {}", capped(&message, MESSAGE_CHARS));
            return ExitCode::from(RUN_FAILED);
        }
    };
    let options = pipeline::Options {
        stats: args.stats,
        report_unresolved: args.report_unresolved,
        config: config.as_ref(),
        root: None,
        files: None,
        memo: None,
        target: None,
        context: &[],
        context_findings: false,
    };
    let mut outcome = match run_pipeline(&args.common, &rules, options) {
        Ok(o) => o,
        Err(code) => return code,
    };
    // No report reads the world: free it before rendering (peak memory).
    drop(std::mem::take(&mut outcome.world));
    if let Some(path) = &args.write_baseline {
        return write_baseline(&outcome, path, args.quiet);
    }
    narrowing.apply(&mut outcome);
    let fail_on =
        args.fail_on.unwrap_or_else(
            || match config.as_ref().and_then(|c| c.fail_on.as_deref()) {
                Some("warning") => FailOn::Warning,
                Some("info") => FailOn::Info,
                Some("never") => FailOn::Never,
                _ => FailOn::Error,
            },
        );
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let started = std::time::Instant::now();
    let render = |format: Format, color: bool, width: Option<usize>| match format {
        Format::Human => {
            let style = report::human::Style {
                color,
                width,
                slugs: args.show_slugs,
            };
            report::human::render(&outcome, style, args.quiet)
        }
        Format::Json => report::json::render(&outcome),
        Format::Gcc => report::gcc::render(&outcome),
        Format::Sarif => report::sarif::render(&outcome, &rules),
        Format::Github => report::github::render(&outcome),
        Format::Junit => report::junit::render(&outcome, threshold),
    };
    // Extra reports first: a CI step that publishes them runs even when the
    // terminal's report fails the job.
    for (format, path) in &args.reports {
        if let Err(e) = crate::report_file::write_new(path, render(*format, false, None).as_bytes())
        {
            eprintln!(
                "tendon: cannot write {}: {e}",
                capped(&path.display().to_string(), MESSAGE_CHARS)
            );
            return ExitCode::from(RUN_FAILED);
        }
    }
    let text = if args.statistics {
        statistics(&outcome, args.format, args.quiet)
    } else {
        // A report written to a file is not laid out for the terminal.
        let width = match args.output {
            Some(_) => None,
            None => report::human::terminal_width(),
        };
        render(args.format, use_color(args.color), width)
    };
    match &args.output {
        Some(path) => {
            // Like compilers' `-o`: a missing folder for the report is created;
            // the report is a new file, never written through a symlink.
            if let Err(e) = crate::report_file::write_new(path, text.as_bytes()) {
                eprintln!(
                    "tendon: cannot write {}: {e}",
                    capped(&path.display().to_string(), MESSAGE_CHARS)
                );
                return ExitCode::from(RUN_FAILED);
            }
            // The report goes to the file; the terminal still gets the summary.
            if !args.quiet {
                let line = report::human::summary_line(&outcome.summary);
                if write_stdout(&format!("{line}\n")).is_err() {
                    return ExitCode::from(RUN_FAILED);
                }
            }
        }
        None => {
            if write_stdout(&text).is_err() {
                return ExitCode::from(RUN_FAILED);
            }
        }
    }
    if let Some(coverage) = &outcome.coverage {
        let place = |loc: crate::source::Loc| {
            let at = report::locate(&outcome.sources, loc);
            let file = crate::neutral::visible(at.file);
            format!("{file}:{}:{}", at.start.line, at.start.column)
        };
        eprint!("{}", coverage.render(15, &place));
    }
    if args.common.timings {
        eprintln!(
            "timing {:<9} {:>9.3} ms",
            "report",
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    let failing = threshold.is_some_and(|t| outcome.findings.iter().any(|f| f.severity >= t));
    ExitCode::from(u8::from(failing))
}

/// The `--statistics` report in place of the findings.
fn statistics(outcome: &Outcome, format: Format, quiet: bool) -> String {
    if format == Format::Json {
        return report::statistics::render_json(outcome);
    }
    let mut text = report::statistics::render_text(outcome);
    if format == Format::Human && !quiet {
        text.push_str(&report::human::summary_line(&outcome.summary));
        text.push('\n');
    }
    text
}

fn write_baseline(outcome: &Outcome, path: &std::path::Path, quiet: bool) -> ExitCode {
    match crate::narrow::baseline::write(outcome, path) {
        Ok(n) => {
            let noun = if n == 1 { "finding" } else { "findings" };
            if !quiet && write_stdout(&format!("wrote {n} {noun} to {}\n", path.display())).is_err()
            {
                return ExitCode::from(RUN_FAILED);
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("tendon: {}", capped(&message, MESSAGE_CHARS));
            ExitCode::from(RUN_FAILED)
        }
    }
}

fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        // A closed pipe (`tendon check | head`) is not a failure of the run.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn world(args: &WorldArgs) -> ExitCode {
    if args.schema {
        return world_schema(args.format);
    }
    // The world the rules of `check` see: the configuration's ranges,
    // pairings and excludes apply.
    let config = match config_or_exit(args.config.as_ref(), args.common.root.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let options = pipeline::Options {
        config: config.as_ref(),
        ..pipeline::Options::default()
    };
    let outcome = match run_pipeline(&args.common, &[], options) {
        Ok(o) => o,
        Err(code) => return code,
    };
    // Template text in it is escaped like the json report's: safe to print.
    let mut text = crate::neutral::json_text(
        serde_json::to_string_pretty(&outcome.world.doc).unwrap_or_default(),
    );
    text.push('\n');
    match write_stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(RUN_FAILED),
    }
}

fn world_schema(format: SchemaFormat) -> ExitCode {
    let text = match format {
        SchemaFormat::Json => {
            let schema = crate::model::schema::schema();
            serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
        }
        SchemaFormat::Markdown => crate::model::schema::markdown(),
    };
    match write_stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(RUN_FAILED),
    }
}

fn rules_list(args: &RulesArgs) -> ExitCode {
    let (config, rules) = match configured_rules(args.config.as_ref(), &args.rules, None) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let text = crate::rules::doc::list(&rules, config.as_ref(), args.format);
    // Rule folders are repository content: nothing in them reaches the terminal raw.
    let text = match args.format {
        RulesFormat::Json => crate::neutral::json_text(text),
        _ => crate::neutral::visible_doc_lines(&text).into_owned(),
    };
    match write_stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(RUN_FAILED),
    }
}

fn rule(args: &RuleArgs) -> ExitCode {
    let rules = match rules_or_exit(&args.rules) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let text = match &args.rule {
        None => rules
            .iter()
            .map(|r| {
                (
                    r.id.as_str(),
                    r.slug.as_str(),
                    r.severity.as_str(),
                    r.summary.as_str(),
                )
            })
            .chain(
                crate::rules::doc::BUILTIN
                    .iter()
                    .map(|b| (b.0, b.1, b.2, b.3)),
            )
            .map(|(id, slug, sev, summary)| format!("{id:<7} {slug:<30} {sev:<8} {summary}\n"))
            .collect(),
        Some(q) => match rules
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(q) || r.slug == *q)
        {
            Some(r) => crate::rules::doc::render(r),
            None if let Some(text) = crate::rules::doc::render_builtin(q) => text,
            None if let Some(text) = crate::rules::doc::render_error_code(&rules, q) => text,
            None => {
                eprintln!(
                    "tendon: no rule '{}' (run `tendon rules` to list them)",
                    capped(q, MESSAGE_CHARS)
                );
                return ExitCode::from(RUN_FAILED);
            }
        },
    };
    let text = crate::neutral::visible_doc_lines(&text);
    match write_stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(RUN_FAILED),
    }
}
