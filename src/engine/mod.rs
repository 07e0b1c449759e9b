//! The optimisation engines that turn a strategy into a plan; each runs on the laptop's CPU.

pub mod quantum;
