//! Where and how to reach the Hugging Face Hub: endpoint, cache, offline mode, token.

use std::path::PathBuf;

use crate::SourceError;

/// The public Hub, used when no endpoint is set.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// How Hub sources are fetched.
///
/// `HubOptions::default()` reads no environment: the public Hub, the cache at
/// `~/.cache/huggingface/hub`, online, no token beyond hf-hub's token file.
/// [`HubOptions::from_env`] is what applications use: it honors the same variables as the
/// Python `huggingface_hub` library.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HubOptions {
    /// Hub base URL (`HF_ENDPOINT`); `None` means [`DEFAULT_ENDPOINT`].
    pub endpoint: Option<String>,
    /// hf-hub cache directory, the folder holding `models--*` and `datasets--*`
    /// (`HF_HUB_CACHE`, else `$HF_HOME/hub`); `None` means `~/.cache/huggingface/hub`.
    pub cache_dir: Option<PathBuf>,
    /// Never contact the Hub; use only cached files (`HF_HUB_OFFLINE=1`).
    pub offline: bool,
    /// Access token for private or gated repositories (`HF_TOKEN`); `None` lets hf-hub read
    /// the token file next to the cache (`$HF_HOME/token`) if there is one.
    pub token: Option<String>,
    /// Show download progress bars on stderr.
    pub progress: bool,
}

impl HubOptions {
    /// Options from the process environment: `HF_ENDPOINT`, `HF_HUB_CACHE`, `HF_HOME`,
    /// `HF_HUB_OFFLINE`, `HF_TOKEN`.
    pub fn from_env() -> Self {
        Self::from_env_vars(|name| std::env::var(name).ok())
    }

    /// Options from an environment given as a lookup function (testable without touching the
    /// process environment). Empty values count as unset.
    pub fn from_env_vars(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let cache_dir = var("HF_HUB_CACHE")
            .map(PathBuf::from)
            .or_else(|| var("HF_HOME").map(|home| PathBuf::from(home).join("hub")));
        Self {
            endpoint: var("HF_ENDPOINT"),
            cache_dir,
            offline: var("HF_HUB_OFFLINE").is_some_and(|value| is_truthy(&value)),
            token: var("HF_TOKEN").map(|token| token.trim().to_string()),
            progress: false,
        }
    }

    /// The endpoint in use, without a trailing slash.
    pub fn endpoint(&self) -> &str {
        self.endpoint
            .as_deref()
            .unwrap_or(DEFAULT_ENDPOINT)
            .trim_end_matches('/')
    }

    /// The cache directory in use.
    pub fn cache_dir(&self) -> Result<PathBuf, SourceError> {
        match &self.cache_dir {
            Some(dir) => Ok(dir.clone()),
            None => dirs::home_dir()
                .map(|home| home.join(".cache").join("huggingface").join("hub"))
                .ok_or(SourceError::NoCacheDir),
        }
    }
}

/// The values `huggingface_hub` accepts as true for boolean variables.
fn is_truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "on" | "yes" | "true"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn options_from(vars: &[(&str, &str)]) -> HubOptions {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        HubOptions::from_env_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn empty_environment_gives_defaults() {
        let options = options_from(&[]);
        assert_eq!(options, HubOptions::default());
        assert_eq!(options.endpoint(), "https://huggingface.co");
    }

    #[test]
    fn reads_every_variable() {
        let options = options_from(&[
            ("HF_ENDPOINT", "http://mirror.local/"),
            ("HF_HOME", "/data/hf"),
            ("HF_HUB_OFFLINE", "1"),
            ("HF_TOKEN", " hf_abc \n"),
        ]);
        assert_eq!(options.endpoint(), "http://mirror.local");
        assert_eq!(options.cache_dir().unwrap(), PathBuf::from("/data/hf/hub"));
        assert!(options.offline);
        assert_eq!(options.token.as_deref(), Some("hf_abc"));
    }

    #[test]
    fn hub_cache_takes_precedence_over_home() {
        let options = options_from(&[("HF_HOME", "/data/hf"), ("HF_HUB_CACHE", "/fast/cache")]);
        assert_eq!(options.cache_dir().unwrap(), PathBuf::from("/fast/cache"));
    }

    #[test]
    fn offline_accepts_the_python_truthy_spellings_only() {
        for truthy in ["1", "ON", "yes", "True"] {
            assert!(
                options_from(&[("HF_HUB_OFFLINE", truthy)]).offline,
                "{truthy}"
            );
        }
        for falsy in ["0", "false", "off", "", "2"] {
            assert!(
                !options_from(&[("HF_HUB_OFFLINE", falsy)]).offline,
                "{falsy}"
            );
        }
    }
}
