//! tendon: a declarative policy linter for AKS networking in Azure ARM and
//! Bicep templates.
//!
//! # Architecture
//!
//! ```text
//! paths ─► discover ─► ingest ─► evaluate ─► extract ─► link ─► world ─► rules ─► findings ─► report
//!         (walkdir)   (rayon, per file)                (all files)    (rayon, per rule)
//! ```
//!
//! Data flows one way; no stage reaches back into an earlier one. Modules
//! depend one way too: [`cli`] drives [`pipeline`], which drives the stages;
//! [`report`] and [`narrow`] read only the [`outcome`] a run produced, never
//! the pipeline that produced it. No two top-level modules depend on each
//! other in a cycle (`tests/layers.rs` checks it).
//!
//! | module | in → out |
//! |---|---|
//! | [`discover`] | paths → sorted `Input`s (by extension; skips `.git`, `node_modules`, `target`, hidden folders) |
//! | [`ingest`] | one discovered file → `Content`: ARM template / parameter file (by `$schema`), Bicep file or `.bicepparam` (compiled, see below), skipped, or broken (→ TDN001) |
//! | [`bicep`] | `.bicep` text → [`bicep::syntax`] tree (error-tolerant [`bicep::parser`]: many TDN001 per file) → [`bicep::lower`]: the ARM template the Bicep compiler would emit, as a `Node` tree whose spans point into the Bicep text; modules become linked deployments, local `import`s copy in the other file's exported variables and functions, `.bicepparam` a parameter document of expressions |
//! | [`json`] | text → `Node` tree with byte spans (JSON with comments and trailing commas) |
//! | [`pairing`] | templates + parameter files → which parameter files belong to which template (by name; explicitly by a `.bicepparam`'s `using`, `metadata.template`, or the configuration's `[[pair]]`; a file left over by the one template beside it declaring every parameter it sets) |
//! | [`evaluate`] | templates × parameter files → one evaluation per scenario, in parallel, then `Facts` |
//! | [`arm`] | `Node` + parameter file → `Deployment` (evaluated resources): `arm::expr`/`arm::eval`/`arm::functions` are the expression language; `arm::template` the entry point, `arm::frame` parameters and variables, `arm::resources` conditions, copy loops and children, `arm::nested` nested and linked deployments, `arm::declared` `reference()` of a resource the template declares, `arm::udf` user-defined functions |
//! | [`context`] | an export of deployed resources (`az … list -o json`, Resource Graph `{"data": [...]}`, REST `{"value": [...]}`; by content) → ARM-shaped `Resource`s, streamed row by row ([`json::stream`]), CLI-flattened rows put back in ARM shape, only the fields `model` reads kept (no tags, no secrets); an `az group export` template is reported as a template |
//! | [`deployed`] | the run's exports (`--context`, `context = [...]`) → their facts marked deployed, kept only when the templates reach them through resource ids (`deployed::relevant`), put before the templates' facts, what a template declares left to it; after the rules, findings between deployed resources only dropped and findings placed in an export moved to the template |
//! | [`target`] | `--target` / `[deployment]`: the subscription, resource group and location a template is deployed to, making `subscription()` and `resourceGroup()` concrete |
//! | [`confine`] | the project root (`--root`, else the git work tree of the linted paths, else their common folder): a file a template or the configuration names is read only if it resolves inside it and outside `.git`; a dangling link out is outside; files the user names (`tendon.toml`, `--baseline`, `--context`) are refused when they are links out of their project |
//! | [`fsread`] | every file read because a template, the configuration or the command line names it: regular files only, capped while reading |
//! | [`referenced`] | files a template names (linked templates, Bicep modules, parameter files) by path, during evaluation: from the run, else read from disk inside the project root |
//! | [`missing`] | TDN006 / TDN007: module, import, `using`/`extends`, `load*Content` and linked-template paths that name no file, or a file outside the project root (as written after load; as resolved during evaluation) |
//! | [`undeclared`] | TDN008: a parameter file's parameters that its template does not declare (checked per pairing, in evaluation) |
//! | [`value`] | the one value type: JSON plus `Unknown` (with a reason), each value with its source origin (and, for a value set outside its template, where it was used) |
//! | [`symbol`] | deploy-time values fixed at deployment but not known before it (`uniqueString(resourceGroup().id)`, `resourceGroup().location`, `deployment().name`) as symbol tokens inside strings: equal exactly when built the same way |
//! | [`model::facts`] | `Deployment` → `Facts` (clusters, pools, subnets, VNets, route tables, NSGs, identities, role assignments, gateways, Application Gateways) |
//! | [`model::link`] | all `Facts` → `model::linked::Linked` → [`model::world::World`] (JSON document + pointer→span side table), generic and rule-free: merge declarations by canonical id, resolve references, add inverse relations (subnet → clusters, Application Gateways and the pools taking pod addresses from it, route table / NSG / VNet → subnets, identity → role assignments and clusters; `link::uses`: cluster → its subnets, route table → its clusters; `link::gateways`: cluster → gateways to on-premises), then write each entity with the derivations of its concept. Nothing in `model` is named after a rule: rules state their condition in TOML on these relations and derivations |
//! | derivations | AKS knowledge, each named in the module of its concept with the rules that read it: `model::derive` (effective plugin, max pods, node counts, usable addresses), `model::effective` (effective settings and defaults, node ceiling), `model::capacity` (node, CNI and pod-subnet demand), `model::ranges` (a cluster's ranges), `model::routing` (route table association, a subnet's default route), `model::nsg` (whether NSG rules block a flow) and `model::pod_traffic` (the kubenet flows a node subnet's NSG denies), `model::identity` (control-plane identity, what a role grants at which scope, what a cluster waits for) and `model::network_rights` (what the identity may do on its subnets and route tables) |
//! | [`model::schema`] | the world's JSON Schema (`tendon world --schema`) and the README's generated world reference |
//! | [`rules`] | TOML rule files (built in via `build.rs`, plus `--rules` folders) run over the world → [`finding::Finding`]s; `rules::unresolved` derives the `--report-unresolved` probes from each rule's selection |
//! | [`suppress`] | findings − suppression comments and resource metadata (ARM), pragmas (Bicep) → findings + TDN004 for unused suppressions, and the suppressed findings with their reasons (SARIF `inSource`, the summary's count) |
//! | [`narrow`] | sorted findings → those not in a `--baseline`, in files changed since `--changed-since` (summary recounted; what was hidden counted) |
//! | [`report`] | findings → human (rustc-style excerpts, laid out for the terminal's width), gcc line format, JSON, SARIF 2.1.0, GitHub workflow commands, JUnit, `--statistics`; every text from a template or a file name passes [`neutral`] (no control characters, no forged CI command lines) |
//! | [`report_file`] | `--output FILE` and other reports: a new file (temporary, then renamed), never written through a symlink in the project; devices, pipes and our own stdout written to, not replaced |
//! | [`stats`] | evaluation coverage for `--stats` (unknown values, modules not evaluated, unpaired parameter files) |
//! | [`config`] | `tendon.toml` → rule selection, severities, excludes, extra ranges, `[[pair]]` pairings, deployment targets, context files, rule folders confined to the project (errors point into the TOML) |
//! | [`selection`] | rule patterns (ids, slugs, `AKS01*`) and their two layers: the configuration's `select`/`ignore`, then `--select`/`--extend-select`/`--ignore`; unknown names with a did-you-mean |
//! | [`pipeline`] | runs the stages in order and times them → [`outcome::Outcome`] |
//! | [`neutral`] | untrusted text (file names, template values, rule and configuration text) made safe to print: control characters escaped, lengths capped |
//! | [`outcome`] | what a run produced: sorted findings and their sources, suppressed findings, the summary, the world, timings, coverage |
//! | [`lsp`] | `tendon lsp`: a language server over stdio; editor buffers through the pipeline's `FileSource`, parses kept while files are unchanged and results of earlier runs through `pipeline::Memo` (scenarios, suppressions, exports), findings as diagnostics, quick fixes and hovers |
//! | [`cli`] | parses arguments, runs the pipeline, narrows and reports the outcome, maps it to exit codes |
//!
//! Bicep is not evaluated by a second evaluator: lowering produces the same
//! ARM template model, so copy loops, conditions, modules (inner-scope
//! deployments), outputs and every function behave identically in both
//! languages, and the differential test against the compiler's own output
//! (`tests/bicep_conformance.rs`) compares like with like.
//!
//! Rules: a value tendon cannot compute is `Unknown` and never makes a rule fire.
//! Output never depends on thread scheduling: findings are sorted by
//! (file, line, column, rule id) and deduplicated before printing.
//! Resource ids are compared canonically ([`resource_id`]): case-insensitive,
//! with placeholders for an unknown subscription or resource group that match
//! any concrete value; a [`symbol`] token in a name matches only itself.
//! The same resource reached from several sources (a Bicep file and its
//! compiled JSON, a module deployed twice, a pool declared twice) counts once.

pub mod arm;
pub mod bicep;
pub mod cli;
pub mod config;
pub mod confine;
pub mod context;
pub mod deployed;
pub mod discover;
pub mod evaluate;
pub mod finding;
pub mod fsread;
pub mod ingest;
pub mod json;
pub mod lsp;
pub mod missing;
pub mod model;
pub mod narrow;
pub mod neutral;
pub mod outcome;
pub mod pairing;
pub mod pipeline;
pub mod referenced;
pub mod report;
pub mod report_file;
pub mod resource_id;
pub mod rules;
pub mod selection;
pub mod source;
pub mod stats;
pub mod suppress;
pub mod symbol;
pub mod target;
pub mod undeclared;
pub mod value;
