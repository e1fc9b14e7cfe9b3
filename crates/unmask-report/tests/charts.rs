//! Line and bar charts: valid SVG for every kind of input, deterministic bytes, escaping.

use proptest::prelude::*;
use unmask_report::{BarChart, LineChart, ReportError, check_svg};

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

#[test]
fn line_chart_draws_one_path_per_series_with_labels_and_legend() {
    let summary = check_svg(&three_series_chart().to_svg()).unwrap();
    assert_eq!(summary.paths, 3);
    assert_eq!(summary.series_names(), ["linear", "cosine", "log-linear"]);
    assert!(summary.series.iter().all(|s| s.elements == 1));
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
    assert_eq!(summary.circles, 0, "no markers unless asked");
    assert_eq!((summary.width, summary.height), (720.0, 420.0));
}

#[test]
fn charts_are_byte_for_byte_deterministic() {
    assert_eq!(three_series_chart().to_svg(), three_series_chart().to_svg());
    let bars = || {
        BarChart::new("b")
            .categories(["x", "y"])
            .series("s", [1.0, 2.0])
    };
    assert_eq!(bars().to_svg(), bars().to_svg());
}

#[test]
fn markers_mark_every_point() {
    let svg = LineChart::new("m")
        .series("a", [(0.0, 1.0), (1.0, 2.0), (2.0, 1.5)])
        .markers(true)
        .to_svg();
    let summary = check_svg(&svg).unwrap();
    // Three on the line plus one in the legend swatch.
    assert_eq!(summary.circles, 4);
}

#[test]
fn nan_and_infinite_points_are_skipped_and_break_the_line() {
    let chart = LineChart::new("gaps")
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
        .series("all bad", [(f64::NAN, f64::NAN), (0.0, f64::NEG_INFINITY)]);
    let svg = chart.to_svg();
    let summary = check_svg(&svg).unwrap();
    assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    // The series with no drawable point gets no path but stays in the legend.
    assert_eq!(summary.series_names(), ["a"]);
    assert!(summary.has_text("all bad"));
    let path = svg
        .lines()
        .find(|l| l.contains("data-series=\"a\""))
        .unwrap();
    assert_eq!(
        path.matches('M').count(),
        2,
        "the NaN splits the line: {path}"
    );
    // The isolated first point gets a marker so it stays visible.
    assert_eq!(summary.circles, 1);
}

#[test]
fn a_single_point_is_drawn_as_a_marker() {
    let summary = check_svg(&LineChart::new("one").series("p", [(3.0, 7.0)]).to_svg()).unwrap();
    assert_eq!(summary.paths, 1);
    assert_eq!(summary.circles, 1);
    // Both axes are widened around the point: 3 ± 0.3 and 7 ± 0.7.
    assert!(
        summary.has_text("3.0") && summary.has_text("7.0"),
        "{:?}",
        summary.text_contents
    );
}

#[test]
fn equal_y_values_get_a_widened_axis() {
    let svg = LineChart::new("flat")
        .series("c", [(0.0, 5.0), (1.0, 5.0), (2.0, 5.0)])
        .to_svg();
    let summary = check_svg(&svg).unwrap();
    for label in ["4.4", "5.0", "5.6"] {
        assert!(
            summary.has_text(label),
            "{label}: {:?}",
            summary.text_contents
        );
    }
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
        BarChart::new("no categories").series("a", []).to_svg(),
        BarChart::new("no series").categories(["x"]).to_svg(),
        BarChart::new("NaN bars")
            .categories(["x"])
            .series("a", [f64::NAN])
            .to_svg(),
    ];
    for svg in charts {
        let summary = check_svg(&svg).unwrap();
        assert!(summary.has_text("no data"), "{svg}");
        assert_eq!(summary.paths + summary.circles, 0);
        assert!(summary.series.is_empty());
    }
}

#[test]
fn log_scale_ticks_by_decade_and_drops_non_positive_values() {
    let svg = LineChart::new("perplexity")
        .series("ppl", [(0.0, 1.0), (1.0, 1000.0), (2.0, 0.0), (3.0, 30.0)])
        .log_y(true)
        .to_svg();
    let summary = check_svg(&svg).unwrap();
    for label in ["1", "10", "100", "1000"] {
        assert!(
            summary.has_text(label),
            "{label}: {:?}",
            summary.text_contents
        );
    }
    let path = svg.lines().find(|l| l.contains("data-series")).unwrap();
    assert_eq!(
        path.matches('M').count(),
        2,
        "the zero breaks the line: {path}"
    );
}

#[test]
fn xml_special_characters_are_escaped_everywhere() {
    let nasty = r#"<&> "quoted" 'single'"#;
    let line = LineChart::new(nasty)
        .x_label(nasty)
        .y_label(nasty)
        .series(nasty, [(0.0, 1.0), (1.0, 2.0)]);
    let bars = BarChart::new(nasty)
        .x_label(nasty)
        .y_label(nasty)
        .categories([nasty])
        .series(nasty, [1.0]);
    for svg in [line.to_svg(), bars.to_svg()] {
        assert!(svg.contains("&lt;&amp;&gt;"), "{svg}");
        let summary = check_svg(&svg).unwrap();
        assert_eq!(summary.series_names(), [nasty]);
        assert!(summary.text_contents.iter().filter(|t| *t == nasty).count() >= 4);
    }
}

#[test]
fn bar_chart_draws_a_rect_per_value_in_groups() {
    let chart = BarChart::new("Perplexity per model")
        .categories(["SOTU", "Moby-Dick", "held-out"])
        .series("roberta-base", [12.0, 30.0, 18.0])
        .series("distilroberta", [15.0, 41.0, f64::NAN])
        .value_labels(true)
        .y_label("perplexity");
    let summary = check_svg(&chart.to_svg()).unwrap();
    assert_eq!(summary.series_names(), ["roberta-base", "distilroberta"]);
    assert_eq!(summary.series[0].elements, 3);
    assert_eq!(summary.series[1].elements, 2, "the NaN bar is not drawn");
    for text in ["SOTU", "Moby-Dick", "held-out", "12", "41"] {
        assert!(
            summary.has_text(text),
            "{text}: {:?}",
            summary.text_contents
        );
    }
}

#[test]
fn bars_start_at_zero_and_negative_bars_hang_below_it() {
    let svg = BarChart::new("delta")
        .categories(["a", "b"])
        .series("d", [2.0, -1.0])
        .to_svg();
    let rects: Vec<&str> = svg.lines().filter(|l| l.contains("data-series")).collect();
    let attr = |line: &str, name: &str| -> f64 {
        let start = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        line[start..].split('"').next().unwrap().parse().unwrap()
    };
    let (up, down) = (rects[0], rects[1]);
    // The positive bar ends where the negative one starts: at the zero line.
    assert!((attr(up, "y") + attr(up, "height") - attr(down, "y")).abs() < 0.02);
    assert!((attr(up, "height") - 2.0 * attr(down, "height")).abs() < 0.05);
}

#[test]
fn bar_length_mismatch_is_drawn_but_refused_on_write() {
    let chart = BarChart::new("m")
        .categories(["a", "b", "c"])
        .series("short", [1.0, 2.0]);
    let summary = check_svg(&chart.to_svg()).unwrap();
    assert_eq!(summary.series[0].elements, 2);
    let dir = tempfile::tempdir().unwrap();
    let error = chart.write(dir.path().join("m.svg")).unwrap_err();
    assert!(matches!(
        error,
        ReportError::BarLengthMismatch {
            values: 2,
            categories: 3,
            ..
        }
    ));
    assert!(error.to_string().contains("short"));
    assert!(!dir.path().join("m.svg").exists());
}

#[test]
fn long_category_labels_are_turned() {
    let long = "a rather long category name";
    let svg = BarChart::new("t")
        .categories([long, long, long, long, long])
        .series("s", [1.0; 5])
        .to_svg();
    check_svg(&svg).unwrap();
    assert!(svg.contains("rotate(-35"), "{svg}");
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
fn many_series_cycle_colours_with_dashes() {
    let mut chart = LineChart::new("many");
    for i in 0..10 {
        chart = chart.series(format!("s{i}"), [(0.0, i as f64), (1.0, i as f64 + 1.0)]);
    }
    let svg = chart.to_svg();
    assert_eq!(check_svg(&svg).unwrap().paths, 10);
    assert!(svg.contains("stroke-dasharray"));
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
    fn any_line_chart_is_valid_svg(
        series in prop::collection::vec(prop::collection::vec((any_value(), any_value()), 0..20), 0..5),
        log_x in any::<bool>(),
        log_y in any::<bool>(),
        markers in any::<bool>(),
    ) {
        let mut chart = LineChart::new("t").log_x(log_x).log_y(log_y).markers(markers);
        for (i, points) in series.into_iter().enumerate() {
            chart = chart.series(format!("s{i}"), points);
        }
        let svg = chart.to_svg();
        prop_assert!(check_svg(&svg).is_ok(), "{:?}\n{}", check_svg(&svg), svg);
    }

    #[test]
    fn any_bar_chart_is_valid_svg(
        values in prop::collection::vec(prop::collection::vec(any_value(), 0..6), 0..4),
        categories in 0usize..6,
        log_y in any::<bool>(),
        labels in any::<bool>(),
    ) {
        let mut chart = BarChart::new("t")
            .categories((0..categories).map(|c| format!("c{c}")))
            .log_y(log_y)
            .value_labels(labels);
        for (i, v) in values.into_iter().enumerate() {
            chart = chart.series(format!("s{i}"), v);
        }
        let svg = chart.to_svg();
        prop_assert!(check_svg(&svg).is_ok(), "{:?}\n{}", check_svg(&svg), svg);
    }
}

#[test]
fn error_bars_are_drawn_and_widen_the_y_axis() {
    let plain = LineChart::new("loss").series("a", [(0.0, 1.0), (1.0, 2.0)]);
    let with_bars =
        LineChart::new("loss").series_with_errors("a", [(0.0, 1.0, 0.0), (1.0, 2.0, 5.0)]);
    let svg = with_bars.to_svg();
    let summary = check_svg(&svg).unwrap();
    assert_eq!(summary.series_names(), ["a"]);
    // One bar (the zero error draws none): a vertical line and two caps.
    let bars = svg
        .split("class=\"error-bars\"")
        .nth(1)
        .expect("an error-bar path");
    let d = bars
        .split("d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(d.matches('M').count(), 3, "{d}");
    // The axis reaches y + e = 7: a tick label of 7 or more appears only with the bars.
    let labels = |svg: &str| -> f64 {
        svg.split("<text")
            .filter_map(|t| {
                t.split('>')
                    .nth(1)?
                    .split('<')
                    .next()?
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .fold(f64::MIN, f64::max)
    };
    assert!(labels(&svg) >= 7.0, "top tick {}", labels(&svg));
    assert!(labels(&plain.to_svg()) < 7.0);
    assert!(!plain.to_svg().contains("error-bars"));
}
