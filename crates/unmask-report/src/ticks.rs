//! Tick positions for the charts' axes, computed here and handed to plotters as fixed key
//! points: plotters' own tick search loops forever on some spans (values near the edge of
//! f64's precision), and every search here is a bounded loop.

use std::ops::Range;

/// About this many ticks on a linear axis.
const TARGET: f64 = 8.0;
/// At most this many decades are labelled on a log axis (every k-th past it).
const MAX_DECADES: usize = 10;

/// Ticks at multiples of 1, 2 or 5 × 10^k inside `range`, about [`TARGET`] of them; the two
/// ends when the span is too small for the values' precision.
pub fn linear(range: &Range<f64>) -> Vec<f64> {
    let (low, high) = (range.start, range.end);
    let span = high - low;
    if !(span.is_finite() && span > 0.0) {
        return vec![low];
    }
    let raw = span / TARGET;
    let exponent = raw.log10().floor() as i32;
    let decade = 10f64.powi(exponent);
    let mantissa = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|m| m * decade >= raw)
        .unwrap_or(10.0);
    let step = mantissa * decade;
    // A tick within rounding of an end counts as inside (0.08 / 0.01 is 7.999...).
    let (first, last) = ((low / step - 1e-9).ceil(), (high / step + 1e-9).floor());
    let count = last - first + 1.0;
    // A step below the values' precision repeats values (or gives none): keep the ends.
    if !(step > 0.0 && count.is_finite() && (1.0..=4.0 * TARGET).contains(&count))
        || first * step == (first + 1.0) * step
    {
        return vec![low, high];
    }
    // Parsed from decimal text, `{i × m}e{k}`: exactly the f64 nearest the tick (4.6, not
    // 23 × 0.2 = 4.6000000000000005).
    let at = |i: f64| -> f64 {
        format!("{:.0}e{exponent}", i * mantissa)
            .parse()
            .unwrap_or(i * step)
    };
    (0..count as usize)
        .map(|i| at(first + i as f64))
        // -0.0 would print as "-0".
        .map(|v| if v == 0.0 { 0.0 } else { v })
        .collect()
}

/// Powers of ten inside `range` (every k-th one past [`MAX_DECADES`]), with 2 and 5 × 10^k
/// as well when the range spans three decades or fewer.
pub fn log(range: &Range<f64>) -> Vec<f64> {
    let (low, high) = (range.start.log10(), range.end.log10());
    if !(low.is_finite() && high.is_finite() && high >= low) {
        return vec![range.start];
    }
    let (first, last) = (low.floor() as i32, high.ceil() as i32);
    let decades = (last - first) as usize;
    let every = decades.div_ceil(MAX_DECADES).max(1);
    let mantissas: &[u8] = if decades <= 3 { &[1, 2, 5] } else { &[1] };
    let inside = (range.start * (1.0 - 1e-9))..=(range.end * (1.0 + 1e-9));
    (first..=last)
        .step_by(every)
        // Parsed from decimal text: exactly the f64 nearest 5e-7, which m × 10^k is not.
        .flat_map(|k| mantissas.iter().map(move |m| format!("{m}e{k}")))
        .map(|text| text.parse::<f64>().expect("a decimal literal parses"))
        .filter(|v| inside.contains(v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_steps_inside_the_range() {
        assert_eq!(linear(&(0.0..10.0)), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(linear(&(-0.5..10.5)), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(linear(&(4.5..5.5)), [4.6, 4.8, 5.0, 5.2, 5.4]);
        assert_eq!(linear(&(-1.0..1.0)), [-1.0, -0.5, 0.0, 0.5, 1.0]);
        assert_eq!(linear(&(0.0..0.08)).len(), 9);
        assert_eq!(
            linear(&(-1e300..1e300)),
            [-1e300, -5e299, 0.0, 5e299, 1e300]
        );
    }

    #[test]
    fn spans_below_the_values_precision_keep_the_ends() {
        assert_eq!(linear(&(1e16..1e16 + 2.0)), [1e16, 1e16 + 2.0]);
        assert_eq!(linear(&(0.0..1e-310)), [0.0, 1e-310]);
        assert_eq!(linear(&(3.0..3.0)), [3.0]);
    }

    #[test]
    fn log_ticks_are_decades_with_twos_and_fives_on_short_ranges() {
        assert_eq!(log(&(1.0..100.0)), [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]);
        assert_eq!(log(&(0.1..1000.0)), [0.1, 1.0, 10.0, 100.0, 1000.0]);
        let wide = log(&(1e-300..1e300));
        assert_eq!(wide.len(), 11, "{wide:?}");
        assert_eq!((wide[0], wide[10]), (1e-300, 1e300));
    }
}
