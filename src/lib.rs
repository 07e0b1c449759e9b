//! powerhook: a laptop agent that senses load and power, decides with the seed's strategy
//! order, and records every pass. See `docs/architecture.md` for the stage map.

pub mod agent;
pub mod config;
pub mod engine;
pub mod history;
pub mod hook;
pub mod root;
pub mod sense;
pub mod status;
pub mod store;
pub mod strategy;
pub mod sync;
pub mod trigger;
pub mod units;
pub mod workload;
