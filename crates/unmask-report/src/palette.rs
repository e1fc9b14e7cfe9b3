/// The Okabe-Ito colour-blind-safe palette, ordered so the first colours contrast best on white
/// (yellow, the palest, comes last).
pub const OKABE_ITO: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];

/// After the palette is used up, colours repeat with these dash patterns.
const DASHES: [Option<&str>; 4] = [None, Some("6 3"), Some("2 3"), Some("8 3 2 3")];

/// How the series at some index is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeriesStyle {
    pub(crate) colour: &'static str,
    pub(crate) dash: Option<&'static str>,
}

pub(crate) fn series_style(index: usize) -> SeriesStyle {
    SeriesStyle {
        colour: OKABE_ITO[index % OKABE_ITO.len()],
        dash: DASHES[(index / OKABE_ITO.len()) % DASHES.len()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_are_distinct_for_the_first_thirty_two_series() {
        let styles: Vec<_> = (0..32).map(series_style).collect();
        for (i, a) in styles.iter().enumerate() {
            assert!(styles[i + 1..].iter().all(|b| b != a), "style {i} repeats");
        }
    }
}
