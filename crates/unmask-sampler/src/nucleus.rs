//! The top-p nucleus in linear time: a quickselect on probability mass instead of a sort.

/// Ranges this short are finished by sorting.
const SORT_BELOW: usize = 32;

/// Puts the nucleus first in `order` and returns its length: the fewest tokens of largest
/// weight whose weights sum to at least `mass` (all tokens if none do); `total` is the sum of
/// all weights. The nucleus comes out unsorted, which does not matter for sampling.
///
/// Tokens lighter than `(total - mass) / vocab` are dropped first: together they weigh less
/// than `total - mass`, so none can be needed. Of a peaked distribution that leaves a few
/// hundred candidates. Each round partitions the undecided tokens around a pivot weight into heavier, equal and
/// lighter ones, keeps the heavier ones when they hold the mass still needed, and otherwise
/// takes them (and the equal ones) and goes on in the lighter ones: expected O(vocab).
pub(crate) fn nucleus(weights: &[f32], mass: f64, total: f64, order: &mut Vec<u32>) -> usize {
    let light = ((total - mass) / weights.len() as f64) as f32;
    order.clear();
    order.extend((0..weights.len() as u32).filter(|&i| weights[i as usize] >= light));
    let weight = |id: u32| weights[id as usize];
    let (mut lo, mut hi) = (0, order.len());
    let mut need = mass;
    while hi - lo > SORT_BELOW {
        let range = &mut order[lo..hi];
        let pivot = median_of_three(
            weight(range[0]),
            weight(range[range.len() / 2]),
            weight(range[range.len() - 1]),
        );
        let (heavier, not_lighter) = partition(range, weights, pivot);
        let heavy_mass: f64 = range[..heavier].iter().map(|&i| weight(i) as f64).sum();
        if heavier > 0 && heavy_mass >= need {
            hi = lo + heavier;
            continue;
        }
        let equal = not_lighter - heavier;
        let equal_mass = pivot as f64 * equal as f64;
        if heavy_mass + equal_mass >= need {
            let taken = ((need - heavy_mass) / pivot as f64).ceil() as usize;
            return lo + heavier + taken.clamp(1, equal);
        }
        need -= heavy_mass + equal_mass;
        lo += not_lighter;
    }
    let rest = &mut order[lo..hi];
    rest.sort_unstable_by(|&a, &b| weight(b).total_cmp(&weight(a)));
    let mut cumulative = 0.0;
    for (j, &id) in rest.iter().enumerate() {
        cumulative += weight(id) as f64;
        if cumulative >= need {
            return lo + j + 1;
        }
    }
    hi
}

fn median_of_three(a: f32, b: f32, c: f32) -> f32 {
    a.max(b).min(a.min(b).max(c))
}

/// Reorders `ids` into weight > pivot, == pivot, < pivot; returns the ends of the first two parts.
fn partition(ids: &mut [u32], weights: &[f32], pivot: f32) -> (usize, usize) {
    let (mut heavier, mut scan, mut lighter) = (0, 0, ids.len());
    while scan < lighter {
        let w = weights[ids[scan] as usize];
        if w > pivot {
            ids.swap(heavier, scan);
            heavier += 1;
            scan += 1;
        } else if w < pivot {
            lighter -= 1;
            ids.swap(scan, lighter);
        } else {
            scan += 1;
        }
    }
    (heavier, lighter)
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// The nucleus by a full sort.
    fn sorted_nucleus(weights: &[f32], mass: f64) -> Vec<u32> {
        let mut ids: Vec<u32> = (0..weights.len() as u32).collect();
        ids.sort_by(|&a, &b| weights[b as usize].total_cmp(&weights[a as usize]));
        let mut cumulative = 0.0;
        for (j, &id) in ids.iter().enumerate() {
            cumulative += weights[id as usize] as f64;
            if cumulative >= mass {
                ids.truncate(j + 1);
                return ids;
            }
        }
        ids
    }

    #[test]
    fn matches_a_full_sort() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut order = Vec::new();
        for trial in 0..200 {
            let vocab = rng.random_range(1..3_000);
            let spread = rng.random_range(0.1f32..12.0);
            let weights: Vec<f32> = (0..vocab)
                .map(|_| (-rng.random::<f32>() * spread).exp())
                .collect();
            let total: f64 = weights.iter().map(|&w| w as f64).sum();
            let mass = rng.random_range(0.0..1.0) * total;
            let len = nucleus(&weights, mass, total, &mut order);
            let mut got = order[..len].to_vec();
            got.sort_unstable();
            let mut want = sorted_nucleus(&weights, mass);
            want.sort_unstable();
            assert_eq!(got, want, "trial {trial}");
        }
    }

    #[test]
    fn ties_and_degenerate_masses() {
        let mut order = Vec::new();
        // 100 equal weights: 0.5 of the mass needs exactly 50 of them.
        let flat = vec![0.25f32; 100];
        assert_eq!(nucleus(&flat, 12.5, 25.0, &mut order), 50);
        assert_eq!(nucleus(&flat, 12.6, 25.0, &mut order), 51);
        assert_eq!(nucleus(&flat, 0.0, 25.0, &mut order), 1);
        assert_eq!(nucleus(&flat, 25.0, 25.0, &mut order), 100);
        let mut with_zeros = vec![0.0f32; 90];
        with_zeros.extend([1.0, 0.5]);
        assert_eq!(nucleus(&with_zeros, 1.2, 1.5, &mut order), 2);
        let mut head = order[..2].to_vec();
        head.sort_unstable();
        assert_eq!(head, [90, 91]);
    }
}
