//! What a run produced, as every consumer reads it: the sorted findings
//! with their sources, the findings suppressions hid, the summary, the
//! world, timings and coverage. The pipeline builds it; reports, narrowing
//! (baseline, changed files) and the command line read it, so none of them
//! depends on how the run was driven.

use std::time::Duration;

use crate::finding::Finding;
use crate::model::world::World;
use crate::source::SourceMap;
use crate::stats::Coverage;

#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub files: usize,
    pub templates: usize,
    pub parameter_files: usize,
    pub bicep_files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings silenced by suppressions in the sources.
    pub suppressed: usize,
    /// Findings hidden because the baseline records them.
    pub baselined: usize,
    /// Findings hidden because `--changed-since` left their files out.
    pub unchanged: usize,
}

pub struct Outcome {
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
    /// Findings silenced in the sources (SARIF reports them as suppressed).
    pub suppressed: Vec<crate::suppress::Suppressed>,
    pub world: World,
    pub summary: Summary,
    pub timings: Vec<(&'static str, Duration)>,
    /// Problems that are not findings (an unreadable folder below a named path).
    pub warnings: Vec<String>,
    /// Evaluation coverage, when `Options::stats` asked for it.
    pub coverage: Option<Coverage>,
}
