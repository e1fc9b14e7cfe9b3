//! Line charts (drawn with plotters): well-formed SVG for every kind of input, every name and
//! label shown, markers, error bars, gaps, log axes, deterministic bytes, escaping.

use proptest::prelude::*;
use unmask_report::{LineChart, check_svg};

/// The first two palette colours, as plotters writes them.
const FIRST: &str = "#0072B2";
const SECOND: &str = "#D55E00";

fn three_series_chart() -> LineChart {
    LineChart::new("Loss by schedule")
        .x_label("step")
        .y_label("loss")
        .series(
            "linear",
            (0..50).map(|i| (i as f64 * 10.0, 4.0 / (1.0 + i as f64 * 0.1))),
        )
        .series(
            "cosine",
            (0..50).map(|i| (i as f64 * 10.0, 3.8 / (1.0 + i as f64 * 0.12))),
        )
        .series(
            "log-linear",
            (0..50).map(|i| (i as f64 * 10.0, 4.2 / (1.0 + i as f64 * 0.08))),
        )
}

/// `<polyline>`s drawn in `colour` with `width`: a series' line pieces and its legend swatch
/// (width 2), or its error bars and their caps (width 1).
fn polylines(svg: &str, colour: &str, width: u32) -> usize {
    svg.lines()
        .filter(|l| l.starts_with("<polyline"))
        .filter(|l| l.contains(&format!("stroke=\"{colour}\"")))
        .filter(|l| l.contains(&format!("stroke-width=\"{width}\"")))
        .count()
}

/// The largest tick label that is a number.
fn top_tick(svg: &str) -> f64 {
    check_svg(svg)
        .unwrap()
        .text_contents
        .iter()
        .filter_map(|t| t.parse::<f64>().ok())
        .fold(f64::MIN, f64::max)
}

#[test]
fn a_chart_shows_its_title_axis_labels_and_every_series_name() {
    let svg = three_series_chart().to_svg();
    let summary = check_svg(&svg).unwrap();
    for text in [
        "Loss by schedule",
        "step",
        "loss",
        "linear",
        "cosine",
        "log-linear",
    ] {
        assert!(
            summary.has_text(text),
            "missing text {text:?}: {:?}",
            summary.text_contents
        );
    }
    // One line per series plus its legend swatch; no markers unless asked.
    assert_eq!(polylines(&svg, FIRST, 2), 2);
    assert_eq!(polylines(&svg, SECOND, 2), 2);
    assert_eq!(summary.count("circle"), 0);
    // Tick labels on both axes.
    assert!(
        summary.has_text("0") && summary.has_text("400"),
        "{:?}",
        summary.text_contents
    );
    assert_eq!((summary.width, summary.height), (720.0, 420.0));
}

#[test]
fn charts_are_byte_for_byte_deterministic() {
    assert_eq!(three_series_chart().to_svg(), three_series_chart().to_svg());
}

#[test]
fn size_is_clamped() {
    let summary = check_svg(&three_series_chart().size(50.0, f64::NAN).to_svg()).unwrap();
    assert_eq!((summary.width, summary.height), (160.0, 420.0));
}

#[test]
fn markers_mark_every_point() {
    let svg = LineChart::new("m")
        .series("a", [(0.0, 1.0), (1.0, 2.0), (2.0, 1.5)])
        .markers(true)
        .to_svg();
    // Three on the line plus one in the legend swatch.
    assert_eq!(check_svg(&svg).unwrap().count("circle"), 4);
}

#[test]
fn nan_and_infinite_points_are_skipped_and_break_the_line() {
    let svg = LineChart::new("gaps")
        .series(
            "a",
            [
                (0.0, 1.0),
                (1.0, f64::NAN),
                (2.0, 3.0),
                (3.0, 2.0),
                (f64::INFINITY, 5.0),
            ],
        )
        .series("all bad", [(f64::NAN, f64::NAN), (0.0, f64::NEG_INFINITY)])
        .to_svg();
    let summary = check_svg(&svg).unwrap();
    assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    // The isolated first point is a marker; the next two a line; plus the legend swatch.
    assert_eq!(polylines(&svg, FIRST, 2), 2);
    assert_eq!(summary.count("circle"), 1);
    // The series with no drawable point is not drawn but stays in the legend.
    assert_eq!(polylines(&svg, SECOND, 2), 1);
    assert!(summary.has_text("all bad"));
}

#[test]
fn a_single_point_is_drawn_as_a_marker_on_widened_axes() {
    let svg = LineChart::new("one").series("p", [(3.0, 7.0)]).to_svg();
    let summary = check_svg(&svg).unwrap();
    assert_eq!(summary.count("circle"), 1);
    assert_eq!(polylines(&svg, FIRST, 2), 1, "only the legend swatch");
    // Both axes are widened around the point: 3 ± 0.3 and 7 ± 0.7.
    assert!(
        summary.has_text("3") && summary.has_text("7"),
        "{:?}",
        summary.text_contents
    );
}

#[test]
fn empty_charts_say_no_data() {
    let charts = [
        LineChart::new("nothing").to_svg(),
        LineChart::new("empty series").series("a", []).to_svg(),
        LineChart::new("only NaN")
            .series("a", [(f64::NAN, 1.0)])
            .to_svg(),
        LineChart::new("log of negatives")
            .series("a", [(1.0, -1.0), (2.0, 0.0)])
            .log_y(true)
            .to_svg(),
    ];
    for svg in charts {
        let summary = check_svg(&svg).unwrap();
        assert!(summary.has_text("no data"), "{svg}");
        assert_eq!(summary.count("polyline") + summary.count("circle"), 0);
    }
}

#[test]
fn log_scale_ticks_by_decade_and_drops_non_positive_values() {
    let svg = LineChart::new("perplexity")
        .series("ppl", [(0.0, 1.0), (1.0, 1000.0), (2.0, 0.0), (3.0, 30.0)])
        .log_y(true)
        .to_svg();
    let summary = check_svg(&svg).unwrap();
    for label in ["1", "10", "100", "1000", "2", "50"] {
        assert!(
            summary.has_text(label),
            "{label}: {:?}",
            summary.text_contents
        );
    }
    assert!(!summary.has_text("30"), "only 1, 2 and 5 are labelled");
    // The zero breaks the line: (0, 1)-(1, 1000) is a line, (3, 30) alone a marker.
    assert_eq!(polylines(&svg, FIRST, 2), 2);
    assert_eq!(summary.count("circle"), 1);
}

#[test]
fn xml_special_characters_are_escaped_everywhere() {
    let nasty = r#"<&> "quoted" 'single'"#;
    let svg = LineChart::new(nasty)
        .x_label(nasty)
        .y_label(nasty)
        .series(nasty, [(0.0, 1.0), (1.0, 2.0)])
        .to_svg();
    assert!(svg.contains("&lt;&amp;&gt;"), "{svg}");
    let summary = check_svg(&svg).unwrap();
    // Title, both axis labels, the legend.
    assert_eq!(
        summary.text_contents.iter().filter(|t| *t == nasty).count(),
        4
    );
}

#[test]
fn write_creates_the_file_or_names_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loss.svg");
    three_series_chart().write(&path).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        three_series_chart().to_svg()
    );
    let missing = dir.path().join("no-such-dir").join("loss.svg");
    let message = three_series_chart()
        .write(&missing)
        .unwrap_err()
        .to_string();
    assert!(message.contains("no-such-dir"), "{message}");
}

#[test]
fn series_after_the_eighth_repeat_colours_dashed() {
    let mut chart = LineChart::new("many");
    for i in 0..10 {
        chart = chart.series(format!("s{i}"), [(0.0, i as f64), (1.0, i as f64 + 1.0)]);
    }
    let svg = chart.to_svg();
    let summary = check_svg(&svg).unwrap();
    assert!((0..10).all(|i| summary.has_text(&format!("s{i}"))));
    // s0: one line and a swatch; s8, in the same colour: many dashes and a swatch.
    assert!(
        polylines(&svg, FIRST, 2) > 4,
        "{}",
        polylines(&svg, FIRST, 2)
    );
    assert_eq!(polylines(&svg, "#F0E442", 2), 2, "s7 in the last colour");
}

#[test]
fn error_bars_are_drawn_and_widen_the_y_axis() {
    let plain = LineChart::new("loss").series("a", [(0.0, 1.0), (1.0, 2.0)]);
    let with_bars =
        LineChart::new("loss").series_with_errors("a", [(0.0, 1.0, 0.0), (1.0, 2.0, 5.0)]);
    let svg = with_bars.to_svg();
    assert!(check_svg(&svg).unwrap().has_text("a"));
    // One bar (the zero error draws none): a vertical line and two caps.
    assert_eq!(polylines(&svg, FIRST, 1), 3);
    assert_eq!(polylines(&plain.to_svg(), FIRST, 1), 0);
    // The axis reaches y + e = 7: a tick label of 6 or more appears only with the bars.
    assert!(top_tick(&svg) >= 6.0, "top tick {}", top_tick(&svg));
    assert!(top_tick(&plain.to_svg()) < 3.0);
}

fn any_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -1e6f64..1e6,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(0.0),
        1 => proptest::num::f64::ANY,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_line_chart_is_valid_svg_naming_every_series(
        series in prop::collection::vec(prop::collection::vec((any_value(), any_value(), any_value()), 0..20), 0..5),
        log_x in any::<bool>(),
        log_y in any::<bool>(),
        markers in any::<bool>(),
    ) {
        let mut chart = LineChart::new("t").log_x(log_x).log_y(log_y).markers(markers);
        for (i, points) in series.iter().enumerate() {
            chart = chart.series_with_errors(format!("s{i}"), points.iter().copied());
        }
        let svg = chart.to_svg();
        let summary = check_svg(&svg);
        prop_assert!(summary.is_ok(), "{:?}\n{}", summary, svg);
        let summary = summary.unwrap();
        if !summary.has_text("no data") {
            for i in 0..series.len() {
                prop_assert!(summary.has_text(&format!("s{i}")), "{}", svg);
            }
        }
    }
}
