//! Links the facts of every deployment of the run into one [`World`]. Linking
//! is generic and knows no rule: `merge` declarations by canonical id
//! (one entry per resource, however many sources declare it), `resolve`
//! every reference to the entity it names, add the inverse `relations`;
//! then the linked model is written as the world document (`emit`), with
//! the named derivations of each concept (effective settings, ranges,
//! capacity, control-plane identity, default route, network rights, pod
//! traffic an NSG denies).

mod emit;
mod emit_cluster;
mod gateways;
mod merge;
mod relations;
mod resolve;
mod uses;

use std::sync::Arc;

use crate::model::facts::Facts;
use crate::model::linked::Linked;
use crate::model::world::World;
use crate::source::FileId;

pub use crate::model::ranges::NetworkConfig;

/// Display names of files, for the `file` / `scenario` fields.
pub type FileNames<'a> = &'a (dyn Fn(FileId) -> String + Sync);

pub fn link(all: &[Arc<Facts>], names: FileNames) -> World {
    link_with(all, names, &NetworkConfig::default())
}

/// The world of the run: linked and written.
pub fn link_with(all: &[Arc<Facts>], names: FileNames, config: &NetworkConfig) -> World {
    emit::document(&linked(all), names, config)
}

/// Every entity of the run once, references resolved, relations both ways.
pub(crate) fn linked(all: &[Arc<Facts>]) -> Linked<'_> {
    let mut linked = merge::merge(all);
    resolve::resolve(&mut linked);
    relations::relate(&mut linked);
    linked
}
