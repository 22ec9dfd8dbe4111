//! From evaluated deployments to the linked world: `facts` (per deployment),
//! `link` (all files at once), `world` (the JSON document rules query).

pub mod capacity;
pub mod derive;
pub mod effective;
pub mod facts;
pub mod identity;
pub mod link;
pub mod linked;
pub mod network_rights;
pub mod nsg;
pub mod pod_traffic;
pub mod ranges;
pub mod routing;
pub mod schema;
pub mod world;
