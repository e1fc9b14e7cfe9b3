use std::str::FromStr;

use crate::{ScheduleContext, ScheduleError};

/// A parsed schedule spec (`name` or `name:arg1,arg2`) plus the build context: what a
/// schedule factory receives.
#[derive(Debug, Clone)]
pub struct ScheduleArgs<'a> {
    schedule: String,
    values: Vec<String>,
    context: &'a ScheduleContext,
}

impl<'a> ScheduleArgs<'a> {
    /// Parses `spec`: a name, optionally followed by `:` and comma-separated arguments.
    /// Whitespace around the name and each argument is ignored.
    pub fn parse(spec: &str, context: &'a ScheduleContext) -> Result<Self, ScheduleError> {
        let malformed = |reason: &str| ScheduleError::MalformedSpec {
            spec: spec.to_string(),
            reason: reason.to_string(),
        };
        let (name, rest) = match spec.split_once(':') {
            Some((name, rest)) => (name.trim(), Some(rest)),
            None => (spec.trim(), None),
        };
        if name.is_empty() {
            return Err(malformed("the schedule name is empty"));
        }
        let values = match rest {
            None => Vec::new(),
            Some(rest) => {
                let values: Vec<String> = rest.split(',').map(|v| v.trim().to_string()).collect();
                if values.iter().any(String::is_empty) {
                    return Err(malformed("an argument after `:` is empty"));
                }
                values
            }
        };
        Ok(Self::new(name, values, context))
    }

    /// Arguments given directly (for testing a factory without a spec string).
    pub fn new(schedule: &str, values: Vec<String>, context: &'a ScheduleContext) -> Self {
        Self {
            schedule: schedule.to_string(),
            values,
            context,
        }
    }

    /// The schedule name (the part before `:`).
    pub fn schedule(&self) -> &str {
        &self.schedule
    }

    /// The raw arguments, in order.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The raw argument at `index`, if given.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.values.get(index).map(String::as_str)
    }

    pub fn context(&self) -> &ScheduleContext {
        self.context
    }

    /// Fails unless at most `max` arguments were given; `usage` is shown in the error,
    /// e.g. `fixed:RATE`.
    pub fn expect_at_most(&self, max: usize, usage: &str) -> Result<(), ScheduleError> {
        if self.values.len() <= max {
            return Ok(());
        }
        Err(ScheduleError::TooManyArguments {
            schedule: self.schedule.clone(),
            max,
            got: self.values.len(),
            usage: usage.to_string(),
        })
    }

    /// The argument at `index` parsed as a number, or `default` when absent.
    pub fn f64_or(
        &self,
        index: usize,
        parameter: &str,
        default: f64,
    ) -> Result<f64, ScheduleError> {
        self.parsed_or(index, parameter, default, "a number, e.g. 0.15 or 1e-3")
    }

    /// The argument at `index` parsed as a whole number, or `default` when absent.
    pub fn u32_or(
        &self,
        index: usize,
        parameter: &str,
        default: u32,
    ) -> Result<u32, ScheduleError> {
        self.parsed_or(index, parameter, default, "a whole number, e.g. 10")
    }

    fn parsed_or<T: FromStr>(
        &self,
        index: usize,
        parameter: &str,
        default: T,
        expected: &str,
    ) -> Result<T, ScheduleError> {
        let Some(raw) = self.get(index) else {
            return Ok(default);
        };
        raw.parse().map_err(|_| ScheduleError::InvalidParameter {
            component: self.schedule.clone(),
            parameter: parameter.to_string(),
            value: raw.to_string(),
            expected: expected.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_name_and_arguments() {
        let ctx = ScheduleContext::default();
        let args = ScheduleArgs::parse(" linear : 1e-3 , 2 ", &ctx).unwrap();
        assert_eq!(args.schedule(), "linear");
        assert_eq!(args.values(), ["1e-3", "2"]);
        assert_eq!(args.f64_or(0, "eps", 0.0).unwrap(), 1e-3);
        assert_eq!(args.u32_or(1, "n", 0).unwrap(), 2);
        assert_eq!(args.u32_or(5, "n", 7).unwrap(), 7);
    }

    #[test]
    fn bare_name_has_no_arguments() {
        let ctx = ScheduleContext::default();
        let args = ScheduleArgs::parse("cosine", &ctx).unwrap();
        assert!(args.is_empty());
        assert!(args.expect_at_most(0, "cosine").is_ok());
    }

    #[test]
    fn rejects_empty_names_and_arguments() {
        let ctx = ScheduleContext::default();
        for spec in ["", "  ", ":0.1", "fixed:", "fixed:0.1,", "fixed:,0.1"] {
            let err = ScheduleArgs::parse(spec, &ctx).unwrap_err();
            assert!(
                matches!(err, ScheduleError::MalformedSpec { .. }),
                "{spec}: {err}"
            );
        }
    }

    #[test]
    fn reports_unparsable_numbers_and_extra_arguments() {
        let ctx = ScheduleContext::default();
        let args = ScheduleArgs::parse("levels:ten,3", &ctx).unwrap();
        let err = args.u32_or(0, "levels", 10).unwrap_err();
        assert!(err.to_string().contains("levels = ten"), "{err}");
        let err = args.expect_at_most(1, "levels:N").unwrap_err();
        assert!(err.to_string().contains("at most 1"), "{err}");
    }
}
