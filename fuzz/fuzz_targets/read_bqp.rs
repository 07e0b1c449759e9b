//! Fuzzes the bqp reader: any bytes give a model or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use powerhook::engine::quantum::readers::{parse_bytes, Format};

fuzz_target!(|data: &[u8]| {
    if let Ok(problem) = parse_bytes(data, Format::Bqp) {
        // A model that was accepted must also convert and evaluate without panicking.
        let ising = problem.to_ising();
        let state = vec![1i8; ising.n()];
        let _ = ising.energy(&state);
    }
});
