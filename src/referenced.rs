//! Finds linked templates and parameter files for nested deployments: first
//! among the files of the run, else read from disk on demand (thread-safe;
//! new files get fresh file ids and join the source map after evaluation).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::arm::template::{LinkedTemplate, TemplateLoader};
use crate::confine::{ProjectRoot, Refusal};
use crate::discover::{FileKind, Input};
use crate::ingest::{self, ParsedContent};
use crate::json::Node;
use crate::source::{FileId, SourceFile};

#[derive(Default)]
struct Extra {
    /// Canonical path → the loaded document (None: unreadable or not ARM).
    cache: HashMap<PathBuf, Option<LinkedTemplate>>,
    /// Files read here, in file-id order from `base`.
    files: Vec<Arc<SourceFile>>,
}

/// Files read from outside the run, kept between runs (the language
/// server): each keeps its slot, so its file id (the run's first free id plus
/// the slot) and its parse stay the same while it is unchanged on disk.
#[derive(Default)]
pub struct KeptFiles {
    slots: Mutex<Vec<KeptFile>>,
}

struct KeptFile {
    canon: PathBuf,
    stamp: Option<(u64, Option<std::time::SystemTime>)>,
    node: Option<Arc<Node>>,
    source: Arc<SourceFile>,
}

fn stamp(path: &Path) -> Option<(u64, Option<std::time::SystemTime>)> {
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.len(), m.modified().ok()))
}

pub struct DiskLoader<'k> {
    /// Files outside it are never read.
    root: ProjectRoot,
    known: HashMap<PathBuf, LinkedTemplate>,
    base: FileId,
    extra: Mutex<Extra>,
    display: Box<dyn Fn(&Path) -> String + Send + Sync>,
    kept: Option<&'k KeptFiles>,
}

impl<'k> DiskLoader<'k> {
    /// `known`: the run's templates and parameter files by canonical path;
    /// `base`: the next free file id; `root`: the project root; `kept`: the
    /// files earlier runs read (refreshed here when changed on disk).
    pub fn new(
        root: ProjectRoot,
        known: impl IntoIterator<Item = (FileId, PathBuf, Arc<Node>)>,
        base: FileId,
        display: Box<dyn Fn(&Path) -> String + Send + Sync>,
        kept: Option<&'k KeptFiles>,
    ) -> DiskLoader<'k> {
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
        let mut extra = Extra::default();
        if let Some(slots) = kept.and_then(|k| k.slots.lock().ok()).as_deref_mut() {
            for slot in slots.iter_mut() {
                let now = stamp(&slot.canon);
                if now != slot.stamp {
                    let shown = slot.source.display.clone();
                    let (node, source) = read(&root, &slot.canon, shown);
                    (slot.stamp, slot.node, slot.source) = (now, node, source);
                }
                let file = base + FileId::try_from(extra.files.len()).unwrap_or(FileId::MAX);
                let linked = slot.node.clone().map(|node| LinkedTemplate {
                    file,
                    path: slot.canon.clone(),
                    node,
                });
                extra.cache.insert(slot.canon.clone(), linked);
                extra.files.push(slot.source.clone());
            }
        }
        DiskLoader {
            root,
            known,
            base,
            extra: Mutex::new(extra),
            display,
            kept,
        }
    }

    /// The kept files of this run: (file id, parse).
    pub fn kept_parses(&self) -> Vec<(FileId, Arc<Node>)> {
        let Ok(extra) = self.extra.lock() else {
            return Vec::new();
        };
        extra
            .cache
            .values()
            .flatten()
            .map(|t| (t.file, t.node.clone()))
            .collect()
    }

    /// The folder files are read from.
    pub fn root(&self) -> &ProjectRoot {
        &self.root
    }

    /// Source files read on demand, in file-id order.
    pub fn into_extra_files(self) -> Vec<Arc<SourceFile>> {
        self.extra.into_inner().map(|e| e.files).unwrap_or_default()
    }
}

impl TemplateLoader for DiskLoader<'_> {
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
        let (node, source) = read(&self.root, &canon, (self.display)(path));
        let Some(node) = node else {
            extra.cache.insert(canon, None);
            return None;
        };
        let file = self.base + FileId::try_from(extra.files.len()).ok()?;
        if let Some(slots) = self.kept.and_then(|k| k.slots.lock().ok()).as_deref_mut() {
            slots.push(KeptFile {
                canon: canon.clone(),
                stamp: stamp(&canon),
                node: Some(node.clone()),
                source: source.clone(),
            });
        }
        extra.files.push(source);
        let linked = Some(LinkedTemplate {
            file,
            path: canon.clone(),
            node,
        });
        extra.cache.insert(canon, linked.clone());
        linked
    }
}

/// A file read from disk: its parse when it is an ARM or Bicep document, and
/// its text as a source file.
fn read(root: &ProjectRoot, canon: &Path, shown: String) -> (Option<Arc<Node>>, Arc<SourceFile>) {
    let kind = match crate::discover::kind_of(canon) {
        Some(k @ (FileKind::Bicep | FileKind::BicepParam)) => k,
        _ => FileKind::Json,
    };
    let input = Input {
        path: canon.to_path_buf(),
        kind,
    };
    match ingest::load(&input, root) {
        Ok(l) => {
            let p = ingest::Parsed::new(l, canon, shown);
            let node = match p.content {
                ParsedContent::Template(node)
                | ParsedContent::Parameters(node)
                | ParsedContent::Bicep { node, .. } => Some(node),
                _ => None,
            };
            (node, p.source)
        }
        Err(_) => (
            None,
            Arc::new(SourceFile::new(canon.to_path_buf(), shown, String::new())),
        ),
    }
}
