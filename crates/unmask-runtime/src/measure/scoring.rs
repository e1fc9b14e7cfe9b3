//! Samples scored the way real text is: generative perplexity under an evaluator (a causal
//! LM), entropy and repetition on the generator's tokens and on whitespace words, the share
//! of known words; and the two rows every sample is read against (real held-out text and its
//! shuffled-words control).

use anyhow::{Result, bail};
use burn::tensor::backend::Backend;
use serde::Serialize;
use unmask_eval::{
    GenPplReport, SampleStats, SpeedReport, WordStats, WordVocabulary,
    generative_perplexity_retokenized,
};
use unmask_text::TextTokenizer;

use crate::measure::causal::CausalModel;
use crate::measure::held_out::HeldOut;
use crate::measure::samples::Samples;

#[derive(Debug, Clone, Serialize)]
pub struct Generated {
    pub samples: Samples,
    pub gen_ppl: GenPplReport,
    /// On the generator's tokens.
    pub stats: SampleStats,
    /// On whitespace words: comparable across tokenizers and with real text.
    pub words: WordStats,
}

/// The rows every table of samples is read against.
#[derive(Debug, Clone, Serialize)]
pub struct Controls {
    /// Real held-out text of the samples' mean length.
    pub real: Generated,
    /// The same texts, words shuffled within each: what word salad scores.
    pub shuffled: Generated,
}

impl Controls {
    pub const REAL: &str = "real held-out text";
    pub const SHUFFLED: &str = "real text, words shuffled within each sample";
}

/// The words of a corpus's train split: is a generated word a real one?
pub fn train_vocabulary(corpus: &str) -> Result<WordVocabulary> {
    let train = unmask_train::data::load_splits(corpus)?.train;
    Ok(WordVocabulary::from_texts(
        train.iter().map(|d| d.text.as_str()),
    ))
}

/// Share of the evaluator's tokens of `texts` that are its unknown token above which the
/// evaluator is refused: a tokenizer that cannot spell the text it must score (a WordPiece
/// vocabulary of another language or casing under byte-level samples) measures its own
/// `[UNK]`s, not the samples.
pub const MAX_UNKNOWN_SHARE: f64 = 0.01;

/// Refuses an evaluator whose tokenizer maps more than [`MAX_UNKNOWN_SHARE`] of `texts`'
/// tokens to its unknown token.
pub fn check_evaluator_spells(evaluator: &TextTokenizer, texts: &[String]) -> Result<()> {
    let Some(unk) = evaluator.special().unk else {
        return Ok(());
    };
    let (mut unknown, mut total) = (0usize, 0usize);
    for text in texts {
        let ids = evaluator.encode(text, false)?;
        unknown += ids.iter().filter(|&&id| id == unk).count();
        total += ids.len();
    }
    if total > 0 && unknown as f64 > MAX_UNKNOWN_SHARE * total as f64 {
        bail!(
            "the evaluator's tokenizer does not fit the text it must score: it spells {unknown} \
             of {total} tokens of the text as its unknown token (`{}`), so its perplexity \
             would measure those; use an evaluator of the samples' \
             tokenizer family (e.g. a byte-level BPE model trained on the corpus)",
            evaluator.id_to_token(unk).unwrap_or_default()
        );
    }
    Ok(())
}

/// Generative perplexity of `samples` (decoded with `generator`) under `evaluator`: each
/// sample is re-tokenized for the evaluator and scored after its BOS token.
pub fn generative_perplexity<B: Backend>(
    evaluator: &mut CausalModel<B>,
    generator: &TextTokenizer,
    samples: &Samples,
) -> Result<GenPplReport> {
    let eval_tokenizer = evaluator.tokenizer.clone();
    let bos = eval_tokenizer.special().bos;
    let max = evaluator.scorer.model.max_len();
    Ok(generative_perplexity_retokenized(
        &mut evaluator.scorer,
        &samples.tokens,
        |ids| {
            let text = generator.decode(ids, true)?;
            let mut out = vec![bos];
            out.extend(eval_tokenizer.encode(&text, false)?);
            out.truncate(max);
            Ok(out)
        },
    )?)
}

/// Scores samples against an evaluator and the words of the training text.
pub struct SampleScorer<'a, B: Backend> {
    pub evaluator: &'a mut CausalModel<B>,
    pub vocabulary: &'a WordVocabulary,
}

impl<B: Backend> SampleScorer<'_, B> {
    /// Generative perplexity and diversity of samples decoded by `generator`.
    pub fn score(&mut self, generator: &TextTokenizer, samples: Samples) -> Result<Generated> {
        let gen_ppl = generative_perplexity(self.evaluator, generator, &samples)?;
        let stats = SampleStats::from_samples(&samples.tokens);
        let words = WordStats::from_texts(&samples.texts, self.vocabulary);
        Ok(Generated {
            samples,
            gen_ppl,
            stats,
            words,
        })
    }

    /// Real held-out text (`n` stretches of `words` words spread over the split) and the
    /// same texts with their words shuffled within each (seeded), scored like samples.
    pub fn controls(
        &mut self,
        held_out: &HeldOut,
        n: usize,
        words: usize,
        seed: u64,
    ) -> Result<Controls> {
        let texts = held_out.reference_texts(n, words.max(1));
        let shuffled = HeldOut::shuffled_words(&texts, seed);
        let real = self.score_texts(texts)?;
        let shuffled = self.score_texts(shuffled)?;
        Ok(Controls { real, shuffled })
    }

    fn score_texts(&mut self, texts: Vec<String>) -> Result<Generated> {
        let tokenizer = self.evaluator.tokenizer.clone();
        let tokens = texts
            .iter()
            .map(|text| Ok(tokenizer.encode(text, false)?))
            .collect::<Result<Vec<_>>>()?;
        let samples = Samples {
            prompts: vec![String::new(); texts.len()],
            tokens,
            texts,
            speed: SpeedReport::from_duration(0, 0, std::time::Duration::ZERO),
        };
        self.score(&tokenizer, samples)
    }
}
