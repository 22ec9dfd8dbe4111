//! Finds linked templates and parameter files for nested deployments: first
//! among the files of the run, else read from disk on demand (thread-safe;
//! new files get fresh file ids and join the source map after evaluation).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::arm::template::{LinkedTemplate, TemplateLoader};
use crate::confine::{ProjectRoot, Refusal};
use crate::discover::{FileKind, Input};
use crate::ingest::{self, Content};
use crate::json::Node;
use crate::source::{FileId, SourceFile};

#[derive(Default)]
struct Extra {
    /// Canonical path → the loaded document (None: unreadable or not ARM).
    cache: HashMap<PathBuf, Option<LinkedTemplate>>,
    /// Files read here, in file-id order from `base`.
    files: Vec<SourceFile>,
}

pub struct DiskLoader {
    /// Files outside it are never read.
    root: ProjectRoot,
    known: HashMap<PathBuf, LinkedTemplate>,
    base: FileId,
    extra: Mutex<Extra>,
    display: Box<dyn Fn(&Path) -> String + Send + Sync>,
}

impl DiskLoader {
    /// `known`: the run's templates and parameter files by canonical path;
    /// `base`: the next free file id; `root`: the project root.
    pub fn new(
        root: ProjectRoot,
        known: impl IntoIterator<Item = (FileId, PathBuf, Arc<Node>)>,
        base: FileId,
        display: Box<dyn Fn(&Path) -> String + Send + Sync>,
    ) -> DiskLoader {
        let known = known
            .into_iter()
            .map(|(file, canon, node)| {
                (
                    canon.clone(),
                    LinkedTemplate {
                        file,
                        path: canon,
                        node,
                    },
                )
            })
            .collect();
        DiskLoader {
            root,
            known,
            base,
            extra: Mutex::new(Extra::default()),
            display,
        }
    }

    /// The folder files are read from.
    pub fn root(&self) -> &ProjectRoot {
        &self.root
    }

    /// Source files read on demand, in file-id order.
    pub fn into_extra_files(self) -> Vec<SourceFile> {
        self.extra.into_inner().map(|e| e.files).unwrap_or_default()
    }
}

impl TemplateLoader for DiskLoader {
    fn load(&self, path: &Path) -> Option<LinkedTemplate> {
        // The run's own files may lie outside a `--root` (named on the
        // command line); anything else must be inside it.
        let canon = match self.root.admit(path) {
            Ok(canon) => canon,
            Err(Refusal::Missing) => return None,
            Err(_) => {
                let canon = std::fs::canonicalize(path).ok()?;
                return self.known.get(&canon).cloned();
            }
        };
        if let Some(t) = self.known.get(&canon) {
            return Some(t.clone());
        }
        let mut extra = self.extra.lock().ok()?;
        if let Some(hit) = extra.cache.get(&canon) {
            return hit.clone();
        }
        let kind = match crate::discover::kind_of(&canon) {
            Some(k @ (FileKind::Bicep | FileKind::BicepParam)) => k,
            _ => FileKind::Json,
        };
        let input = Input {
            path: canon.clone(),
            kind,
        };
        let loaded = ingest::load(&input, &self.root).ok();
        let linked = loaded.and_then(|l| match l.content {
            Content::Template(node)
            | Content::Parameters(node)
            | Content::Bicep(crate::bicep::Compiled { node, .. })
            | Content::BicepParam(crate::bicep::Compiled { node, .. }) => {
                let file = self.base + FileId::try_from(extra.files.len()).ok()?;
                extra
                    .files
                    .push(SourceFile::new(canon.clone(), (self.display)(path), l.text));
                Some(LinkedTemplate {
                    file,
                    path: canon.clone(),
                    node: Arc::new(node),
                })
            }
            _ => None,
        });
        extra.cache.insert(canon, linked.clone());
        linked
    }
}
