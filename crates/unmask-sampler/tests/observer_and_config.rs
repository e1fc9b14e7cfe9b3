//! The JSON-lines trace and the serde form of the configuration.

mod common;

use common::{FakeModel, MASK, config, prompted};
use unmask_sampler::{PolicyKind, Sampler, SamplerConfig, TraceObserver};

#[test]
fn trace_has_one_json_line_per_step() {
    let sampler = Sampler::new(config(PolicyKind::Prob, 3)).unwrap();
    let mut trace = TraceObserver::new(Vec::new());
    let canvases = vec![prompted(0, &[5], 3, &[6]), prompted(1, &[], 2, &[])];
    let generation = sampler
        .generate(&mut FakeModel::new(10), canvases, &mut trace)
        .unwrap();
    let text = String::from_utf8(trace.finish().unwrap()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), generation.steps_taken);
    for (step, line) in lines.iter().enumerate() {
        assert_eq!(line["step"], step);
        assert_eq!(line["canvases"].as_array().unwrap().len(), 2);
    }
    let first = &lines[0]["canvases"][0];
    assert_eq!(first["tokens"].as_array().unwrap().len(), 6);
    assert_eq!(
        first["masked"].as_array().unwrap().len(),
        2,
        "3 masks, 1 committed at step 0"
    );
    let last = &lines.last().unwrap()["canvases"][0];
    assert!(last["masked"].as_array().unwrap().is_empty());
    let tokens: Vec<u32> = serde_json::from_value(last["tokens"].clone()).unwrap();
    assert_eq!(tokens, generation.canvases[0].tokens());
    assert!(!tokens.contains(&MASK));
}

#[test]
fn config_round_trips_through_toml_and_rejects_unknown_keys() {
    let text = r#"
        policy = "margin"
        steps = 32
        schedule = "cosine"
        block_len = 8
        remask = 0.05
        temperature = 0.7
        top_k = 50
        top_p = 0.95
        forbidden = [0, 2]
        seed = 7
    "#;
    let cfg: SamplerConfig = toml::from_str(text).unwrap();
    assert_eq!(cfg.policy, PolicyKind::Margin);
    assert_eq!(cfg.block_len, Some(8));
    assert_eq!(
        toml::from_str::<SamplerConfig>(&toml::to_string(&cfg).unwrap()).unwrap(),
        cfg
    );
    assert!(Sampler::new(cfg).is_ok());

    let partial: SamplerConfig = toml::from_str("policy = \"threshold\"\nthreshold = 0.8").unwrap();
    assert_eq!(partial.steps, SamplerConfig::default().steps);

    let err = toml::from_str::<SamplerConfig>("polcy = \"seed\"").unwrap_err();
    assert!(err.to_string().contains("polcy"), "{err}");
}

#[test]
fn every_policy_round_trips_through_toml_by_name_and_an_unknown_one_is_refused() {
    for kind in PolicyKind::ALL {
        let text = format!("policy = \"{}\"\nsteps = 8\n", kind.name());
        let cfg: SamplerConfig = toml::from_str(&text).unwrap();
        assert_eq!(cfg.policy, kind);
        let written = toml::to_string(&cfg).unwrap();
        assert!(
            written.contains(&format!("policy = \"{kind}\"")),
            "{written}"
        );
        assert_eq!(toml::from_str::<SamplerConfig>(&written).unwrap(), cfg);
    }
    let err = toml::from_str::<SamplerConfig>("policy = \"greedy\"\nsteps = 8")
        .unwrap_err()
        .to_string();
    for word in [
        "greedy",
        "`seed`",
        "`ancestral`",
        "`prob`",
        "`margin`",
        "`entropy`",
        "`random`",
        "`threshold`",
    ] {
        assert!(err.contains(word), "{word} missing from {err}");
    }
}

#[test]
fn the_seed_experiment_preset_runs() {
    let sampler = Sampler::new(SamplerConfig::seed_experiment()).unwrap();
    assert_eq!(sampler.policy().name(), "seed");
    let generation = sampler
        .generate(
            &mut FakeModel::new(60),
            vec![prompted(0, &[5, 6], 20, &[7])],
            &mut unmask_sampler::NoObserver,
        )
        .unwrap();
    assert_eq!(generation.nfe, 10);
    assert!(generation.canvases[0].is_complete());
}
