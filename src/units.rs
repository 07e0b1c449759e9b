//! Values with units as people write them in config and on the command line:
//! durations (`50ms`, `1s`, `24h`, `90d`) and percentages (`70%`).

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::time::Duration;

/// Parse a duration such as `100ms`, `1.5s`, `5m`, `24h`, `90d`. A unit is required.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| {
            format!("`{t}` has no unit: write e.g. `{t}ms`, `{t}s`, `{t}m`, `{t}h` or `{t}d`")
        })?;
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| {
        format!("`{t}` is not a duration: expected a number then a unit, e.g. `50ms`")
    })?;
    let secs = match unit.trim() {
        "us" | "µs" => value / 1e6,
        "ms" => value / 1e3,
        "s" | "sec" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86400.0,
        other => {
            return Err(format!(
                "`{other}` in `{t}` is not a duration unit: use ms, s, m, h or d"
            ))
        }
    };
    if !secs.is_finite() || secs > 10.0 * 365.0 * 86400.0 {
        return Err(format!("`{t}` is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Format a duration the way [`parse_duration`] reads it back.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return format!("{}us", d.as_micros());
    }
    for (unit, size) in [
        ("d", 86_400_000u128),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
    ] {
        if ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// A duration in config, written with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span(pub Duration);

impl Span {
    pub const fn from_millis(ms: u64) -> Self {
        Span(Duration::from_millis(ms))
    }
    pub const fn from_secs(s: u64) -> Self {
        Span(Duration::from_secs(s))
    }
    pub fn as_millis_f64(self) -> f64 {
        self.0.as_secs_f64() * 1000.0
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Span;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration with a unit, e.g. `50ms` or `5s`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Span, E> {
                parse_duration(v).map(Span).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Span, E> {
                Err(E::custom(format!(
                    "`{v}` has no unit: write e.g. `{v}ms` or `{v}s`"
                )))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Span, E> {
                self.visit_u64(v.unsigned_abs())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Span, E> {
                Err(E::custom(format!("`{v}` has no unit: write e.g. `{v}s`")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A percentage 0–100, written `70%` (or a bare number `70`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Percent(pub f64);

impl Percent {
    fn checked(v: f64, shown: &str) -> Result<Self, String> {
        if !(0.0..=100.0).contains(&v) || !v.is_finite() {
            return Err(format!("`{shown}` is not a percentage between 0% and 100%"));
        }
        Ok(Percent(v))
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Percent;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a percentage, e.g. `70%`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Percent, E> {
                let num = v.trim().strip_suffix('%').unwrap_or(v).trim();
                let value: f64 = num.parse().map_err(|_| {
                    E::custom(format!("`{v}` is not a percentage: write e.g. `70%`"))
                })?;
                Percent::checked(value, v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Percent, E> {
                Percent::checked(v as f64, &v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Percent, E> {
                Percent::checked(v as f64, &v.to_string()).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Percent, E> {
                Percent::checked(v, &v.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A probability 0–1 (the seed's `confidence_threshold`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
pub struct Confidence(pub f64);

impl<'de> Deserialize<'de> for Confidence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Confidence;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a confidence between 0 and 1, e.g. `0.8`")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Confidence, E> {
                if !(0.0..=1.0).contains(&v) {
                    return Err(E::custom(format!(
                        "`{v}` is not a confidence between 0 and 1 (write 0.8, not 80%)"
                    )));
                }
                Ok(Confidence(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Confidence, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Confidence, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip() {
        for (text, ms) in [
            ("50ms", 50),
            ("1s", 1000),
            ("1.5s", 1500),
            ("5m", 300_000),
            ("24h", 86_400_000),
            ("90d", 7_776_000_000),
        ] {
            let d = parse_duration(text).unwrap();
            assert_eq!(d.as_millis() as u64, ms, "{text}");
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }
    }

    #[test]
    fn durations_need_a_known_unit() {
        assert!(parse_duration("50").unwrap_err().contains("no unit"));
        assert!(parse_duration("5 weeks")
            .unwrap_err()
            .contains("not a duration unit"));
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration("1e400s").is_err());
    }
}
