use std::ops::Range;

use crate::{SamplerError, Segment, Template};

/// A token canvas: the ids being denoised, which positions are fixed (prompt, template text,
/// special tokens) and which are generated. A generated position holding `mask_id` is masked.
///
/// The sampler only ever writes generated positions; fixed ones never change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canvas {
    tokens: Vec<u32>,
    fixed: Vec<bool>,
    mask_id: u32,
}

impl Canvas {
    /// `prefix` (e.g. `[bos] + prompt`), then `gen_len` masks, then `suffix` (e.g. `[eos]`).
    ///
    /// Any prompt length works; nothing is padded. A `mask_id` inside `prefix` or `suffix`
    /// is a position to fill, not fixed text.
    pub fn prompted(
        prefix: &[u32],
        gen_len: usize,
        suffix: &[u32],
        mask_id: u32,
    ) -> Result<Self, SamplerError> {
        if gen_len == 0 {
            return Err(SamplerError::NothingToGenerate);
        }
        let mut canvas = Self::empty(mask_id);
        canvas.push_text(prefix);
        canvas.push_masks(gen_len)?;
        canvas.push_text(suffix);
        Ok(canvas)
    }

    /// Like [`Canvas::prompted`], with the masks filling a canvas of `canvas_len` tokens in all.
    /// Fails with [`SamplerError::PromptTooLong`] when the prompt leaves no room.
    pub fn prompted_within(
        prefix: &[u32],
        canvas_len: usize,
        suffix: &[u32],
        mask_id: u32,
    ) -> Result<Self, SamplerError> {
        let prompt_len = prefix.len() + suffix.len();
        if prompt_len >= canvas_len {
            return Err(SamplerError::PromptTooLong {
                prompt_len,
                canvas_len,
            });
        }
        Self::prompted(prefix, canvas_len - prompt_len, suffix, mask_id)
    }

    /// `prefix`, the template's text and masked spans in order, then `suffix`.
    ///
    /// `encode` turns one text segment into ids without special tokens. A text segment
    /// that comes right before a masked span loses its trailing whitespace, because
    /// byte-level BPE tokenizers attach a word's leading space to the word: the first
    /// generated token then brings its own space.
    pub fn from_template(
        template: &Template,
        mut encode: impl FnMut(&str) -> anyhow::Result<Vec<u32>>,
        prefix: &[u32],
        suffix: &[u32],
        mask_id: u32,
    ) -> Result<Self, SamplerError> {
        let mut canvas = Self::empty(mask_id);
        canvas.push_text(prefix);
        let segments = template.segments();
        for (index, segment) in segments.iter().enumerate() {
            match segment {
                Segment::Mask(len) => canvas.push_masks(*len)?,
                Segment::Text(text) => {
                    let before_mask = matches!(segments.get(index + 1), Some(Segment::Mask(_)));
                    let text = if before_mask {
                        text.trim_end()
                    } else {
                        text.as_str()
                    };
                    if text.is_empty() {
                        continue;
                    }
                    let ids = encode(text).map_err(|source| SamplerError::Encode {
                        segment: text.to_string(),
                        source: source.into(),
                    })?;
                    canvas.push_text(&ids);
                }
            }
        }
        canvas.push_text(suffix);
        Ok(canvas)
    }

    /// A canvas from explicit parts (infilling anywhere). Non-fixed positions may already hold
    /// text (a draft the policies treat as committed) or `mask_id`.
    pub fn from_parts(
        tokens: Vec<u32>,
        fixed: Vec<bool>,
        mask_id: u32,
    ) -> Result<Self, SamplerError> {
        if tokens.len() != fixed.len() {
            return Err(SamplerError::CanvasShape {
                tokens: tokens.len(),
                fixed: fixed.len(),
            });
        }
        if let Some(position) = (0..tokens.len()).find(|&i| fixed[i] && tokens[i] == mask_id) {
            return Err(SamplerError::FixedMask { position });
        }
        Ok(Self {
            tokens,
            fixed,
            mask_id,
        })
    }

    /// Fails with [`SamplerError::CanvasTooLong`] when the canvas exceeds a model's `max` positions.
    pub fn check_max_len(&self, max: usize) -> Result<(), SamplerError> {
        if self.len() > max {
            return Err(SamplerError::CanvasTooLong {
                len: self.len(),
                max,
            });
        }
        Ok(())
    }

    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    pub fn mask_id(&self) -> u32 {
        self.mask_id
    }

    /// One flag per position: `true` where the sampler must not write.
    pub fn fixed(&self) -> &[bool] {
        &self.fixed
    }

    pub fn is_fixed(&self, position: usize) -> bool {
        self.fixed[position]
    }

    pub fn is_masked(&self, position: usize) -> bool {
        !self.fixed[position] && self.tokens[position] == self.mask_id
    }

    /// Positions the sampler fills (not fixed), in order.
    pub fn generated_positions(&self) -> Vec<usize> {
        (0..self.len()).filter(|&i| !self.fixed[i]).collect()
    }

    /// Maximal runs of consecutive generated positions (one per template span).
    pub fn generated_spans(&self) -> Vec<Range<usize>> {
        let mut spans = Vec::new();
        let mut start = None;
        for i in 0..=self.len() {
            let generated = i < self.len() && !self.fixed[i];
            match (generated, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    spans.push(s..i);
                    start = None;
                }
                _ => {}
            }
        }
        spans
    }

    /// Tokens at the generated positions, in order.
    pub fn generated_tokens(&self) -> Vec<u32> {
        (0..self.len())
            .filter(|&i| !self.fixed[i])
            .map(|i| self.tokens[i])
            .collect()
    }

    pub fn masked_positions(&self) -> Vec<usize> {
        (0..self.len()).filter(|&i| self.is_masked(i)).collect()
    }

    pub fn num_masked(&self) -> usize {
        (0..self.len()).filter(|&i| self.is_masked(i)).count()
    }

    /// True when no mask is left.
    pub fn is_complete(&self) -> bool {
        (0..self.len()).all(|i| !self.is_masked(i))
    }

    pub(crate) fn write(&mut self, position: usize, token: u32) {
        debug_assert!(
            !self.fixed[position],
            "the sampler wrote fixed position {position}"
        );
        self.tokens[position] = token;
    }

    pub(crate) fn remask(&mut self, position: usize) {
        debug_assert!(
            !self.fixed[position],
            "the sampler masked fixed position {position}"
        );
        self.tokens[position] = self.mask_id;
    }

    fn empty(mask_id: u32) -> Self {
        Self {
            tokens: Vec::new(),
            fixed: Vec::new(),
            mask_id,
        }
    }

    fn push_text(&mut self, ids: &[u32]) {
        self.tokens.extend_from_slice(ids);
        self.fixed.extend(ids.iter().map(|&id| id != self.mask_id));
    }

    /// Appends `len` masks; a size no allocation can hold is an error, not an abort.
    fn push_masks(&mut self, len: usize) -> Result<(), SamplerError> {
        let total = self.tokens.len().saturating_add(len);
        let too_large = |_| SamplerError::CanvasTooLarge { len: total };
        self.tokens.try_reserve(len).map_err(too_large)?;
        self.fixed.try_reserve(len).map_err(too_large)?;
        self.tokens.extend(std::iter::repeat_n(self.mask_id, len));
        self.fixed.extend(std::iter::repeat_n(false, len));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASK: u32 = 99;

    #[test]
    fn a_canvas_no_machine_can_hold_is_an_error_not_an_abort() {
        let err = Canvas::prompted(&[0], usize::MAX, &[2], MASK).unwrap_err();
        assert!(
            matches!(err, SamplerError::CanvasTooLarge { len } if len == usize::MAX),
            "{err}"
        );
        let template = Template::parse("a [MASK:18446744073709551615] b [MASK:3]").unwrap();
        assert_eq!(template.num_masked(), usize::MAX);
        let err = Canvas::from_template(&template, |_| Ok(vec![7]), &[0], &[2], MASK).unwrap_err();
        assert!(err.to_string().contains("generate fewer tokens"), "{err}");
    }

    #[test]
    fn prompted_layout() {
        let canvas = Canvas::prompted(&[0, 5, 6], 3, &[2], MASK).unwrap();
        assert_eq!(canvas.tokens(), [0, 5, 6, MASK, MASK, MASK, 2]);
        assert_eq!(
            canvas.fixed(),
            [true, true, true, false, false, false, true]
        );
        assert_eq!(canvas.masked_positions(), [3, 4, 5]);
        assert_eq!(canvas.generated_spans(), vec![3..6]);
        assert!(!canvas.is_complete());
    }

    #[test]
    fn prompted_within_fills_the_rest_or_reports_no_room() {
        let canvas = Canvas::prompted_within(&[0, 5], 6, &[2], MASK).unwrap();
        assert_eq!(canvas.len(), 6);
        assert_eq!(canvas.num_masked(), 3);
        let err = Canvas::prompted_within(&[0, 5, 6, 7], 5, &[2], MASK).unwrap_err();
        assert!(matches!(
            err,
            SamplerError::PromptTooLong {
                prompt_len: 5,
                canvas_len: 5
            }
        ));
        assert!(err.to_string().contains("leaves no room"), "{err}");
        assert!(matches!(
            Canvas::prompted(&[0], 0, &[], MASK),
            Err(SamplerError::NothingToGenerate)
        ));
    }

    #[test]
    fn mask_in_prompt_is_a_position_to_fill() {
        let canvas = Canvas::prompted(&[0, MASK, 6], 1, &[], MASK).unwrap();
        assert_eq!(canvas.masked_positions(), [1, 3]);
        assert_eq!(canvas.generated_spans(), [1..2, 3..4]);
    }

    #[test]
    fn from_template_encodes_segments_in_order() {
        let template = Template::parse("The war ended in [MASK:2]. After that, [MASK:3]").unwrap();
        let mut seen = Vec::new();
        let canvas = Canvas::from_template(
            &template,
            |text| {
                seen.push(text.to_string());
                Ok(text.split_whitespace().map(|w| w.len() as u32).collect())
            },
            &[0],
            &[2],
            MASK,
        )
        .unwrap();
        assert_eq!(seen, ["The war ended in", ". After that,"]);
        assert_eq!(
            canvas.tokens(),
            [0, 3, 3, 5, 2, MASK, MASK, 1, 5, 5, MASK, MASK, MASK, 2]
        );
        assert_eq!(canvas.generated_spans(), [5..7, 10..13]);
    }

    #[test]
    fn encoder_failure_names_the_segment() {
        let template = Template::parse("abc [MASK:1]").unwrap();
        let err = Canvas::from_template(&template, |_| anyhow::bail!("boom"), &[], &[], MASK)
            .unwrap_err();
        assert!(matches!(&err, SamplerError::Encode { segment, .. } if segment == "abc"));
        assert_eq!(std::error::Error::source(&err).unwrap().to_string(), "boom");
    }

    #[test]
    fn from_parts_validates() {
        assert!(matches!(
            Canvas::from_parts(vec![1, 2], vec![true], MASK),
            Err(SamplerError::CanvasShape {
                tokens: 2,
                fixed: 1
            })
        ));
        assert!(matches!(
            Canvas::from_parts(vec![1, MASK], vec![false, true], MASK),
            Err(SamplerError::FixedMask { position: 1 })
        ));
        let canvas = Canvas::from_parts(vec![1, MASK, 7], vec![true, false, false], MASK).unwrap();
        assert_eq!(canvas.generated_tokens(), [MASK, 7]);
        assert_eq!(canvas.num_masked(), 1);
    }

    #[test]
    fn max_len_check() {
        let canvas = Canvas::prompted(&[0, 1], 4, &[2], MASK).unwrap();
        assert!(canvas.check_max_len(7).is_ok());
        let err = canvas.check_max_len(6).unwrap_err();
        assert!(matches!(
            err,
            SamplerError::CanvasTooLong { len: 7, max: 6 }
        ));
    }
}
