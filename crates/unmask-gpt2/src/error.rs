use unmask_nn::ModelError;

/// Everything that can go wrong building, loading, saving or running a GPT-2.
#[derive(Debug, thiserror::Error)]
pub enum Gpt2Error {
    /// The config or a weight file: the error type every unmask model shares.
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(
        "checkpoint tensor `{name}` differs from `{tied_to}`; unmask's GPT-2 keeps the LM head \
         tied to the token embeddings, so untied checkpoints are not supported"
    )]
    UntiedLmHead { name: String, tied_to: String },
    #[error(
        "{len} positions exceed the model's n_positions = {max}; shorten the input \
         (token_nll scores long texts with a sliding window)"
    )]
    SequenceTooLong { len: usize, max: usize },
    #[error("token id {id} is outside the vocabulary (vocab_size {vocab_size})")]
    TokenOutOfRange { id: u32, vocab_size: usize },
    #[error("invalid input: {0}")]
    Input(String),
    #[error("invalid generation options: {0}")]
    Options(String),
    #[error("cannot sample the next token: {0}")]
    Sampling(String),
    #[error("cannot read a tensor back from the device: {0}")]
    Readback(String),
}
