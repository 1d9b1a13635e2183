//! Each experiment at its quick size, checking the conclusion it illustrates.

use std::path::Path;
use tinymlp_host::experiments::{self, Findings, activations, approximation, depth_width, gradients, init};
use tinymlp_host::experiments::{backprop_cost, perceptron_vs_mlp, skip, spiral};

/// Writes the experiment's files into `dir` and checks they are there.
fn saved<F: Findings>(f: F, dir: &Path) -> F {
    let s = experiments::save(&f, dir).unwrap();
    assert_eq!(s.name, F::NAME);
    assert_eq!(s.rows, f.rows());
    let png = if F::NAME == "spiral" { vec!["spiral", "spiral-loss"] } else { vec![F::NAME] };
    let files =
        png.iter().map(|p| format!("{p}.png")).chain(["md", "json"].map(|e| format!("{}.{e}", F::NAME)));
    for file in files {
        let p = dir.join(file);
        assert!(std::fs::metadata(&p).map(|m| m.len() > 100).unwrap_or(false), "{}", p.display());
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{}.json", F::NAME))).unwrap())
            .unwrap();
    assert_eq!(json["name"], F::NAME);
    assert_eq!(json["conclusion"], f.conclusion());
    // (both sides parsed from text: serde_json reads some floats back one bit off)
    let results: serde_json::Value = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
    assert_eq!(json["results"], results);
    f
}

#[test]
fn activations_sigmoid_learns_slowest() {
    let dir = tempfile::tempdir().unwrap();
    let f = saved(activations::run(true, dir.path()).unwrap(), dir.path());
    assert_eq!(f.runs.len(), 5);
    let worst = f.runs.iter().max_by(|a, b| a.final_loss.total_cmp(&b.final_loss)).unwrap();
    assert_eq!(worst.activation, "sigmoid", "{:?}", f.runs);
    // The properties table against the formulas: σ′ ≤ σ′(0) = 1/4, tanh′(0) = 1,
    // σ′(5) = σ(5)(1 − σ(5)), tanh′(5) = 1 − tanh²(5).
    let p = |name: &str| f.properties.iter().find(|p| p.activation == name).unwrap();
    let s5 = 1.0 / (1.0 + (-5.0f64).exp());
    assert!((p("sigmoid").max_derivative as f64 - 0.25).abs() < 1e-6);
    assert!((p("sigmoid").derivative_at_5 as f64 - s5 * (1.0 - s5)).abs() < 1e-6);
    assert!((p("tanh").max_derivative - 1.0).abs() < 1e-6);
    assert!((p("tanh").derivative_at_5 as f64 - (1.0 - 5.0f64.tanh().powi(2))).abs() < 1e-6);
    assert_eq!((p("relu").derivative_at_minus_5, p("relu").derivative_at_5), (0.0, 1.0));
    assert_eq!(p("leaky relu (0.01)").derivative_at_minus_5, 0.01);
    let md = std::fs::read_to_string(dir.path().join("activations.md")).unwrap();
    assert!(md.contains("| sigmoid | (0, 1) | 0.2500 |"), "{md}");
}

#[test]
fn depth_width_comparable_parameters_comparable_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let f = saved(depth_width::run(true, dir.path()).unwrap(), dir.path());
    for a in &f.architectures {
        assert!((1000..=1200).contains(&a.parameters), "{a:?}");
        assert!(a.test_accuracy >= 0.9, "{a:?}");
    }
    assert_eq!(f.architectures.len(), 4);
}

#[test]
fn spiral_reaches_98_percent() {
    let dir = tempfile::tempdir().unwrap();
    let f = saved(spiral::run(true, dir.path()).unwrap(), dir.path());
    assert!(f.training_accuracy >= 0.98, "{}", f.training_accuracy);
}

#[test]
fn gradients_vanish_in_deep_sigmoid_networks() {
    let dir = tempfile::tempdir().unwrap();
    let f = saved(gradients::run(true, dir.path()).unwrap(), dir.path());
    // orders of magnitude: the sigmoid network's first layer gets < 1/1000 of the relu one's
    assert!(f.sigmoid_relu_first_layer_ratio() < 1e-3, "{}", f.sigmoid_relu_first_layer_ratio());
    assert!(f.sigmoid_xavier[8] > 1000.0 * f.sigmoid_xavier[0], "{:?}", f.sigmoid_xavier);
    let relu = f.relu_he[8] / f.relu_he[0];
    assert!((0.1..10.0).contains(&relu), "relu keeps its gradient: {relu}");
}

#[test]
fn init_reproduces_the_tutorials_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let f = saved(init::run(dir.path()).unwrap(), dir.path());
    assert!((5e-4..2e-3).contains(&f.too_small[10]), "{}", f.too_small[10]);
    assert!((512.0..2048.0).contains(&f.too_large[10]), "{}", f.too_large[10]);
    for (name, s) in [("Xavier, linear", f.xavier_linear), ("He, relu", f.he_relu)] {
        assert!((0.5..2.0).contains(&s[10]), "{name}: {}", s[10]);
    }
}

#[test]
fn approximation_improves_with_neurons() {
    let dir = tempfile::tempdir().unwrap();
    let f = saved(approximation::run(true, dir.path()).unwrap(), dir.path());
    let (five, fifty, deep) = (f.hidden_5.mse, f.hidden_50.mse, f.hidden_10_10.mse);
    assert!(fifty < five / 5.0, "{five} {fifty}");
    assert!(deep < 2.0 * fifty, "{fifty} {deep}");
}

#[test]
fn mlp_beats_the_perceptron() {
    let dir = tempfile::tempdir().unwrap();
    let f = saved(perceptron_vs_mlp::run(true, dir.path()).unwrap(), dir.path());
    let (p, m) = (f.perceptron.test_accuracy, f.mlp.test_accuracy);
    assert!(m >= p + 0.05, "perceptron {p}, MLP {m}");
    // the MLP's recipe runs the callbacks, which say what they did as `tinymlp train`'s do;
    // the perceptron's runs none
    assert!(f.perceptron.events.is_empty(), "{:?}", f.perceptron.events);
    let said = &f.mlp.events;
    assert!(said[0].starts_with("Epoch 1: val_auc improved from -inf to "), "{said:?}");
    let stopped = said.iter().any(|e| e == &format!("Epoch {}: early stopping", f.mlp.epochs));
    assert_eq!(stopped, f.mlp.epochs < 40, "{said:?}");
    // each message at its epoch, in order
    let epoch = |e: &String| e.strip_prefix("Epoch ").and_then(|r| r.split(':').next()?.parse::<u32>().ok());
    let epochs: Vec<u32> = said.iter().filter_map(epoch).collect();
    assert!(epochs.windows(2).all(|w| w[0] <= w[1]) && epochs.iter().all(|&e| e <= f.mlp.epochs), "{said:?}");
    let md = std::fs::read_to_string(dir.path().join("perceptron-vs-mlp.md")).unwrap();
    assert!(md.contains("What the MLP's callbacks did") && md.contains(&said[0]), "{md}");
    assert!(!md.contains("What the perceptron's callbacks did"), "{md}");
}

#[test]
fn skip_connections_carry_the_gradient_through_20_sigmoid_layers() {
    let dir = tempfile::tempdir().unwrap();
    let f = saved(skip::run(true, dir.path()).unwrap(), dir.path());
    let (plain, res) = (&f.plain, &f.residual);
    assert_eq!((plain.gradient.len(), res.gradient.len()), (skip::LAYERS, skip::LAYERS));
    // without skips the first layer's gradient is orders of magnitude below the last one's
    assert!(plain.first_over_last() < 1e-6, "{:?}", plain.gradient);
    // with them it stays within two orders of magnitude of it, and far above the plain one's
    assert!(res.first_over_last() > 1e-3, "{:?}", res.gradient);
    assert!(res.gradient[0] > 1e6 * plain.gradient[0]);
    // and the residual network learns where the plain one stays at chance
    assert!(plain.final_accuracy() < 0.65, "{}", plain.final_accuracy());
    assert!(res.final_accuracy() >= 0.75, "{}", res.final_accuracy());
}

#[test]
fn backprop_costs_about_twice_the_forward_pass() {
    let dir = tempfile::tempdir().unwrap();
    let f = saved(backprop_cost::run(true, dir.path()).unwrap(), dir.path());
    // The seed MLP's Dense layers 2-64-32-16-1, counted by hand: 128 + 2,048 + 512 + 16
    // multiply-adds forward; backward twice that less the first layer's input gradient.
    assert_eq!(f.macs.forward, 2 * 64 + 64 * 32 + 32 * 16 + 16);
    assert_eq!(f.macs.backward, 2 * f.macs.forward - 2 * 64);
    assert_eq!(f.macs.update, 3009);
    assert!((1.9..=2.0).contains(&f.macs_ratio()), "{}", f.macs_ratio());
    // timings are reported, not judged (no wall-clock asserts): only that they were taken
    for t in [f.times.forward_us, f.times.backward_us, f.times.update_us] {
        assert!(t.is_finite(), "{:?}", f.times);
    }
    assert!(f.conclusion().contains("1.95× the forward pass's multiply-adds"), "{}", f.conclusion());
    // one-row step over forward pass, counted: (2,704 + 5,280 + 3,009) / 2,704
    assert!((f.step_macs_ratio() - 10993.0 / 2704.0).abs() < 1e-12, "{}", f.step_macs_ratio());
    match &f.device {
        backprop_cost::OnDevice::Measured(d) => {
            // Each multiply-add is at least one instruction, and the firmware's kernel takes a
            // few per multiply-add (docs/performance.md), not tens.
            assert!((2704.0..=10.0 * 2704.0).contains(&d.forward), "{d:?}");
            // The step holds the forward pass and a backward pass of about twice its
            // multiply-adds, so at least 2×; what the count leaves out (bounds, zeroing, the
            // loss guard's copy and second pass) stays within 3× the count's prediction (4.07×).
            let band = 2.0..=3.0 * f.step_macs_ratio();
            assert!(
                band.contains(&d.step_ratio()),
                "step/forward {} outside {band:?}: {d:?}",
                d.step_ratio()
            );
            assert!(d.step_range.0 <= d.step && d.step <= d.step_range.1, "{d:?}");
            assert_eq!(d.steps, 8);
            assert!(f.conclusion().contains("On the emulated Cortex-M4F"), "{}", f.conclusion());
        }
        backprop_cost::OnDevice::Unavailable(why) => {
            // As the end-to-end tests: CI requires QEMU; elsewhere the output says it is missing.
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
            assert!(!ci, "CI requires qemu-system-arm for the device figures: {why}");
            assert!(f.conclusion().contains("was not measured"), "{}", f.conclusion());
            let md = std::fs::read_to_string(dir.path().join("backprop-cost.md")).unwrap();
            assert!(md.contains("qemu-system-arm") && !md.contains("docs/performance.md"), "{md}");
        }
    }
}
