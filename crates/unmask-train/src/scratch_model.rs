//! The Hugging Face config of a model trained from scratch: the `[model]` sizes, the
//! tokenizer's vocabulary and special ids, positions up to the block length.

use unmask_gpt2::Gpt2Config;
use unmask_modernbert::ModernBertConfig;
use unmask_roberta::MaskedLmConfig;
use unmask_text::TextTokenizer;

/// The sizes `[model]` gives a model trained from scratch (`init = "scratch"`).
pub struct ScratchSizes {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub ffn: usize,
    pub dropout: f64,
    pub block_len: usize,
}

/// A post-LN RoBERTa masked LM.
pub fn roberta_config(z: &ScratchSizes, tokenizer: &TextTokenizer) -> MaskedLmConfig {
    let special = tokenizer.special();
    let mut m = MaskedLmConfig::small_roberta(
        tokenizer.vocab_size(),
        z.hidden,
        z.layers,
        z.heads,
        z.ffn,
        z.block_len,
    );
    m.pad_token_id = special.pad as usize;
    m.bos_token_id = Some(special.bos as usize);
    m.eos_token_id = Some(special.eos as usize);
    m.hidden_dropout_prob = z.dropout;
    m.attention_probs_dropout_prob = z.dropout;
    m
}

/// A GPT-2.
pub fn gpt2_config(z: &ScratchSizes, tokenizer: &TextTokenizer) -> Gpt2Config {
    let special = tokenizer.special();
    let mut c = Gpt2Config::small(tokenizer.vocab_size());
    c.n_positions = z.block_len;
    c.n_embd = z.hidden;
    c.n_layer = z.layers;
    c.n_head = z.heads;
    c.n_inner = Some(z.ffn);
    c.resid_pdrop = z.dropout;
    c.embd_pdrop = z.dropout;
    c.attn_pdrop = z.dropout;
    c.bos_token_id = Some(special.bos);
    c.eos_token_id = Some(special.eos);
    c
}

/// A ModernBERT with global attention in every layer; `causal` makes it the autoregressive
/// baseline.
pub fn modernbert_config(
    z: &ScratchSizes,
    tokenizer: &TextTokenizer,
    causal: bool,
) -> ModernBertConfig {
    let special = tokenizer.special();
    let mut c = ModernBertConfig::small(
        tokenizer.vocab_size(),
        z.hidden,
        z.layers,
        z.heads,
        z.ffn,
        z.block_len,
    );
    c.pad_token_id = special.pad as usize;
    c.bos_token_id = Some(special.bos as usize);
    c.eos_token_id = Some(special.eos as usize);
    c.cls_token_id = Some(special.bos as usize);
    c.sep_token_id = Some(special.eos as usize);
    c.mask_token_id = Some(special.mask as usize);
    c.embedding_dropout = z.dropout;
    c.attention_dropout = z.dropout;
    c.mlp_dropout = z.dropout;
    c.causal = causal;
    c
}
