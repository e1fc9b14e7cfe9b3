//! Fake denoisers whose answers are known in closed form.

#![allow(dead_code)]

use unmask_sampler::Denoiser;

pub const MASK: u32 = 0;

/// The held-out token at `position`: a function of the position only, so a fake model can
/// "know" it without seeing the original text. Never the mask id.
pub fn true_token(position: usize, vocab: usize) -> u32 {
    1 + ((position * 7 + 3) % (vocab - 1)) as u32
}

pub fn held_out(sequences: usize, length: usize, vocab: usize) -> Vec<Vec<u32>> {
    (0..sequences)
        .map(|_| (0..length).map(|p| true_token(p, vocab)).collect())
        .collect()
}

/// One model call: the canvases and the positions asked for.
pub type Call = (Vec<Vec<u32>>, Vec<Vec<usize>>);

/// Puts probability `p` on the true token and spreads the rest evenly; records every call.
pub struct KnowsTruth {
    pub vocab: usize,
    pub p: f64,
    pub calls: Vec<Call>,
}

impl KnowsTruth {
    pub fn new(vocab: usize, p: f64) -> Self {
        Self {
            vocab,
            p,
            calls: Vec::new(),
        }
    }

    /// The (canvas, masked positions) pairs seen, in order, ignoring how they were batched.
    pub fn seen(&self) -> Vec<(Vec<u32>, Vec<usize>)> {
        self.calls
            .iter()
            .flat_map(|(tokens, positions)| tokens.iter().cloned().zip(positions.iter().cloned()))
            .collect()
    }
}

impl Denoiser for KnowsTruth {
    fn vocab_size(&self) -> usize {
        self.vocab
    }

    fn logits(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        self.calls.push((
            tokens.iter().map(|t| t.to_vec()).collect(),
            positions.iter().map(|p| p.to_vec()).collect(),
        ));
        let hit = self.p.ln() as f32;
        let miss = if self.p < 1.0 {
            ((1.0 - self.p) / (self.vocab - 1) as f64).ln() as f32
        } else {
            f32::NEG_INFINITY
        };
        Ok(positions
            .iter()
            .map(|ps| {
                ps.iter()
                    .flat_map(|&p| {
                        let target = true_token(p, self.vocab) as usize;
                        (0..self.vocab).map(move |v| if v == target { hit } else { miss })
                    })
                    .collect()
            })
            .collect())
    }
}

/// The same logit everywhere: every token has probability 1 / vocab.
pub struct Uniform {
    pub vocab: usize,
    pub calls: usize,
}

impl Denoiser for Uniform {
    fn vocab_size(&self) -> usize {
        self.vocab
    }

    fn logits(
        &mut self,
        _tokens: &[&[u32]],
        positions: &[&[usize]],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        self.calls += 1;
        Ok(positions
            .iter()
            .map(|ps| vec![0.25; ps.len() * self.vocab])
            .collect())
    }
}
