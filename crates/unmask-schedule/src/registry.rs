use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::{
    Cosine, DiscreteLevels, FixedRate, Linear, LogLinear, MaskSchedule, MdlmCosine, ScheduleArgs,
    ScheduleContext, ScheduleError, Spindle,
};

/// What the registry stores per name: builds a schedule from its parsed arguments.
pub type ScheduleFactory =
    dyn Fn(&ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError> + Send + Sync;

type BuiltinFactory = fn(&ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError>;

/// A registered schedule: its factory and what the factory needs in its context.
#[derive(Clone)]
struct Entry {
    factory: Arc<ScheduleFactory>,
    needs_token_counts: bool,
}

/// Schedules by name: the plugin point. A crate adds its own schedule by registering a
/// factory under a new name; specs `name` or `name:arg1,arg2` then build it. A factory that
/// reads corpus token counts is registered with [`ScheduleRegistry::register_needing_token_counts`],
/// so that a trainer knows to count the corpus for it.
#[derive(Clone, Default)]
pub struct ScheduleRegistry {
    factories: BTreeMap<String, Entry>,
}

impl ScheduleRegistry {
    /// A registry with no schedules.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry holding the built-in schedules.
    pub fn with_builtins() -> Self {
        let mut registry = Self::new();
        registry.add_builtin("fixed", FixedRate::from_args);
        registry.add_builtin("levels", DiscreteLevels::from_args);
        registry.add_builtin("linear", Linear::from_args);
        registry.add_builtin("loglinear", LogLinear::from_args);
        registry.add_builtin("cosine", Cosine::from_args);
        registry.add_builtin("cosine-mdlm", MdlmCosine::from_args);
        registry
            .register_needing_token_counts("spindle", Spindle::from_args)
            .expect("built-in schedule names are valid and distinct");
        registry
    }

    fn add_builtin(&mut self, name: &str, factory: BuiltinFactory) {
        self.register(name, factory)
            .expect("built-in schedule names are valid and distinct");
    }

    /// Registers `factory` under `name`, declaring that it reads corpus token counts
    /// ([`ScheduleContext::token_counts`]): trainers count the corpus for it.
    pub fn register_needing_token_counts<F>(
        &mut self,
        name: &str,
        factory: F,
    ) -> Result<(), ScheduleError>
    where
        F: Fn(&ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError>
            + Send
            + Sync
            + 'static,
    {
        self.insert(name, Arc::new(factory), true)
    }

    /// Whether the schedule `spec` names reads corpus token counts (an unknown name is
    /// an error).
    pub fn needs_token_counts(&self, spec: &str) -> Result<bool, ScheduleError> {
        let context = ScheduleContext::default();
        let args = ScheduleArgs::parse(spec, &context)?;
        Ok(self.entry(args.schedule())?.needs_token_counts)
    }

    fn entry(&self, name: &str) -> Result<&Entry, ScheduleError> {
        self.factories
            .get(name)
            .ok_or_else(|| ScheduleError::UnknownSchedule {
                name: name.to_string(),
                known: self.names(),
            })
    }

    /// Registers `factory` under `name`. Names are non-empty and free of `:`, `,` and
    /// whitespace; a name that is already taken is an error.
    pub fn register<F>(&mut self, name: &str, factory: F) -> Result<(), ScheduleError>
    where
        F: Fn(&ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError>
            + Send
            + Sync
            + 'static,
    {
        self.insert(name, Arc::new(factory), false)
    }

    fn insert(
        &mut self,
        name: &str,
        factory: Arc<ScheduleFactory>,
        needs_token_counts: bool,
    ) -> Result<(), ScheduleError> {
        let invalid = |reason: &str| ScheduleError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        };
        if name.is_empty() {
            return Err(invalid("the name is empty"));
        }
        if name
            .chars()
            .any(|c| c == ':' || c == ',' || c.is_whitespace())
        {
            return Err(invalid("names may not contain `:`, `,` or whitespace"));
        }
        if self.factories.contains_key(name) {
            return Err(ScheduleError::DuplicateName {
                name: name.to_string(),
            });
        }
        self.factories.insert(
            name.to_string(),
            Entry {
                factory,
                needs_token_counts,
            },
        );
        Ok(())
    }

    /// Builds the schedule that `spec` (`name` or `name:arg1,arg2`) names.
    pub fn build(
        &self,
        spec: &str,
        context: &ScheduleContext,
    ) -> Result<Box<dyn MaskSchedule>, ScheduleError> {
        let args = ScheduleArgs::parse(spec, context)?;
        (self.entry(args.schedule())?.factory)(&args)
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.factories.keys().cloned().collect()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.factories.contains_key(name)
    }
}

impl fmt::Debug for ScheduleRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScheduleRegistry")
            .field("names", &self.names())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(spec: &str) -> Result<Box<dyn MaskSchedule>, ScheduleError> {
        ScheduleRegistry::with_builtins().build(spec, &ScheduleContext::default())
    }

    #[test]
    fn spindle_alone_declares_that_it_needs_token_counts() {
        let registry = ScheduleRegistry::with_builtins();
        for name in registry.names() {
            assert_eq!(
                registry.needs_token_counts(&name).unwrap(),
                name == "spindle",
                "{name}"
            );
        }
        assert!(registry.needs_token_counts("spindle:0.5").unwrap());
        assert!(matches!(
            registry.needs_token_counts("nope"),
            Err(ScheduleError::UnknownSchedule { .. })
        ));
    }

    #[test]
    fn builds_every_builtin_with_defaults() {
        let counts = ScheduleContext::with_token_counts(vec![3, 1, 4, 1, 5]);
        let registry = ScheduleRegistry::with_builtins();
        let expected = [
            ("fixed", "fixed:0.15"),
            ("levels", "levels:10"),
            ("linear", "linear"),
            ("loglinear", "loglinear:0.001"),
            ("cosine", "cosine"),
            ("cosine-mdlm", "cosine-mdlm:0.001"),
            ("spindle", "spindle:0.3"),
        ];
        for (spec, name) in expected {
            assert_eq!(registry.build(spec, &counts).unwrap().name(), name);
        }
        assert_eq!(registry.names().len(), expected.len());
    }

    #[test]
    fn builds_with_arguments() {
        assert_eq!(build("fixed:0.3").unwrap().mask_rate(0.9), 0.3);
        assert_eq!(build("levels:4").unwrap().mask_rate(0.3), 0.5);
        assert_eq!(build("linear:1e-3").unwrap().name(), "linear:0.001");
    }

    #[test]
    fn unknown_name_lists_known_ones() {
        let err = build("quadratic").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("`quadratic`"), "{message}");
        for name in [
            "fixed",
            "levels",
            "linear",
            "loglinear",
            "cosine",
            "spindle",
        ] {
            assert!(message.contains(name), "{message}");
        }
    }

    #[test]
    fn out_of_range_and_malformed_arguments_are_errors() {
        for spec in [
            "fixed:0",
            "fixed:1.01",
            "fixed:nan",
            "levels:0",
            "levels:2.5",
            "levels:-3",
            "linear:0.5",
            "loglinear:-0.1",
            "cosine-mdlm:1",
            "cosine:0.1",
            "fixed:0.1,0.2",
            "linear:",
        ] {
            assert!(build(spec).is_err(), "{spec} should fail");
        }
    }

    #[test]
    fn spindle_without_counts_says_what_is_missing() {
        let err = build("spindle").unwrap_err();
        assert!(matches!(err, ScheduleError::MissingTokenCounts { .. }));
        assert!(err.to_string().contains("token counts"), "{err}");
        let counts = ScheduleContext::with_token_counts(vec![1, 2]);
        let err = ScheduleRegistry::with_builtins()
            .build("spindle:1.5", &counts)
            .unwrap_err();
        assert!(err.to_string().contains("lambda"), "{err}");
    }

    #[test]
    fn rejects_bad_and_duplicate_names() {
        let mut registry = ScheduleRegistry::with_builtins();
        for name in ["", "a:b", "a,b", "a b"] {
            let result = registry.register(name, Linear::from_args);
            assert!(
                matches!(result, Err(ScheduleError::InvalidName { .. })),
                "{name:?}"
            );
        }
        let result = registry.register("linear", Linear::from_args);
        assert!(matches!(result, Err(ScheduleError::DuplicateName { .. })));
    }
}
