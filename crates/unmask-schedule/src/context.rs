/// What a schedule factory may need beyond its spec string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleContext {
    /// Corpus token counts indexed by token id (needed by `spindle`).
    pub token_counts: Option<Vec<u64>>,
}

impl ScheduleContext {
    /// A context carrying corpus token counts indexed by token id.
    pub fn with_token_counts(token_counts: Vec<u64>) -> Self {
        Self {
            token_counts: Some(token_counts),
        }
    }
}
