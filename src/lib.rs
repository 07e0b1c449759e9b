//! powerhook: a laptop agent that senses load and power, decides with the seed's strategy
//! order, and records every pass. See `docs/` and the README for the stage map.

pub mod engine;
pub mod workload;
