use burn::tensor::{Int, Tensor, TensorData, backend::Backend};

use crate::error::Gpt2Error;
use crate::model::Gpt2LmHead;
use crate::sampling::{GenerateOptions, TokenSampler};

/// What `generate` produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// The new tokens (not the prompt); ends with EOS when `stopped_at_eos`.
    pub tokens: Vec<u32>,
    /// Forward passes run: one prefill of the prompt, then one per further token.
    pub model_calls: usize,
    pub stopped_at_eos: bool,
}

/// `[1, n]` ids on `device`.
pub(crate) fn ids_tensor<B: Backend>(ids: &[u32], device: &B::Device) -> Tensor<B, 2, Int> {
    let data: Vec<i64> = ids.iter().map(|&id| id as i64).collect();
    Tensor::from_data(TensorData::new(data, [1, ids.len()]), device)
}

impl<B: Backend> Gpt2LmHead<B> {
    /// Errors unless every id is inside the vocabulary.
    pub fn check_ids(&self, ids: &[u32]) -> Result<(), Gpt2Error> {
        let vocab_size = self.config.vocab_size;
        match ids.iter().find(|&&id| id as usize >= vocab_size) {
            Some(&id) => Err(Gpt2Error::TokenOutOfRange { id, vocab_size }),
            None => Ok(()),
        }
    }

    /// Continues `prompt` token by token with the KV cache: the prompt is one forward pass,
    /// each further token one single-position pass. Greedy when `temperature == 0`;
    /// otherwise the same seed always gives the same tokens.
    pub fn generate(
        &self,
        prompt: &[u32],
        opts: &GenerateOptions,
        device: &B::Device,
    ) -> Result<Generation, Gpt2Error> {
        opts.validate()?;
        if prompt.is_empty() {
            return Err(Gpt2Error::Input(
                "the prompt is empty; GPT-2 needs at least one token (start with \
                 <|endoftext|>, the BOS token, to generate from nothing)"
                    .into(),
            ));
        }
        self.check_ids(prompt)?;
        let max = self.config.n_positions;
        if prompt.len() > max {
            return Err(Gpt2Error::SequenceTooLong {
                len: prompt.len(),
                max,
            });
        }
        // The last new token is never fed back, so it needs no position.
        let fed = prompt.len() + opts.max_new_tokens.saturating_sub(1);
        if fed > max {
            return Err(Gpt2Error::Options(format!(
                "a {}-token prompt leaves room for at most {} new tokens within n_positions = \
                 {max}, but max_new_tokens is {}",
                prompt.len(),
                max + 1 - prompt.len(),
                opts.max_new_tokens
            )));
        }
        let mut cache = self.new_cache();
        generate_tokens(prompt, opts, self.config.eos_token_id, |input| {
            let logits = self.forward_cached(ids_tensor(input, device), &mut cache)?;
            let [_, seq, vocab] = logits.dims();
            logits
                .narrow(1, seq - 1, 1)
                .reshape([vocab])
                .into_data()
                .convert::<f32>()
                .into_vec::<f32>()
                .map_err(|e| Gpt2Error::Readback(format!("logits: {e:?}")))
        })
    }
}

/// The decoding loop of every causal LM with a KV cache: `next_logits` is given the prompt
/// first, then each new token alone, and returns the logits after the last token it was
/// given; tokens are drawn by the workspace's one token sampler.
pub fn generate_tokens(
    prompt: &[u32],
    opts: &GenerateOptions,
    eos_token_id: Option<u32>,
    mut next_logits: impl FnMut(&[u32]) -> Result<Vec<f32>, Gpt2Error>,
) -> Result<Generation, Gpt2Error> {
    let mut sampler = TokenSampler::new(opts)?;
    let mut generation = Generation {
        tokens: Vec::with_capacity(opts.max_new_tokens.min(1 << 16)),
        model_calls: 0,
        stopped_at_eos: false,
    };
    let mut input = prompt.to_vec();
    while generation.tokens.len() < opts.max_new_tokens {
        let mut last = next_logits(&input)?;
        generation.model_calls += 1;
        let token = sampler.pick(&mut last)?;
        generation.tokens.push(token);
        if opts.stop_at_eos && Some(token) == eos_token_id {
            generation.stopped_at_eos = true;
            break;
        }
        input = vec![token];
    }
    Ok(generation)
}
