//! powerhook: a laptop agent that senses load and power, decides with the seed's strategy
//! order, and records every pass. See `docs/architecture.md` for the stage map.

pub mod config;
pub mod units;
pub mod workload;
