//! `exp` for the shifted logits of a softmax (arguments <= 0), written so that loops over
//! slices auto-vectorise (the standard `f32::exp` is a scalar library call per element).

/// Below this the result is 0 (exp(-87.3) is the smallest normal f32).
const UNDERFLOW: f32 = -87.0;

/// `e^x` for `x <= 0` with a relative error of a few ulp (Cephes' `expf`); exactly 0 for
/// `x < -87`, which includes `-inf` (forbidden tokens keep weight 0).
#[inline(always)]
pub(crate) fn exp_nonpositive(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer without a library call.
    const ROUND: f32 = 12_582_912.0;
    let clamped = if x < UNDERFLOW { UNDERFLOW } else { x };
    // After adding 1.5 * 2^23 the float's low mantissa bits hold round(x log2 e) as an integer.
    let shifted = clamped * LOG2E + ROUND;
    let n = shifted - ROUND;
    let r = clamped - n * LN2_HI - n * LN2_LO;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 0.166_666_65)
        * r
        + 0.5;
    let poly = p * r * r + r + 1.0;
    let exponent = (shifted.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32) + 127;
    let scale = f32::from_bits((exponent as u32) << 23);
    if x < UNDERFLOW { 0.0 } else { poly * scale }
}

/// `out[i] = exp_nonpositive((row[i] - shift) * scale)` for every token: the vectorised pass
/// behind every softmax weight.
#[inline]
pub(crate) fn exp_row(row: &[f32], shift: f32, scale: f32, out: &mut Vec<f32>) {
    out.clear();
    out.extend(row.iter().map(|&l| exp_nonpositive((l - shift) * scale)));
}

/// Sum of f32 values in f64, with independent accumulators so the loop vectorises.
#[inline]
pub(crate) fn sum_f64(values: &[f32]) -> f64 {
    let mut lanes = [0.0f64; 8];
    let chunks = values.chunks_exact(8);
    let tail: f64 = chunks.remainder().iter().map(|&v| v as f64).sum();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += v as f64;
        }
    }
    lanes.iter().sum::<f64>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_std_exp_on_the_softmax_range() {
        let mut worst = 0.0f64;
        for i in 0..=200_000 {
            let x = -87.0 * i as f32 / 200_000.0;
            let want = (x as f64).exp();
            let got = exp_nonpositive(x) as f64;
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 5e-7, "relative error {worst}");
        assert_eq!(exp_nonpositive(0.0), 1.0);
    }

    #[test]
    fn underflow_and_minus_infinity_are_zero() {
        assert_eq!(exp_nonpositive(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_nonpositive(-1e6), 0.0);
        assert_eq!(exp_nonpositive(-87.5), 0.0);
    }

    #[test]
    fn sums_like_a_plain_loop() {
        let values: Vec<f32> = (0..1003).map(|i| (i as f32 * 0.37).sin().abs()).collect();
        let plain: f64 = values.iter().map(|&v| v as f64).sum();
        assert!((sum_f64(&values) - plain).abs() < 1e-9);
    }
}
