//! The readers on malformed input: the error names the line and the reason; nothing panics.

use powerhook::engine::quantum::readers::{
    parse_bqp, parse_bytes, parse_gset, parse_json, Format, Problem,
};
use proptest::prelude::*;

fn gset_err(text: &str) -> (usize, String) {
    let e = parse_gset(text).expect_err("malformed");
    (e.line, e.reason)
}

#[test]
fn gset_malformed_files() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 0, "empty"),
        ("3\n1 2 1\n", 1, "header"),
        ("x 2\n", 1, "not an integer"),
        ("0 0\n", 1, "variable count"),
        ("3 2\n1 2 1\n", 1, "announces 2 terms"),
        ("3 1\n1 2 1\n2 3 1\n", 3, "more terms"),
        ("3 1\n1 2\n", 2, "3 fields"),
        ("3 1\n1 0 1\n", 2, "outside 1..=3"),
        ("3 1\n1 -2 1\n", 2, "positive integer"),
        ("3 1\n1 2 abc\n", 2, "not a number"),
        ("3 1\n1 2 inf\n", 2, "not finite"),
        ("3 1\n2 2 1\n", 2, "self-loop"),
        ("99999999999 1\n", 1, "variable count"),
    ];
    for &(text, line, reason) in cases {
        let (l, r) = gset_err(text);
        assert_eq!(l, line, "{text:?}: {r}");
        assert!(
            r.contains(reason),
            "{text:?}: `{r}` should mention `{reason}`"
        );
    }
}

#[test]
fn comments_and_blank_lines_are_skipped_and_line_numbers_stay_true() {
    let e = parse_bqp("# a comment\n\n2 1\n1 3 5\n").expect_err("index 3 > 2");
    assert_eq!(e.line, 4);
    assert!(parse_bqp("% c\n2 1\n\n1 2 5\n").is_ok());
}

#[test]
fn json_malformed_models() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 1, "EOF"),
        (
            "{\"type\": \"qubo\",\n \"n\": 2,\n \"bogus\": 1}",
            3,
            "unknown field",
        ),
        ("{\"type\": \"qubo\",\n \"n\": -1}", 2, "invalid value"),
        ("{\"type\": \"cubic\", \"n\": 2}", 1, "not one of"),
        ("{\"type\": \"qubo\",\n\"n\": 0}", 2, "must be in"),
        (
            "{\"type\": \"ising\", \"n\": 2,\n\"quadratic\": [[1, 1, 2.0]]}",
            2,
            "itself",
        ),
        (
            "{\"type\": \"maxcut\", \"n\": 2,\n\"linear\": [[0, 1.0]]}",
            2,
            "no linear",
        ),
        (
            "{\"type\": \"qubo\", \"n\": 2,\n\"linear\": [[7, 1.0]]}",
            2,
            "`linear`: variable 7 is out of range",
        ),
    ];
    for &(text, line, reason) in cases {
        let e = parse_json(text).expect_err("malformed");
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert!(
            e.reason.contains(reason),
            "{text:?}: `{}` should mention `{reason}`",
            e.reason
        );
    }
}

#[test]
fn json_models_read() {
    let p = parse_json(r#"{"type": "maxcut", "n": 3, "quadratic": [[0, 1, 1], [1, 2, 1]]}"#)
        .expect("valid");
    assert!(matches!(p, Problem::MaxCut { total_weight, .. } if total_weight == 2.0));
    let p = parse_json(
        r#"{"type": "qubo", "n": 2, "linear": [[0, -1]], "quadratic": [[0, 1, 3]], "offset": 2}"#,
    )
    .expect("valid");
    let Problem::Qubo(q) = p else {
        panic!("a qubo")
    };
    assert_eq!(q.energy(&[1, 0]), 1.0);
    assert_eq!(q.energy(&[1, 1]), 4.0);
}

#[test]
fn non_utf8_is_an_error_with_a_line() {
    let e = parse_bytes(b"2 1\n1 2 \xff\n", Format::Gset).expect_err("not utf-8");
    assert_eq!(e.line, 2);
}

proptest! {
    // The fuzz targets' entry points on arbitrary bytes (the fuzzer runs them at depth).
    #[test]
    fn readers_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        for f in [Format::Gset, Format::Bqp, Format::Json] {
            let _ = parse_bytes(&bytes, f);
        }
    }

    #[test]
    fn readers_never_panic_on_near_valid_text(
        lines in prop::collection::vec(
            prop::collection::vec(prop_oneof![
                Just("1".to_string()), Just("2".to_string()), Just("0".to_string()),
                Just("-1".to_string()), Just("3.5".to_string()), Just("nan".to_string()),
                Just("4294967296".to_string()), Just("x".to_string()),
            ], 0..4).prop_map(|v| v.join(" ")),
            0..8)
    ) {
        let text = lines.join("\n");
        for f in [Format::Gset, Format::Bqp, Format::Json] {
            if let Err(e) = parse_bytes(text.as_bytes(), f) {
                prop_assert!(e.line <= lines.len() + 1);
            }
        }
    }
}
