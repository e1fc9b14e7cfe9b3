//! A schedule defined outside the crate is registered by name and built like a built-in.

use unmask_schedule::{
    LossWeighting, MaskSchedule, ScheduleArgs, ScheduleContext, ScheduleError, ScheduleRegistry,
    mask_rate_steps,
};

/// mask rate t^power: masks slowly early on for power > 1.
#[derive(Debug)]
struct Power {
    power: f64,
}

impl MaskSchedule for Power {
    fn name(&self) -> String {
        format!("power:{}", self.power)
    }

    fn mask_rate(&self, t: f64) -> f64 {
        t.clamp(0.0, 1.0).powf(self.power)
    }

    fn alpha_derivative(&self, t: f64) -> f64 {
        -self.power * t.clamp(0.0, 1.0).powf(self.power - 1.0)
    }
}

fn power_from_args(args: &ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError> {
    args.expect_at_most(1, "power:P")?;
    let power = args.f64_or(0, "power", 2.0)?;
    if !(power > 0.0 && power.is_finite()) {
        return Err(ScheduleError::InvalidParameter {
            component: "power".into(),
            parameter: "power".into(),
            value: power.to_string(),
            expected: "a positive number".into(),
        });
    }
    Ok(Box::new(Power { power }))
}

#[test]
fn a_user_schedule_is_built_through_the_registry() {
    let mut registry = ScheduleRegistry::with_builtins();
    registry.register("power", power_from_args).unwrap();
    assert!(registry.names().contains(&"power".to_string()));
    assert!(registry.names().contains(&"linear".to_string()));

    let context = ScheduleContext::default();
    let schedule = registry.build("power:3", &context).unwrap();
    assert_eq!(schedule.name(), "power:3");
    assert_eq!(schedule.mask_rate(0.5), 0.125);
    // Default ELBO weight: -alpha'/(1 - alpha) = 3 t^2 / t^3 = 3 / t.
    let weight = LossWeighting::Elbo.weight(schedule.as_ref(), 0.5).unwrap();
    assert!((weight - 6.0).abs() < 1e-12);
    assert_eq!(
        mask_rate_steps(schedule.as_ref(), 2).unwrap(),
        [1.0, 0.125, 0.0]
    );

    assert_eq!(
        registry.build("power", &context).unwrap().mask_rate(0.5),
        0.25
    );
    let err = registry.build("power:-1", &context).unwrap_err();
    assert!(err.to_string().contains("positive"), "{err}");
}

#[test]
fn closures_can_capture_state_and_read_the_context() {
    let mut registry = ScheduleRegistry::new();
    let floor = 0.05;
    registry
        .register("vocab-sized", move |args: &ScheduleArgs| {
            let vocab = args
                .context()
                .token_counts
                .as_ref()
                .map_or(0, |counts| counts.len());
            let power = 1.0 + vocab as f64 + floor;
            Ok(Box::new(Power { power }) as Box<dyn MaskSchedule>)
        })
        .unwrap();
    let context = ScheduleContext::with_token_counts(vec![1, 2, 3]);
    let schedule = registry.build("vocab-sized", &context).unwrap();
    assert_eq!(schedule.name(), "power:4.05");
    let err = registry.build("linear", &context).unwrap_err();
    assert!(matches!(err, ScheduleError::UnknownSchedule { .. }));
}
