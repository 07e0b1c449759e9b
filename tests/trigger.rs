//! Triggers with hysteresis: a value at the threshold does not fire every tick.

mod support;

use chrono::{Local, TimeZone};
use powerhook::config::Config;
use powerhook::root::Root;
use powerhook::sense::{Sample, Sensor};
use powerhook::trigger::{judge_instant, Detector, Signal};
use powerhook::workload::{PatternProcess, PatternType, WorkloadPatterns};
use support::FakeRoot;

fn sample_with_cpu(
    root: &FakeRoot,
    sensor: &mut Sensor,
    busy_percent: u64,
    step: &mut (u64, u64),
) -> Sample {
    step.0 += busy_percent * 10;
    step.1 += (100 - busy_percent) * 10;
    root.cpu_stat(&[(step.0, step.1)]);
    sensor.sample(Some(1.0), false)
}

#[test]
fn cpu_fires_after_k_ticks_and_clears_under_the_margin() {
    let root = FakeRoot::laptop();
    let config = Config::default();
    let mut sensor = Sensor::new(Root::new(root.path()), 5);
    let mut counters = (1000, 9000);
    root.cpu_stat(&[counters]);
    sensor.prime();
    let now = Local.with_ymd_and_hms(2026, 1, 1, 10, 1, 0).unwrap();
    let mut det = Detector::new(&config, now);
    let none = WorkloadPatterns::none();

    let mut fired_at = Vec::new();
    let mut cleared_at = Vec::new();
    // 2 ticks over, 1 under, then 4 over: fires on the 3rd consecutive tick over (tick 6).
    // Then hovering between 63 % and 70 % (the margin band) never clears; at 50 % it clears
    // after 3 ticks.
    let series = [80, 80, 60, 80, 80, 80, 80, 66, 69, 65, 68, 50, 50, 50, 50];
    for (i, pct) in series.iter().enumerate() {
        let s = sample_with_cpu(&root, &mut sensor, *pct, &mut counters);
        let d = det.update(&s, &none, &config, now);
        if d.fired.contains(&Signal::Cpu) {
            fired_at.push(i);
        }
        if d.cleared.contains(&Signal::Cpu) {
            cleared_at.push(i);
        }
    }
    assert_eq!(fired_at, vec![5]);
    assert_eq!(cleared_at, vec![13]);
}

#[test]
fn a_value_at_the_threshold_never_fires() {
    let root = FakeRoot::laptop();
    let config = Config::default();
    let mut sensor = Sensor::new(Root::new(root.path()), 5);
    let mut counters = (1000, 9000);
    root.cpu_stat(&[counters]);
    sensor.prime();
    let now = Local.with_ymd_and_hms(2026, 1, 1, 10, 1, 0).unwrap();
    let mut det = Detector::new(&config, now);
    for _ in 0..20 {
        let s = sample_with_cpu(&root, &mut sensor, 70, &mut counters);
        let d = det.update(&s, &WorkloadPatterns::none(), &config, now);
        assert!(d.fired.is_empty(), "{d:?}");
    }
}

#[test]
fn the_schedule_fires_once_per_cron_time_in_local_time() {
    let config = Config::default();
    let start = Local.with_ymd_and_hms(2026, 1, 1, 10, 1, 0).unwrap();
    let mut det = Detector::new(&config, start);
    assert_eq!(
        det.next_scheduled(),
        Some(Local.with_ymd_and_hms(2026, 1, 1, 10, 15, 0).unwrap())
    );
    let root = FakeRoot::laptop();
    let mut sensor = Sensor::new(Root::new(root.path()), 5);
    let s = sensor.sample(Some(1.0), false);
    let mut fired = 0;
    let mut t = start;
    // One tick a minute for an hour: 10:15, 10:30, 10:45, 11:00.
    for _ in 0..60 {
        t += chrono::Duration::minutes(1);
        if det
            .update(&s, &WorkloadPatterns::none(), &config, t)
            .fired
            .contains(&Signal::Schedule)
        {
            fired += 1;
        }
    }
    assert_eq!(fired, 4);
}

#[test]
fn a_workload_pattern_fires_only_above_the_confidence_and_for_listed_types() {
    let root = FakeRoot::laptop();
    let config = Config::default();
    let mut sensor = Sensor::new(Root::new(root.path()), 5);
    let s = sensor.sample(Some(1.0), false);
    let pattern = |t, c| WorkloadPatterns {
        has_np_hard_pattern: t == PatternType::NpHard,
        pattern_type: Some(t),
        confidence_score: c,
        process: Some(PatternProcess {
            pid: 42,
            name: "cbc".into(),
        }),
    };
    let (active, cond) = judge_instant(&s, &pattern(PatternType::NpHard, 0.9), &config);
    assert!(active.contains(&Signal::WorkloadPattern));
    assert_eq!(cond.np_hard, Some((PatternType::NpHard, 0.9)));
    let (active, _) = judge_instant(&s, &pattern(PatternType::NpHard, 0.8), &config);
    assert!(
        !active.contains(&Signal::WorkloadPattern),
        "0.8 is not above 0.8"
    );
    let (active, cond) = judge_instant(&s, &pattern(PatternType::MatrixComputation, 0.95), &config);
    assert!(active.contains(&Signal::WorkloadPattern));
    assert_eq!(
        cond.np_hard, None,
        "only NP-hard goes to the quantum engine"
    );
    let (active, _) = judge_instant(&s, &pattern(PatternType::Build, 0.99), &config);
    assert!(
        !active.contains(&Signal::WorkloadPattern),
        "build is not a seed pattern type"
    );
}
