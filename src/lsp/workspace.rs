//! The workspace as the server sees it: its folder, the editor's open
//! buffers, the configuration and rules, the parses of unchanged files, and
//! the outcome of the last run.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::config::Config;
use crate::confine::ProjectRoot;
use crate::discover::{DiscoverError, Input};
use crate::ingest::{self, FileSource, Parsed};
use crate::outcome::Outcome;
use crate::pipeline;
use crate::rules::load::{Rule, SetupError, configured};

/// What a cached parse was made from: a buffer's text, or a file on disk
/// as its size and modification time say.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Made {
    Buffer(u64),
    Disk(u64, Option<SystemTime>),
}

pub struct Workspace {
    pub root: PathBuf,
    /// Open documents: their text as the editor holds it.
    pub buffers: HashMap<PathBuf, String>,
    parses: Mutex<HashMap<PathBuf, (Made, Arc<Parsed>)>>,
    /// The workspace's files, until one is created or deleted.
    listing: Mutex<Option<Listing>>,
    /// Canonical paths, until a file is created or deleted.
    canonical: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    memo: pipeline::Memo,
    rule_dirs: Vec<PathBuf>,
    pub config: Option<Config>,
    pub rules: Vec<Rule>,
    /// The last run's outcome (code actions and hovers read it).
    pub last: Option<Outcome>,
    /// The editor reports changes to files on disk (its watcher is
    /// registered): a kept parse of a file on disk is used without a `stat`.
    pub watched: bool,
}

impl Workspace {
    pub fn new(root: PathBuf, rule_dirs: Vec<PathBuf>) -> Workspace {
        Workspace {
            root,
            buffers: HashMap::new(),
            parses: Mutex::new(HashMap::new()),
            listing: Mutex::new(None),
            canonical: Mutex::new(HashMap::new()),
            memo: pipeline::Memo::default(),
            rule_dirs,
            config: None,
            rules: Vec::new(),
            last: None,
            watched: false,
        }
    }

    /// Reads the configuration and the rules again; a problem is returned
    /// as a message (the previous ones stay).
    pub fn reload_settings(&mut self) -> Result<(), String> {
        let path = crate::config::find(&self.root);
        let (config, rules) = configured(path.as_deref(), &self.rule_dirs, Some(&self.root))
            .map_err(|e| match e {
                SetupError::Config(e) => {
                    format!("tendon: bad configuration {}: {}", e.file, e.message)
                }
                SetupError::Rule(e) => format!("tendon: bad rule file {}: {}", e.file, e.message),
            })?;
        self.config = config;
        self.rules = rules;
        // Pairings and excludes may have changed.
        self.memo = pipeline::Memo::default();
        self.relist();
        Ok(())
    }

    /// Lints the workspace, open buffers as they are in the editor.
    pub fn lint(&mut self) -> Result<&Outcome, String> {
        let files = Files {
            watched: self.watched,
            buffers: &self.buffers,
            parses: &self.parses,
            listing: &self.listing,
            canonical: &self.canonical,
        };
        let options = pipeline::Options {
            config: self.config.as_ref(),
            root: Some(&self.root),
            files: Some(&files),
            memo: Some(&self.memo),
            ..Default::default()
        };
        let outcome = pipeline::run_with(std::slice::from_ref(&self.root), &self.rules, options)
            .map_err(|e| format!("tendon: {}: {}", e.path.display(), e.message))?;
        // Freeing the last world and findings costs milliseconds: not on the
        // way to the diagnostics.
        if let Some(old) = self.last.take() {
            let _ = std::thread::Builder::new().spawn(move || drop(old));
        }
        Ok(self.last.insert(outcome))
    }

    /// Forgets the parse of a file (it changed on disk, or its buffer closed).
    pub fn forget(&mut self, path: &Path) {
        if let Ok(mut parses) = self.parses.lock() {
            parses.remove(path);
            // Bicep files that import or load it are compiled again.
            parses.retain(|_, (_, p)| !p.compiled_from(path));
        }
    }

    /// Whether a kept Bicep parse was compiled from `path` (it imports or
    /// loads it).
    pub fn compiled_from(&self, path: &Path) -> bool {
        self.parses
            .lock()
            .is_ok_and(|parses| parses.values().any(|(_, p)| p.compiled_from(path)))
    }

    /// Lists the workspace's files again at the next run (one was created
    /// or deleted, or the configuration's excludes changed).
    pub fn relist(&mut self) {
        if let Ok(mut listing) = self.listing.lock() {
            *listing = None;
        }
        if let Ok(mut canonical) = self.canonical.lock() {
            canonical.clear();
        }
        // Parses remember which files they name are missing.
        if let Ok(mut parses) = self.parses.lock() {
            parses.clear();
        }
    }

    /// Whether the file is one the last listing found.
    pub fn listed(&self, path: &Path) -> bool {
        self.listing
            .lock()
            .ok()
            .and_then(|l| {
                l.as_ref()
                    .map(|(inputs, _)| inputs.iter().any(|i| i.path == path))
            })
            .unwrap_or(false)
    }
}

type Listing = (Vec<Input>, Vec<String>);

/// The run's files: buffers first, then the disk; each parsed once per content.
struct Files<'a> {
    watched: bool,
    buffers: &'a HashMap<PathBuf, String>,
    parses: &'a Mutex<HashMap<PathBuf, (Made, Arc<Parsed>)>>,
    listing: &'a Mutex<Option<Listing>>,
    canonical: &'a Mutex<HashMap<PathBuf, Option<PathBuf>>>,
}

impl Files<'_> {
    fn cached(&self, path: &Path, made: Made) -> Option<Arc<Parsed>> {
        let parses = self.parses.lock().ok()?;
        parses
            .get(path)
            // Once watched, a change to an imported or loaded file is
            // reported, and forgetting it forgets this parse.
            .filter(|(m, p)| *m == made && (self.watched || !p.sources_changed()))
            .map(|(_, p)| p.clone())
    }

    fn keep(&self, path: &Path, made: Made, parsed: &Arc<Parsed>) {
        if let Ok(mut parses) = self.parses.lock() {
            parses.insert(path.to_path_buf(), (made, parsed.clone()));
        }
    }
}

impl FileSource for Files<'_> {
    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        if let Ok(known) = self.canonical.lock()
            && let Some(c) = known.get(path)
        {
            return c.clone();
        }
        let c = std::fs::canonicalize(path).ok();
        if let Ok(mut known) = self.canonical.lock() {
            known.insert(path.to_path_buf(), c.clone());
        }
        c
    }

    fn discover(&self, paths: &[PathBuf]) -> Result<Listing, DiscoverError> {
        if let Ok(listing) = self.listing.lock()
            && let Some(l) = listing.as_ref()
        {
            return Ok(l.clone());
        }
        let found = crate::discover::discover(paths)?;
        if let Ok(mut listing) = self.listing.lock() {
            *listing = Some(found.clone());
        }
        Ok(found)
    }

    fn parse(&self, input: &Input, root: &ProjectRoot) -> Result<Arc<Parsed>, String> {
        let path = input.path.as_path();
        if let Some(text) = self.buffers.get(path) {
            if text.len() as u64 > ingest::MAX_FILE_BYTES {
                return Err(format!(
                    "larger than {} MB: not parsed",
                    ingest::MAX_FILE_BYTES >> 20
                ));
            }
            let mut h = std::collections::hash_map::DefaultHasher::new();
            text.hash(&mut h);
            let made = Made::Buffer(h.finish());
            if let Some(p) = self.cached(path, made) {
                return Ok(p);
            }
            let loaded = ingest::classify(input, text.as_bytes().to_vec(), root);
            let parsed = Arc::new(Parsed::of_input(loaded, input));
            self.keep(path, made, &parsed);
            return Ok(parsed);
        }
        if self.watched
            && let Ok(parses) = self.parses.lock()
            && let Some((Made::Disk(..), p)) = parses.get(path)
        {
            return Ok(p.clone());
        }
        let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
        let made = Made::Disk(meta.len(), meta.modified().ok());
        if let Some(p) = self.cached(path, made) {
            return Ok(p);
        }
        let parsed = ingest::Disk.parse(input, root)?;
        self.keep(path, made, &parsed);
        Ok(parsed)
    }
}
