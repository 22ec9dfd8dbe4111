//! From evaluated deployments to the linked world: `facts` (per deployment),
//! `link` (all files at once), `world` (the JSON document rules query).

pub mod capacity;
pub mod derive;
pub mod effective;
pub mod facts;
pub mod flags;
pub mod identity;
pub mod link;
pub mod linked;
pub mod nsg;
pub mod ranges;
pub mod routing;
pub mod schema;
pub mod world;
