//! The config parser on the seed's block and on broken files.

use powerhook::config::{Config, PowerModeTrigger};
use powerhook::workload::PatternType;
use std::path::Path;

const SEED: &str = include_str!("fixtures/seed_triggers.yaml");

fn parse(text: &str) -> Result<Config, powerhook::config::ConfigError> {
    Config::parse(text, Path::new("config.yaml"))
}

#[test]
fn the_seed_block_parses_verbatim_and_equals_the_defaults() {
    let c = parse(SEED).expect("seed block parses");
    let p = c.triggers.performance.as_ref().unwrap();
    assert_eq!(p.latency_threshold.as_millis_f64(), 50.0);
    assert_eq!(p.cpu_utilization.0, 70.0);
    assert_eq!(p.memory_usage.0, 80.0);
    let w = c.triggers.workload.as_ref().unwrap();
    assert_eq!(
        w.pattern_types,
        vec![
            PatternType::NpHard,
            PatternType::MatrixComputation,
            PatternType::OptimizationProblem
        ]
    );
    assert_eq!(w.confidence_threshold.0, 0.8);
    let e = c.triggers.energy.as_ref().unwrap();
    assert_eq!(e.battery_threshold.0, 20.0);
    assert_eq!(e.power_mode, PowerModeTrigger::Efficiency);
    assert_eq!(
        c.triggers.scheduled.as_ref().unwrap().cron.as_str(),
        "*/15 * * * *"
    );
    assert_eq!(
        c,
        Config::default(),
        "without a file the defaults equal the seed's values"
    );
}

#[test]
fn empty_and_comment_only_files_are_the_defaults() {
    assert_eq!(parse("").unwrap(), Config::default());
    assert_eq!(parse("# nothing here\n").unwrap(), Config::default());
}

#[test]
fn show_output_parses_back_to_the_same_config() {
    let c = parse(SEED).unwrap();
    let again = parse(&c.to_yaml()).expect("config show output parses");
    assert_eq!(again, c);
}

fn error_of(text: &str) -> powerhook::config::ConfigError {
    parse(text).expect_err("must be rejected")
}

#[test]
fn a_typo_names_line_column_and_suggests_the_key() {
    let text = SEED.replace("latency_threshold: 50ms", "lantency_threshold: 50ms");
    let e = error_of(&text);
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.column.is_some());
    assert!(
        e.message.contains("did you mean `latency_threshold`"),
        "{e}"
    );
    assert!(e.to_string().starts_with("config.yaml:3:"), "{e}");
}

#[test]
fn an_unknown_trigger_and_section_get_hints() {
    let e = error_of("triggers:\n  - on_performance_treshold:\n      cpu_utilization: 70%\n");
    assert_eq!(e.line, Some(2), "{e}");
    assert!(
        e.message
            .contains("did you mean `on_performance_threshold`"),
        "{e}"
    );
    let e = error_of("sampling:\n  interval: 1s\nretension:\n  raw_samples: 24h\n");
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.contains("did you mean `retention`"), "{e}");
}

#[test]
fn out_of_range_values_are_rejected_where_they_stand() {
    let e = error_of(&SEED.replace("cpu_utilization: 70%", "cpu_utilization: 170%"));
    assert_eq!(e.line, Some(4), "{e}");
    assert!(e.message.contains("between 0% and 100%"), "{e}");

    let e = error_of(&SEED.replace("confidence_threshold: 0.8", "confidence_threshold: 80"));
    assert_eq!(e.line, Some(8), "{e}");
    assert!(e.message.contains("between 0 and 1"), "{e}");

    let e = error_of(&SEED.replace("*/15 * * * *", "*/15 * * *"));
    assert_eq!(e.line, Some(13), "{e}");
    assert!(e.message.contains("cron"), "{e}");

    let e = error_of(&SEED.replace("*/15 * * * *", "*/15 * * * 9"));
    assert!(e.message.contains("cron"), "{e}");

    let e = error_of("sampling:\n  interval: 50ms\n");
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.message.contains("minimum is 100ms"), "{e}");

    let e = error_of(&SEED.replace("latency_threshold: 50ms", "latency_threshold: 50"));
    assert!(e.message.contains("no unit"), "{e}");

    let e = error_of(&SEED.replace("\"np_hard\"", "\"np_hrad\""));
    assert_eq!(e.line, Some(7), "{e}");
    assert!(e.message.contains("did you mean `np_hard`"), "{e}");
}

#[test]
fn broken_yaml_names_the_line() {
    let e = error_of("triggers:\n  - scheduled:\n      cron: \"*/15 * * * *\n");
    assert!(e.line.is_some(), "{e}");
    let e = error_of("mode: sideways\n");
    assert_eq!(e.line, Some(1), "{e}");
    assert!(e.message.contains("apply"), "{e}");
}

#[test]
fn a_trigger_left_out_is_off() {
    let c = parse("triggers:\n  - on_energy_constraint:\n      battery_threshold: 15%\n").unwrap();
    assert!(c.triggers.performance.is_none());
    assert!(c.triggers.scheduled.is_none());
    assert_eq!(c.triggers.energy.unwrap().battery_threshold.0, 15.0);
}
