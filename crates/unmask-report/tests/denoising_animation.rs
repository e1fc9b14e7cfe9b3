//! The denoising animation: a well-formed SVG, one frame per step, states in their colours.

use unmask_report::{CellState, DenoisingAnimation, MASK_GLYPH, MAX_FRAMES, check_svg};

const MASK: u32 = 0;

/// Token `id` reads as a word of its own.
fn word(id: u32) -> String {
    format!(" w{id}")
}

/// The `<g class="frame">` elements of `svg`, in order.
fn frames(svg: &str) -> Vec<&str> {
    svg.split(r#"<g class="frame""#).skip(1).collect()
}

/// The fill of the `<tspan>` whose text is exactly `text`, in `frame`.
fn fill_of<'a>(frame: &'a str, text: &str) -> Option<&'a str> {
    frame.split("<tspan ").skip(1).find_map(|span| {
        let (attributes, rest) = span.split_once('>')?;
        let content = rest.split("</tspan>").next()?;
        (content == text).then(|| {
            let fill = attributes.split("fill=\"").nth(1)?;
            fill.split('"').next()
        })?
    })
}

/// A prompt (fixed 7), then three generated positions: step 1 writes 8 at position 1; step 2
/// writes 9 at position 2 and re-masks position 1; step 3 writes 10 and 11.
fn scripted() -> DenoisingAnimation {
    let fixed = [true, false, false, false];
    let mut animation =
        DenoisingAnimation::new("scripted", &[7, MASK, MASK, MASK], &fixed, MASK).unwrap();
    animation.push_step(&[7, 8, MASK, MASK]).unwrap();
    animation.push_step(&[7, MASK, 9, MASK]).unwrap();
    animation.push_step(&[7, 10, 9, 11]).unwrap();
    animation
}

#[test]
fn one_frame_per_step_well_formed() {
    let animation = scripted();
    let svg = animation.to_svg(word);
    let summary = check_svg(&svg).unwrap();
    assert_eq!(animation.steps(), 3);
    // The start and one frame per step, each with its own timing.
    assert_eq!(frames(&svg).len(), 4);
    assert_eq!(summary.count("animate"), 4);
    assert!(
        summary.has_text("start · 3 masked"),
        "{:?}",
        summary.text_contents
    );
    assert!(summary.has_text("step 2 of 3 · 2 masked · 1 new · 1 re-masked"));
    assert!(summary.has_text("step 3 of 3 · 0 masked · 2 new · 0 re-masked"));
    // Only the last frame shows without SMIL.
    let shown: Vec<bool> = frames(&svg)
        .iter()
        .map(|f| f.contains(r#"opacity="1">"#))
        .collect();
    assert_eq!(shown, [false, false, false, true]);
}

#[test]
fn masks_fresh_commits_and_remasks_have_their_own_colours() {
    let colours: Vec<&str> = CellState::ALL.iter().map(|s| s.colour()).collect();
    for (i, a) in colours.iter().enumerate() {
        assert!(!colours[i + 1..].contains(a), "{a} is used twice");
    }
    let animation = scripted();
    assert_eq!(
        animation.states(1, 2),
        [
            CellState::Fixed,
            CellState::Remasked,
            CellState::Fresh,
            CellState::Masked
        ]
    );
    let svg = animation.to_svg(word);
    let frames = frames(&svg);
    let mask = MASK_GLYPH.to_string();
    assert_eq!(fill_of(frames[0], "w7"), Some(CellState::Fixed.colour()));
    assert_eq!(
        fill_of(frames[0], &mask.repeat(3)),
        Some(CellState::Masked.colour())
    );
    assert_eq!(fill_of(frames[1], " w8"), Some(CellState::Fresh.colour()));
    assert_eq!(
        fill_of(frames[2], &mask),
        Some(CellState::Remasked.colour())
    );
    assert_eq!(fill_of(frames[2], " w9"), Some(CellState::Fresh.colour()));
    assert_eq!(fill_of(frames[3], " w9"), Some(CellState::Kept.colour()));
    assert_eq!(fill_of(frames[3], " w10"), Some(CellState::Fresh.colour()));
}

#[test]
fn a_rewritten_token_is_fresh() {
    // The seed loop rewrites tokens that were not masked.
    let mut animation = DenoisingAnimation::new("rewrite", &[MASK], &[false], MASK).unwrap();
    animation.push_step(&[4]).unwrap();
    animation.push_step(&[5]).unwrap();
    animation.push_step(&[5]).unwrap();
    assert_eq!(animation.states(1, 2), [CellState::Fresh]);
    assert_eq!(animation.states(2, 3), [CellState::Kept]);
}

#[test]
fn text_is_escaped_and_made_visible() {
    let mut animation =
        DenoisingAnimation::new("a <title> & \"more\"", &[MASK, MASK], &[false, false], MASK)
            .unwrap();
    animation.push_step(&[1, 2]).unwrap();
    let svg = animation.to_svg(|id| match id {
        1 => " <b>&'\"".to_string(),
        _ => "line\nbreak\u{7}".to_string(),
    });
    let summary = check_svg(&svg).unwrap();
    assert!(summary.has_text("a <title> & \"more\""));
    assert!(
        summary.has_text("<b>&'\"line⏎break·"),
        "{:?}",
        summary.text_contents
    );
}

#[test]
fn long_canvases_wrap_inside_the_width() {
    let n = 300;
    let start = vec![MASK; n];
    let mut animation = DenoisingAnimation::new("long", &start, &vec![false; n], MASK).unwrap();
    animation
        .push_step(&(1..=n as u32).collect::<Vec<_>>())
        .unwrap();
    let svg = animation.to_svg(word);
    let summary = check_svg(&svg).unwrap();
    // Lines of the last frame: every text after the last label.
    let last = summary
        .text_contents
        .iter()
        .rposition(|t| t.starts_with("step 1 of 1"))
        .unwrap();
    let lines = &summary.text_contents[last + 1..];
    let columns = 103; // (960 - 2 * 16) / (15 * 0.6), rounded down
    assert!(lines.len() > 10, "{} lines", lines.len());
    assert!(
        lines.iter().all(|l| l.chars().count() <= columns),
        "{lines:?}"
    );
    // Nothing is lost: the words of the last frame, in order.
    let words: Vec<String> = lines
        .join(" ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let expected: Vec<String> = (1..=n).map(|i| format!("w{i}")).collect();
    assert_eq!(words, expected);
    // The mask glyphs of the start frame wrap too.
    let first_lines = summary
        .text_contents
        .iter()
        .filter(|t| t.starts_with(MASK_GLYPH))
        .count();
    assert_eq!(first_lines, n.div_ceil(columns));
    assert!(summary.height > 10.0 * 22.0);
}

#[test]
fn long_runs_are_capped_to_frames_spread_over_the_run() {
    let steps = 1000;
    let mut animation =
        DenoisingAnimation::new("many", &[MASK, MASK], &[false, false], MASK).unwrap();
    for step in 1..=steps {
        let tokens = if step == steps {
            [3, 4]
        } else {
            [MASK, (step % 7 + 1) as u32]
        };
        animation.push_step(&tokens).unwrap();
    }
    let shown = animation.shown_frames();
    assert_eq!(shown.len(), MAX_FRAMES);
    assert_eq!((shown[0], shown[MAX_FRAMES - 1]), (0, steps));
    let svg = animation.to_svg(word);
    let summary = check_svg(&svg).unwrap();
    assert_eq!(summary.count("animate"), MAX_FRAMES);
    assert!(summary.has_text("step 1000 of 1000 · 0 masked · 1 new · 0 re-masked"));
}

#[test]
fn frames_of_another_size_are_errors() {
    assert!(DenoisingAnimation::new("bad", &[1, 2], &[false], MASK).is_err());
    let mut animation = DenoisingAnimation::new("ok", &[MASK], &[false], MASK).unwrap();
    let err = animation.push_step(&[1, 2]).unwrap_err();
    assert!(err.to_string().contains("step 1 has 2 tokens"), "{err}");
}
