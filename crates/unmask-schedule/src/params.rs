//! Range checks shared by the schedule constructors, so every schedule words its
//! errors the same way.

use crate::ScheduleError;

/// The largest `eps` any schedule or time sampler accepts (exclusive).
pub const MAX_EPS: f64 = 0.5;

pub(crate) fn invalid(
    component: &str,
    parameter: &str,
    value: f64,
    expected: &str,
) -> ScheduleError {
    ScheduleError::InvalidParameter {
        component: component.to_string(),
        parameter: parameter.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

/// `eps` in [0, 0.5): the small offset that keeps t or alpha away from 0 or 1.
pub(crate) fn check_eps(component: &str, eps: f64) -> Result<f64, ScheduleError> {
    if (0.0..MAX_EPS).contains(&eps) {
        Ok(eps)
    } else {
        Err(invalid(
            component,
            "eps",
            eps,
            "a number in [0, 0.5), e.g. 0.001",
        ))
    }
}
