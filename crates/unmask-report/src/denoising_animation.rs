//! An animated SVG of a canvas being denoised: one frame per step, masks, fresh commits and
//! re-masks in their own colours, in one self-contained file (SMIL, no script).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::error::{ReportError, Result};

/// What a position shows in a frame, against the frame drawn before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CellState {
    /// Prompt or template text: never written.
    Fixed,
    /// Still masked (and masked before).
    Masked,
    /// Written since the frame before: it was masked or held another token.
    Fresh,
    /// Masked again: it held a token in the frame before.
    Remasked,
    /// Holds the token it held before.
    Kept,
}

impl CellState {
    pub const ALL: [CellState; 5] = [
        CellState::Fixed,
        CellState::Masked,
        CellState::Fresh,
        CellState::Remasked,
        CellState::Kept,
    ];

    /// The fill colour (Okabe-Ito, as the charts).
    pub fn colour(self) -> &'static str {
        match self {
            CellState::Fixed => "#0072B2",
            CellState::Masked => "#999999",
            CellState::Fresh => "#009E73",
            CellState::Remasked => "#D55E00",
            CellState::Kept => "#222222",
        }
    }

    /// The legend's word for it.
    pub fn label(self) -> &'static str {
        match self {
            CellState::Fixed => "prompt",
            CellState::Masked => "masked",
            CellState::Fresh => "new this step",
            CellState::Remasked => "re-masked",
            CellState::Kept => "kept",
        }
    }

    fn bold(self) -> bool {
        matches!(self, CellState::Fresh | CellState::Remasked)
    }
}

/// The glyph drawn for a masked position (as `unmask generate --show-steps`).
pub const MASK_GLYPH: char = '░';

/// The most frames one animation draws: the start and up to 100 steps. A longer run shows
/// steps spread evenly over it (the first and last always), each frame coloured against the
/// frame drawn before it.
pub const MAX_FRAMES: usize = 101;

const WIDTH: f64 = 960.0;
const MARGIN: f64 = 16.0;
const FONT_SIZE: f64 = 15.0;
/// Advance of one character of a monospace font, in em.
const CHAR_EM: f64 = 0.6;
const LINE_HEIGHT: f64 = 22.0;
/// Where the frame label's baseline sits; the canvas text starts one line below it.
const LABEL_Y: f64 = 74.0;
/// Seconds on screen: the start frame, each step (at most; long runs go faster), the last frame.
const START_SECONDS: f64 = 1.0;
const STEP_SECONDS: f64 = 0.6;
const STEPS_SECONDS_MAX: f64 = 30.0;
const END_SECONDS: f64 = 3.0;

/// A canvas's tokens at the start and after every step of a denoising run, drawn as an
/// animated SVG with [`DenoisingAnimation::to_svg`].
#[derive(Debug, Clone, PartialEq)]
pub struct DenoisingAnimation {
    title: String,
    fixed: Vec<bool>,
    mask_id: u32,
    /// Frame 0 is the start; frame `s` the canvas after step `s`.
    frames: Vec<Vec<u32>>,
}

impl DenoisingAnimation {
    /// An animation of the canvas `start` (one `fixed` flag per token; a position that is not
    /// fixed and holds `mask_id` is masked).
    pub fn new(
        title: impl Into<String>,
        start: &[u32],
        fixed: &[bool],
        mask_id: u32,
    ) -> Result<Self> {
        if start.len() != fixed.len() {
            return Err(ReportError::AnimationShape(format!(
                "{} tokens but {} fixed flags",
                start.len(),
                fixed.len()
            )));
        }
        Ok(Self {
            title: title.into(),
            fixed: fixed.to_vec(),
            mask_id,
            frames: vec![start.to_vec()],
        })
    }

    /// Adds the canvas after the next step.
    pub fn push_step(&mut self, tokens: &[u32]) -> Result<()> {
        if tokens.len() != self.fixed.len() {
            return Err(ReportError::AnimationShape(format!(
                "step {} has {} tokens, the canvas {}",
                self.frames.len(),
                tokens.len(),
                self.fixed.len()
            )));
        }
        self.frames.push(tokens.to_vec());
        Ok(())
    }

    /// Steps recorded.
    pub fn steps(&self) -> usize {
        self.frames.len() - 1
    }

    /// The frames drawn (0 = the start, `s` = after step `s`): all of them up to
    /// [`MAX_FRAMES`], else [`MAX_FRAMES`] spread evenly from the start to the last step.
    pub fn shown_frames(&self) -> Vec<usize> {
        let last = self.steps();
        if last < MAX_FRAMES {
            return (0..=last).collect();
        }
        let mut shown: Vec<usize> = (0..MAX_FRAMES)
            .map(|i| ((i * last) as f64 / (MAX_FRAMES - 1) as f64).round() as usize)
            .collect();
        shown.dedup();
        shown
    }

    /// The state of every position in frame `frame`, against frame `before`.
    pub fn states(&self, before: usize, frame: usize) -> Vec<CellState> {
        let (old, new) = (&self.frames[before], &self.frames[frame]);
        (0..new.len())
            .map(|p| {
                let masked = |tokens: &[u32]| tokens[p] == self.mask_id;
                if self.fixed[p] {
                    CellState::Fixed
                } else if masked(new) {
                    if masked(old) {
                        CellState::Masked
                    } else {
                        CellState::Remasked
                    }
                } else if masked(old) || old[p] != new[p] {
                    CellState::Fresh
                } else {
                    CellState::Kept
                }
            })
            .collect()
    }

    /// The animated SVG; `token_text` gives the text of a token id as it reads inside running
    /// text (with its leading space, if any; an empty string hides the token).
    pub fn to_svg(&self, mut token_text: impl FnMut(u32) -> String) -> String {
        let mut texts: HashMap<u32, String> = HashMap::new();
        let mut text_of = |id: u32| -> String {
            texts
                .entry(id)
                .or_insert_with(|| visible(&token_text(id)))
                .clone()
        };
        let columns = ((WIDTH - 2.0 * MARGIN) / (FONT_SIZE * CHAR_EM)).floor() as usize;
        let shown = self.shown_frames();
        let mut pages = Vec::with_capacity(shown.len());
        let mut before = shown[0];
        for &frame in &shown {
            let states = self.states(before, frame);
            let cells: Vec<(String, CellState)> = self.frames[frame]
                .iter()
                .zip(&states)
                .map(|(&id, &state)| match state {
                    CellState::Masked | CellState::Remasked => (MASK_GLYPH.to_string(), state),
                    _ => (text_of(id), state),
                })
                .collect();
            pages.push((frame, wrap(&cells, columns), states));
            before = frame;
        }
        let lines = pages
            .iter()
            .map(|(_, l, _)| l.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let height = LABEL_Y + (lines as f64 + 1.0) * LINE_HEIGHT;
        let timing = Timing::new(shown.len());

        let mut svg = String::new();
        let _ = write!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT_SIZE}">
<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>
<text x="{MARGIN}" y="26" font-weight="bold">{}</text>
"##,
            escape(&self.title)
        );
        svg.push_str(&format!(
            r#"<text x="{MARGIN}" y="48" xml:space="preserve">"#
        ));
        for (i, state) in CellState::ALL.into_iter().enumerate() {
            let sample = match state {
                CellState::Masked | CellState::Remasked => format!("{MASK_GLYPH} "),
                _ => String::new(),
            };
            let gap = if i == 0 { "" } else { "   " };
            svg.push_str(&tspan(state, &format!("{gap}{sample}{}", state.label())));
        }
        svg.push_str("</text>\n");
        let last_step = self.steps();
        for (index, (frame, lines, states)) in pages.iter().enumerate() {
            let count = |wanted: CellState| states.iter().filter(|&&s| s == wanted).count();
            let masked = count(CellState::Masked) + count(CellState::Remasked);
            let label = if *frame == 0 {
                format!("start · {masked} masked")
            } else {
                format!(
                    "step {frame} of {last_step} · {masked} masked · {} new · {} re-masked",
                    count(CellState::Fresh),
                    count(CellState::Remasked)
                )
            };
            let base = if index + 1 == pages.len() { 1 } else { 0 };
            let _ = writeln!(
                svg,
                r#"<g class="frame" data-step="{frame}" opacity="{base}">{}"#,
                timing.animate(index)
            );
            let _ = writeln!(
                svg,
                r#"<text x="{MARGIN}" y="{LABEL_Y}" fill="{}">{}</text>"#,
                CellState::Masked.colour(),
                escape(&label)
            );
            for (row, line) in lines.iter().enumerate() {
                let y = LABEL_Y + (row as f64 + 1.0) * LINE_HEIGHT;
                svg.push_str(&format!(
                    r#"<text x="{MARGIN}" y="{y}" xml:space="preserve">"#
                ));
                for (text, state) in line {
                    svg.push_str(&tspan(*state, text));
                }
                svg.push_str("</text>\n");
            }
            svg.push_str("</g>\n");
        }
        svg.push_str("</svg>\n");
        svg
    }

    /// Writes [`DenoisingAnimation::to_svg`] to `path` atomically.
    pub fn write(
        &self,
        path: impl AsRef<Path>,
        token_text: impl FnMut(u32) -> String,
    ) -> Result<()> {
        Ok(unmask_io::write_atomic(
            path.as_ref(),
            self.to_svg(token_text).as_bytes(),
        )?)
    }
}

/// When each frame is on screen, as SMIL `<animate>` elements over one looping timeline.
struct Timing {
    /// Start time of each frame, then the end of the loop, in seconds.
    starts: Vec<f64>,
}

impl Timing {
    fn new(frames: usize) -> Self {
        let steps = frames.saturating_sub(1).max(1);
        let step = STEP_SECONDS.min(STEPS_SECONDS_MAX / steps as f64);
        let mut starts = vec![0.0];
        let mut t = 0.0;
        for index in 0..frames {
            t += if index == 0 {
                START_SECONDS
            } else if index + 1 == frames {
                END_SECONDS
            } else {
                step
            };
            starts.push(t);
        }
        Self { starts }
    }

    /// Frame `index` is visible from its start to the next frame's, once per loop.
    fn animate(&self, index: usize) -> String {
        let total = *self.starts.last().expect("a loop has an end");
        let (on, off) = (self.starts[index] / total, self.starts[index + 1] / total);
        let (values, times) = match (index == 0, index + 2 == self.starts.len()) {
            (true, true) => ("1".to_string(), "0".to_string()),
            (true, false) => ("1;0".to_string(), format!("0;{off:.6}")),
            (false, true) => ("0;1".to_string(), format!("0;{on:.6}")),
            (false, false) => ("0;1;0".to_string(), format!("0;{on:.6};{off:.6}")),
        };
        format!(
            r#"<animate attributeName="opacity" calcMode="discrete" values="{values}" keyTimes="{times}" dur="{total:.3}s" repeatCount="indefinite"/>"#
        )
    }
}

/// Cells laid into lines of at most `columns` characters, breaking between tokens (inside a
/// token only when it is longer than a line); runs of one state are merged. A line does not
/// start with a token's leading space.
fn wrap(cells: &[(String, CellState)], columns: usize) -> Vec<Vec<(String, CellState)>> {
    let mut lines: Vec<Vec<(String, CellState)>> = vec![Vec::new()];
    let mut column = 0;
    for (text, state) in cells {
        let mut chars: Vec<char> = text.chars().collect();
        if column > 0 && column + chars.len() > columns {
            lines.push(Vec::new());
            column = 0;
        }
        if column == 0 && chars.first() == Some(&' ') {
            chars.remove(0);
        }
        while !chars.is_empty() {
            let room = columns - column;
            let piece: String = chars.drain(..room.min(chars.len())).collect();
            column += piece.chars().count();
            let line = lines.last_mut().expect("there is a line");
            match line.last_mut() {
                Some((run, last)) if last == state => run.push_str(&piece),
                _ => line.push((piece, *state)),
            }
            if !chars.is_empty() {
                lines.push(Vec::new());
                column = 0;
            }
        }
    }
    lines
}

/// A token's text made drawable on one line: a newline becomes `⏎`, a tab a space, other
/// control characters (which XML cannot hold) `·`.
fn visible(text: &str) -> String {
    text.chars()
        .filter(|&c| c != '\r')
        .map(|c| match c {
            '\n' => '⏎',
            '\t' => ' ',
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => '·',
            c => c,
        })
        .collect()
}

fn tspan(state: CellState, text: &str) -> String {
    let weight = if state.bold() {
        r#" font-weight="bold""#
    } else {
        ""
    };
    format!(
        r#"<tspan fill="{}"{weight}>{}</tspan>"#,
        state.colour(),
        escape(text)
    )
}

/// `text` with the five XML special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in visible(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
