//! One pass of the seed's `PerformanceOptimizationHook::execute`: the detected conditions go
//! to the strategy, the strategy to an engine step, and the pass is recorded in
//! `hook_executions`, also when it decides nothing or fails.

use crate::config::Mode;
use crate::sense::Sample;
use crate::store::{ts, HookExecution, Store, StoreError};
use crate::strategy::{decide, Conditions, Strategy};
use crate::trigger::Signal;
use chrono::Utc;
use serde::Serialize;

/// What a pass judged.
pub struct PassInput<'a> {
    pub sample: &'a Sample,
    pub conditions: &'a Conditions,
    /// The trigger that started the pass.
    pub trigger: Signal,
    pub active: &'a [Signal],
    pub mode: Mode,
}

#[derive(Debug, Clone, Serialize)]
pub struct PassOutcome {
    pub strategy: Strategy,
    pub execution: HookExecution,
}

/// The engine step. The actuators that would carry out a plan are a later issue, so a
/// strategy that wants to optimize is answered honestly: no actuator is built yet to apply
/// an engine's plan, and nothing is changed. No `performance_optimizations` row is invented.
fn engine_step(strategy: &Strategy, mode: Mode) -> (&'static str, Option<String>) {
    if !strategy.should_optimize {
        return ("no_optimization", None);
    }
    let engine = strategy.target_engine.map(|e| e.as_str()).unwrap_or("none");
    let what = match mode {
        Mode::Advise => "advise mode: nothing was planned or changed",
        _ => "nothing was planned or changed",
    };
    (
        "engine_unavailable",
        Some(format!(
            "no actuators are built yet to apply a plan of the {engine} engine: {what}"
        )),
    )
}

/// Run one pass and record it. A failure to record is returned; the pass itself never
/// changes the machine.
pub fn execute(store: &Store, input: PassInput<'_>) -> Result<PassOutcome, StoreError> {
    let started = Utc::now();
    let strategy = decide(input.conditions);
    let (outcome, detail) = engine_step(&strategy, input.mode);
    let execution = HookExecution {
        id: uuid::Uuid::new_v4().to_string(),
        started_at: ts(started),
        finished_at: ts(Utc::now()),
        trigger_type: input.trigger.trigger_type().to_string(),
        active_triggers: input
            .active
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
        should_optimize: strategy.should_optimize,
        optimization_type: strategy.optimization_type.map(|t| t.as_str().to_string()),
        target_engine: strategy.target_engine.map(|e| e.as_str().to_string()),
        priority: strategy.priority.map(|p| p.as_str().to_string()),
        reason: strategy.reason.clone(),
        outcome: outcome.to_string(),
        detail,
        mode: input.mode.as_str().to_string(),
    };
    let sample_json = serde_json::to_string(input.sample).ok();
    store.insert_hook_execution(&execution, sample_json.as_deref())?;
    Ok(PassOutcome {
        strategy,
        execution,
    })
}
