//! Each experiment at its quick size, checking the conclusion it illustrates.

use tinymlp_host::experiments::{Experiment, run};

fn quick(e: Experiment) -> (tinymlp_host::experiments::Findings, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let f = run(e, true, dir.path()).unwrap();
    for ext in ["png", "md", "json"] {
        let p = dir.path().join(format!("{}.{ext}", f.name));
        assert!(std::fs::metadata(&p).map(|m| m.len() > 100).unwrap_or(false), "{}", p.display());
    }
    (f, dir)
}

#[test]
fn activations_sigmoid_learns_slowest() {
    let (f, _d) = quick(Experiment::Activations);
    let losses: Vec<f64> = f.rows.iter().map(|r| r[3].parse().unwrap()).collect();
    let names: Vec<&str> = f.rows.iter().map(|r| r[0].as_str()).collect();
    let worst = names[losses.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0];
    assert_eq!(worst, "sigmoid", "{:?}", f.rows);
}

#[test]
fn depth_width_comparable_parameters_comparable_accuracy() {
    let (f, _d) = quick(Experiment::DepthWidth);
    for r in &f.rows {
        let params: usize = r[2].parse().unwrap();
        let acc: f64 = r[3].parse().unwrap();
        assert!((1000..=1200).contains(&params), "{r:?}");
        assert!(acc >= 0.9, "{r:?}");
    }
    assert_eq!(f.rows.len(), 4);
}

#[test]
fn spiral_reaches_98_percent() {
    let (f, _d) = quick(Experiment::Spiral);
    assert!(f.number("training accuracy") >= 0.98, "{}", f.number("training accuracy"));
}

#[test]
fn gradients_vanish_in_deep_sigmoid_networks() {
    let (f, _d) = quick(Experiment::Gradients);
    // orders of magnitude: the sigmoid network's first layer gets < 1/1000 of the relu one's
    assert!(
        f.number("sigmoid/relu first-layer ratio") < 1e-3,
        "{}",
        f.number("sigmoid/relu first-layer ratio")
    );
    assert!(f.number("sigmoid, Xavier: layer 9") > 1000.0 * f.number("sigmoid, Xavier: layer 1"));
    let relu = f.number("relu, He: layer 9") / f.number("relu, He: layer 1");
    assert!((0.1..10.0).contains(&relu), "relu keeps its gradient: {relu}");
}

#[test]
fn init_reproduces_the_tutorials_numbers() {
    let (f, _d) = quick(Experiment::Init);
    let small = f.number("too small (std 0.5/√n): layer 10");
    let large = f.number("too large (std 2/√n): layer 10");
    assert!((5e-4..2e-3).contains(&small), "{small}");
    assert!((512.0..2048.0).contains(&large), "{large}");
    for n in ["Xavier, linear: layer 10", "He, relu: layer 10"] {
        assert!((0.5..2.0).contains(&f.number(n)), "{n}: {}", f.number(n));
    }
}

#[test]
fn approximation_improves_with_neurons() {
    let (f, _d) = quick(Experiment::Approximation);
    let (five, fifty, deep) = (f.number("1-5-1: mse"), f.number("1-50-1: mse"), f.number("1-10-10-1: mse"));
    assert!(fifty < five / 5.0, "{five} {fifty}");
    assert!(deep < 2.0 * fifty, "{fifty} {deep}");
}

#[test]
fn mlp_beats_the_perceptron() {
    let (f, _d) = quick(Experiment::PerceptronVsMlp);
    let (p, m) = (f.number("perceptron accuracy"), f.number("mlp accuracy"));
    assert!(m >= p + 0.05, "perceptron {p}, MLP {m}");
}
