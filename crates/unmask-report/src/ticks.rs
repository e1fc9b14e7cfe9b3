/// The most ticks an axis gets; the tick step is the smallest "nice" step that stays within it.
pub const MAX_TICKS: usize = 7;

/// Log axes end within `1/LOG_LIMIT..=LOG_LIMIT`; values beyond are drawn outside the plot
/// area (and clipped).
const LOG_LIMIT: f64 = 1e150;

/// Narrower linear spans are widened: their steps would underflow towards subnormal numbers.
const MIN_SPAN: f64 = 1e-200;

/// Nice steps are these mantissas times a power of ten.
const STEP_MANTISSAS: [i64; 3] = [1, 2, 5];

/// Tick values of one axis (ascending; the first and last are the axis ends) and their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    pub values: Vec<f64>,
    pub labels: Vec<String>,
}

impl Ticks {
    pub(crate) fn first(&self) -> f64 {
        self.values[0]
    }

    pub(crate) fn last(&self) -> f64 {
        self.values[self.values.len() - 1]
    }
}

/// Ticks for a linear axis covering `[min, max]`: multiples of a 1-2-5 step, extended outwards
/// to the nearest multiples so the data fits. `0..1` gives `0, 0.2, …, 1.0`; `0..7.3` gives
/// `0, 2, 4, 6, 8`. A zero-width range is widened around its value; non-finite bounds give `0..1`.
pub fn linear_ticks(min: f64, max: f64) -> Ticks {
    let (min, max) = widen_degenerate(min, max);
    let raw_step = (max - min) / (MAX_TICKS - 1) as f64;
    let mut exponent = raw_step.log10().floor() as i32;
    loop {
        for mantissa in STEP_MANTISSAS {
            let step = mantissa as f64 * pow10(exponent);
            // The small slack keeps a bound that is already a multiple (up to rounding) from
            // adding one more step.
            let first = (min / step + 1e-9).floor() as i64;
            let last = (max / step - 1e-9).ceil() as i64;
            if last - first < MAX_TICKS as i64 {
                let values: Vec<f64> = (first..=last)
                    .map(|i| decimal(i * mantissa, exponent))
                    .collect();
                let labels = linear_labels(&values, exponent);
                return Ticks { values, labels };
            }
        }
        exponent += 1;
    }
}

/// Ticks for a logarithmic axis covering `[min, max]` (both must be positive; otherwise the
/// axis falls back to `1..10`). The axis ends at the nearest 1-2-5 values around the data
/// (`1..1000` stays `1, 10, 100, 1000`; `3..700` becomes `2, 10, 100, 1000`). Spans of at most
/// two decades tick at every 1-2-5 value (`20, 50, 100`); wider ones at whole decades plus
/// the ends; spans of more than six decades at every second (third, …) decade.
pub fn log_ticks(min: f64, max: f64) -> Ticks {
    let (min, max) = if min > 0.0 && max >= min && max.is_finite() {
        // Keeps every tick, stride rounding included, far inside the range of f64.
        (
            min.clamp(LOG_LIMIT.recip(), LOG_LIMIT),
            max.clamp(LOG_LIMIT.recip(), LOG_LIMIT),
        )
    } else {
        (1.0, 10.0)
    };
    let (low, high) = (decade_at_or_below(min), decade_at_or_above(max));
    let values = if high - low > (MAX_TICKS - 1) as i32 {
        strided_decades(low, high)
    } else {
        nice_log_values(min, max, low, high)
    };
    let labels = values.iter().map(|&v| log_label(v)).collect();
    Ticks { values, labels }
}

/// Every `stride`-th decade, from a multiple of the stride at or below `low` to one at or
/// above `high`.
fn strided_decades(low: i32, high: i32) -> Vec<f64> {
    let stride = ((high - low) as usize).div_ceil(MAX_TICKS - 1) as i32;
    let low = low.div_euclid(stride) * stride;
    let high = -((-high).div_euclid(stride) * stride);
    (low..=high).step_by(stride as usize).map(pow10).collect()
}

fn nice_log_values(min: f64, max: f64, low: i32, high: i32) -> Vec<f64> {
    // The 1-2-5 values from a decade below to a decade above the data, ascending.
    let candidates: Vec<f64> = (low - 1..=high + 1)
        .flat_map(|decade| STEP_MANTISSAS.map(|m| decimal(m, decade)))
        .collect();
    let mut lower = candidates
        .iter()
        .rposition(|&c| c <= min)
        .expect("10^(low-1) <= min");
    let mut upper = candidates
        .iter()
        .position(|&c| c >= max)
        .expect("10^(high+1) >= max");
    if lower == upper {
        lower -= 1;
        upper += 1;
    }
    let (first, last) = (candidates[lower], candidates[upper]);
    let inside = &candidates[lower..=upper];
    if (last / first).log10() <= 2.0 + 1e-9 {
        return inside.to_vec();
    }
    let whole_decades = inside[1..inside.len() - 1]
        .iter()
        .copied()
        .filter(|&v| v == pow10(v.log10().round() as i32));
    std::iter::once(first)
        .chain(whole_decades)
        .chain([last])
        .collect()
}

/// `10^exponent`, exact for the exponents a chart meets and correctly rounded for negative ones.
fn pow10(exponent: i32) -> f64 {
    if exponent >= 0 {
        10f64.powi(exponent)
    } else {
        1.0 / 10f64.powi(-exponent)
    }
}

/// `digits × 10^exponent` as the double nearest the decimal, so 3 × 0.2 prints as 0.6.
fn decimal(digits: i64, exponent: i32) -> f64 {
    if exponent >= 0 {
        digits as f64 * pow10(exponent)
    } else {
        digits as f64 / pow10(-exponent)
    }
}

fn widen_degenerate(min: f64, max: f64) -> (f64, f64) {
    if !(min.is_finite() && max.is_finite()) {
        return (0.0, 1.0);
    }
    // Keep the span itself finite.
    let (min, max) = (min.clamp(-1e300, 1e300), max.clamp(-1e300, 1e300));
    let (min, max) = if min <= max { (min, max) } else { (max, min) };
    let magnitude = min.abs().max(max.abs());
    if max - min > (magnitude * 1e-9).max(MIN_SPAN) {
        return (min, max);
    }
    let centre = (min + max) / 2.0;
    let half_width = if centre == 0.0 {
        1.0
    } else {
        (centre.abs() * 0.1).max(MIN_SPAN)
    };
    (centre - half_width, centre + half_width)
}

fn decade_at_or_below(value: f64) -> i32 {
    let mut decade = value.log10().floor() as i32;
    while decade > -330 && pow10(decade) > value {
        decade -= 1;
    }
    while decade < 330 && pow10(decade + 1) <= value {
        decade += 1;
    }
    decade
}

fn decade_at_or_above(value: f64) -> i32 {
    let mut decade = value.log10().ceil() as i32;
    while decade < 330 && pow10(decade) < value {
        decade += 1;
    }
    while decade > -330 && pow10(decade - 1) >= value {
        decade -= 1;
    }
    decade
}

fn uses_scientific(largest: f64, step: f64) -> bool {
    largest >= 1e6 || step < 1e-4
}

fn linear_labels(values: &[f64], step_exponent: i32) -> Vec<String> {
    let largest = values.iter().fold(0f64, |m, v| m.max(v.abs()));
    let step = pow10(step_exponent);
    if uses_scientific(largest, step) {
        return values.iter().map(|&v| scientific_label(v)).collect();
    }
    let decimals = (-step_exponent).max(0) as usize;
    values.iter().map(|v| format!("{v:.decimals$}")).collect()
}

fn log_label(value: f64) -> String {
    if uses_scientific(value, value) {
        scientific_label(value)
    } else {
        format!("{value}")
    }
}

fn scientific_label(value: f64) -> String {
    if value == 0.0 {
        "0".to_string()
    } else {
        format!("{value:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn unit_range_ticks_by_fifths() {
        let ticks = linear_ticks(0.0, 1.0);
        assert_eq!(ticks.values, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(ticks.labels, vec!["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
    }

    #[test]
    fn range_to_seven_point_three_ticks_by_twos_and_extends() {
        // Step 1 would need 0..8 = 9 ticks (> 7); step 2 needs 0..8 = 5.
        let ticks = linear_ticks(0.0, 7.3);
        assert_eq!(ticks.values, vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(ticks.labels, vec!["0", "2", "4", "6", "8"]);
    }

    #[test]
    fn offset_and_negative_ranges() {
        // 0.5 spans 2.5..5.5 in 7 ticks; 0.25 is not a nice step.
        assert_eq!(
            linear_ticks(2.6, 5.4).values,
            vec![2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5]
        );
        assert_eq!(
            linear_ticks(-3.0, 3.0).values,
            vec![-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
        );
        assert_eq!(
            linear_ticks(-0.03, 0.01).labels,
            vec!["-0.03", "-0.02", "-0.01", "0.00", "0.01"]
        );
    }

    #[test]
    fn degenerate_ranges_are_widened() {
        // 5 ± 0.5 -> step 0.2 from 4.4 to 5.6.
        let ticks = linear_ticks(5.0, 5.0);
        assert_eq!(ticks.values, vec![4.4, 4.6, 4.8, 5.0, 5.2, 5.4, 5.6]);
        assert_eq!(
            linear_ticks(0.0, 0.0).values,
            vec![-1.0, -0.5, 0.0, 0.5, 1.0]
        );
        assert_eq!(
            linear_ticks(f64::NAN, 3.0).values,
            linear_ticks(0.0, 1.0).values
        );
    }

    #[test]
    fn large_and_tiny_values_use_scientific_labels() {
        let ticks = linear_ticks(0.0, 3e6);
        assert_eq!(ticks.values, vec![0.0, 5e5, 1e6, 1.5e6, 2e6, 2.5e6, 3e6]);
        assert_eq!(
            ticks.labels,
            vec!["0", "5e5", "1e6", "1.5e6", "2e6", "2.5e6", "3e6"]
        );
        assert_eq!(linear_ticks(0.0, 3e-5).labels[1], "5e-6");
    }

    #[test]
    fn log_ticks_by_decade() {
        let ticks = log_ticks(1.0, 1000.0);
        assert_eq!(ticks.values, vec![1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(ticks.labels, vec!["1", "10", "100", "1000"]);
        // The ends tighten to the nearest 1-2-5 values around the data.
        assert_eq!(log_ticks(3.0, 700.0).values, vec![2.0, 10.0, 100.0, 1000.0]);
        assert_eq!(
            log_ticks(0.002, 0.9).labels,
            vec!["0.002", "0.01", "0.1", "1"]
        );
        assert_eq!(
            log_ticks(41.0, 1400.0).values,
            vec![20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0]
        );
        assert_eq!(
            log_ticks(41.0, 2100.0).values,
            vec![20.0, 100.0, 1000.0, 5000.0]
        );
    }

    #[test]
    fn narrow_log_ranges_tick_at_one_two_five() {
        assert_eq!(log_ticks(20.0, 80.0).values, vec![20.0, 50.0, 100.0]);
        assert_eq!(
            log_ticks(4.0, 64.0).values,
            vec![2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
        );
        assert_eq!(log_ticks(0.3, 0.4).labels, vec!["0.2", "0.5"]);
        // A single value gets a neighbour on each side.
        assert_eq!(log_ticks(100.0, 100.0).values, vec![50.0, 100.0, 200.0]);
        assert_eq!(log_ticks(30.0, 30.0).values, vec![20.0, 50.0]);
    }

    #[test]
    fn wide_log_ranges_skip_decades() {
        // 12 decades, at most 7 ticks: every second decade.
        let ticks = log_ticks(1e-6, 1e6);
        assert_eq!(ticks.values, vec![1e-6, 1e-4, 1e-2, 1.0, 1e2, 1e4, 1e6]);
        assert_eq!(
            ticks.labels,
            vec!["1e-6", "0.0001", "0.01", "1", "100", "10000", "1e6"]
        );
    }

    proptest! {
        #[test]
        fn linear_ticks_stay_finite(a in proptest::num::f64::ANY, b in proptest::num::f64::ANY) {
            let ticks = linear_ticks(a, b);
            prop_assert!(ticks.values.len() >= 2);
            prop_assert!(ticks.values.iter().all(|v| v.is_finite()), "{:?}", ticks.values);
            prop_assert!(ticks.values.windows(2).all(|p| p[0] < p[1]), "{:?}", ticks.values);
        }

        #[test]
        fn linear_ticks_cover_the_data_with_few_even_steps(a in -1e9f64..1e9, b in -1e9f64..1e9) {
            let ticks = linear_ticks(a, b);
            let n = ticks.values.len();
            prop_assert!((2..=MAX_TICKS).contains(&n), "{} ticks", n);
            prop_assert_eq!(ticks.labels.len(), n);
            let step = ticks.values[1] - ticks.values[0];
            prop_assert!(ticks.first() <= a.min(b) + step * 1e-6);
            prop_assert!(ticks.last() >= a.max(b) - step * 1e-6);
            for pair in ticks.values.windows(2) {
                prop_assert!(((pair[1] - pair[0]) - step).abs() <= step * 1e-6);
            }
        }

        #[test]
        fn log_ticks_stay_finite(a in proptest::num::f64::POSITIVE, b in proptest::num::f64::POSITIVE) {
            let ticks = log_ticks(a.min(b), a.max(b));
            prop_assert!(ticks.values.iter().all(|v| v.is_finite() && *v > 0.0), "{:?}", ticks.values);
        }

        #[test]
        fn log_ticks_cover_the_data(a in 1e-12f64..1e12, b in 1e-12f64..1e12) {
            let ticks = log_ticks(a.min(b), a.max(b));
            prop_assert!(ticks.values.len() >= 2 && ticks.values.len() <= MAX_TICKS + 1);
            prop_assert!(ticks.first() <= a.min(b));
            prop_assert!(ticks.last() >= a.max(b));
            prop_assert!(ticks.values.windows(2).all(|p| p[0] < p[1]));
        }
    }
}
