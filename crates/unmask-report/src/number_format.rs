/// Values at or above `10^digits`, or below this, switch to scientific notation.
const SMALLEST_FIXED: f64 = 1e-4;

/// Formats `value` rounded to `digits` significant digits (at least 1), keeping trailing
/// zeros because they are significant: `format_significant(12.345, 3) == "12.3"`,
/// `format_significant(2.0, 3) == "2.00"`. Very large or small magnitudes use scientific
/// notation (`"1.23e6"`, `"4.50e-7"`). Non-finite values print as `NaN`, `inf`, `-inf`.
pub fn format_significant(value: f64, digits: usize) -> String {
    let digits = digits.max(1);
    if !value.is_finite() {
        return format_non_finite(value);
    }
    if value == 0.0 {
        return "0".to_string();
    }
    // Round in scientific form first: rounding can carry into the next power of ten (9.996 -> 10.0).
    let scientific = format!("{:.*e}", digits - 1, value);
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` always has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponent is an integer");
    let magnitude = value.abs();
    if magnitude < SMALLEST_FIXED || exponent >= digits as i32 {
        return format!("{mantissa}e{exponent}");
    }
    let decimals = (digits as i32 - 1 - exponent).max(0) as usize;
    format!("{value:.decimals$}")
}

/// Like [`format_significant`] but without trailing fractional zeros, for labels where
/// brevity beats showing precision: `format_compact(12.0, 4) == "12"`, `"1.5e6"`.
pub fn format_compact(value: f64, digits: usize) -> String {
    let text = format_significant(value, digits);
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (text.as_str(), None),
    };
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    match exponent {
        Some(e) => format!("{mantissa}e{e}"),
        None => mantissa.to_string(),
    }
}

/// Formats a value for a CSV or other raw-data file: the shortest text that parses back to
/// the same `f64` (`"0.1"`, `"1e-7"`, `"3.0"`), `NaN`, `inf` or `-inf`.
pub fn format_exact(value: f64) -> String {
    if value.is_finite() {
        format!("{value:?}")
    } else {
        format_non_finite(value)
    }
}

fn format_non_finite(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value > 0.0 {
        "inf".to_string()
    } else {
        "-inf".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rounds_to_significant_digits() {
        assert_eq!(format_significant(12.345, 3), "12.3");
        assert_eq!(format_significant(12.355, 4), "12.36");
        assert_eq!(format_significant(2.0, 3), "2.00");
        assert_eq!(format_significant(0.00123456, 3), "0.00123");
        assert_eq!(format_significant(-0.5, 2), "-0.50");
        assert_eq!(format_significant(123.0, 3), "123");
        assert_eq!(format_significant(9.996, 3), "10.0");
        assert_eq!(format_significant(99.96, 3), "100");
        assert_eq!(format_significant(999.6, 3), "1.00e3");
        assert_eq!(format_significant(1234567.0, 3), "1.23e6");
        assert_eq!(format_significant(0.0000045, 2), "4.5e-6");
        assert_eq!(format_significant(0.0, 3), "0");
        assert_eq!(format_significant(7.0, 0), "7");
    }

    #[test]
    fn compact_format_drops_trailing_zeros() {
        assert_eq!(format_compact(12.0, 4), "12");
        assert_eq!(format_compact(12.5, 4), "12.5");
        assert_eq!(format_compact(1500.0, 4), "1500");
        assert_eq!(format_compact(1.5e6, 3), "1.5e6");
        assert_eq!(format_compact(2e-7, 3), "2e-7");
        assert_eq!(format_compact(f64::NAN, 3), "NaN");
    }

    #[test]
    fn non_finite_values_have_names() {
        assert_eq!(format_significant(f64::NAN, 3), "NaN");
        assert_eq!(format_significant(f64::INFINITY, 3), "inf");
        assert_eq!(format_significant(f64::NEG_INFINITY, 3), "-inf");
        assert_eq!(format_exact(f64::NAN), "NaN");
    }

    #[test]
    fn exact_format_round_trips() {
        assert_eq!(format_exact(0.1), "0.1");
        assert_eq!(format_exact(3.0), "3.0");
        assert_eq!(format_exact(1e-7), "1e-7");
    }

    proptest! {
        #[test]
        fn significant_format_is_close_to_the_value(value in -1e12f64..1e12, digits in 1usize..8) {
            let text = format_significant(value, digits);
            let parsed: f64 = text.parse().unwrap();
            let tolerance = value.abs() * 10f64.powi(1 - digits as i32) * 0.5 + 1e-300;
            prop_assert!((parsed - value).abs() <= tolerance * 1.0000001, "{} -> {}", value, text);
        }

        #[test]
        fn exact_format_parses_back(value in proptest::num::f64::NORMAL) {
            prop_assert_eq!(format_exact(value).parse::<f64>().unwrap(), value);
        }
    }
}
