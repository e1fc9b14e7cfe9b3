//! The Markdown report and its directory.

use std::fs;

use unmask_report::{Cell, LineChart, Report, ReportError, Table, check_svg};

fn perplexity_table() -> Table {
    let mut table = Table::new(["model", "perplexity"]);
    table
        .push_row([Cell::text("roberta-base"), 12.3456.into()])
        .unwrap();
    table.push_row([Cell::text("gpt|2"), 20.0.into()]).unwrap();
    table
}

#[test]
fn write_puts_report_and_files_in_the_directory() {
    let chart = LineChart::new("Loss").series("train", [(0.0, 3.0), (1.0, 2.0)]);
    let ppl = LineChart::new("Perplexity").series("m", [(1.0, 3.0), (2.0, 2.5)]);
    let mut report = Report::new("Run 1");
    report
        .paragraph("Some *Markdown*.")
        .figure("loss.svg", "Training loss", &chart)
        .unwrap()
        .figure("ppl.svg", "Perplexity", &ppl)
        .unwrap()
        .table_with_csv(&perplexity_table(), "ppl.csv")
        .unwrap()
        .json("config.json", &serde_json::json!({"steps": 10}))
        .unwrap()
        .code_block("sh", "cargo run -p experiments -- report");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports").join("run1");
    let report_path = report.write(&out).unwrap();
    assert_eq!(report_path, out.join("report.md"));

    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["config.json", "loss.svg", "ppl.csv", "ppl.svg", "report.md"]
    );

    let markdown = fs::read_to_string(&report_path).unwrap();
    assert_eq!(markdown, report.to_markdown());
    assert!(markdown.starts_with("# Run 1\n\nSome *Markdown*.\n"));
    assert!(markdown.contains("![Training loss](loss.svg)\n\n*Figure 1: Training loss*"));
    assert!(markdown.contains("*Figure 2: Perplexity*"));
    assert!(
        markdown.contains("| gpt\\|2       |      20.00 |"),
        "{markdown}"
    );
    assert!(markdown.contains("Raw numbers: [ppl.csv](ppl.csv)"));
    assert!(markdown.contains("Raw data: [config.json](config.json)"));
    assert!(markdown.contains("```sh\ncargo run -p experiments -- report\n```\n"));
    assert_eq!(
        fs::read_to_string(out.join("ppl.csv")).unwrap(),
        perplexity_table().to_csv()
    );
    assert_eq!(
        fs::read_to_string(out.join("config.json")).unwrap(),
        "{\n  \"steps\": 10\n}\n"
    );
    let loss = check_svg(&fs::read_to_string(out.join("loss.svg")).unwrap()).unwrap();
    assert!(loss.has_text("Loss") && loss.has_text("train"));
}

#[test]
fn sample_texts_are_quoted_and_escaped_with_line_breaks_kept() {
    let mut report = Report::new("s");
    report.sample(
        "seed <1>",
        "# The <mask> sat\n- on *the* mat | 1. done\n\n2. end",
    );
    let markdown = report.to_markdown();
    let expected = "**seed \\<1\\>**\n\n\
                    > \\# The \\<mask\\> sat\\\n\
                    > \\- on \\*the\\* mat \\| 1. done\n\
                    >\n\
                    > 2\\. end\n";
    assert!(markdown.ends_with(expected), "{markdown}");
    report.sample("empty", "\n\n");
    assert!(report.to_markdown().ends_with("**empty**\n\n> *(empty)*\n"));
}

#[test]
fn code_fences_outgrow_backticks_in_the_code() {
    let mut report = Report::new("c");
    report.code_block("rust`", "let s = \"```\";");
    assert!(
        report
            .to_markdown()
            .ends_with("````rust\nlet s = \"```\";\n````\n")
    );
}

#[test]
fn titles_and_headings_are_escaped() {
    let mut report = Report::new("a *b*");
    report.heading("x | y");
    assert_eq!(report.to_markdown(), "# a \\*b\\*\n\n## x \\| y\n");
}

#[test]
fn bad_file_names_are_refused() {
    let chart = LineChart::new("c");
    let mut report = Report::new("r");
    for name in [
        "",
        "../x.svg",
        "dir/x.svg",
        ".hidden.svg",
        "report.md",
        "x.png",
        "a b.svg",
    ] {
        let error = report.figure(name, "c", &chart).unwrap_err();
        assert!(
            matches!(error, ReportError::InvalidFileName { .. }),
            "{name}: {error}"
        );
    }
    report.figure("x.svg", "c", &chart).unwrap();
    assert!(matches!(
        report.figure("x.svg", "c", &chart),
        Err(ReportError::DuplicateFileName(_))
    ));
    assert!(
        report
            .table_with_csv(&perplexity_table(), "x.json")
            .is_err()
    );
    assert_eq!(report.files().len(), 1);
}

#[test]
fn invalid_figures_are_refused() {
    let mut report = Report::new("r");
    assert!(matches!(
        report.figure("a.svg", "c", "<svg>"),
        Err(ReportError::InvalidSvg(_))
    ));
    assert!(matches!(
        report.figure(
            "b.svg",
            "c",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a < b</text></svg>"
        ),
        Err(ReportError::InvalidSvg(_))
    ));
    assert!(report.files().is_empty());
}

#[test]
fn writing_into_a_file_path_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    fs::write(&file, "x").unwrap();
    let message = Report::new("r").write(&file).unwrap_err().to_string();
    assert!(message.contains("taken"), "{message}");
}
