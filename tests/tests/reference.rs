//! Against the reference data in `data/moons` (scikit-learn's exact split and
//! scaler, and what Keras reached on it; see its REFERENCE.md).

use tinymlp::{Layer, Normalization};
use tinymlp_host::data::read_csv;
use tinymlp_host::train::{ModelKind, TrainOptions, train};
use tinymlp_tests::reference_moons;

/// scikit-learn's StandardScaler on the raw training rows (scaler.csv, 17 digits):
/// our Normalization adapts to the same mean and scale (rounded to f32), and scales the raw
/// test rows to test.csv's values (scaled in f64, then rounded to f32) within 5e-7: the raw
/// values themselves are rounded to f32 on reading (up to 1.2e-7 for |x| < 2), which the
/// division by a scale of 0.53 doubles.
#[test]
fn scaler_matches_scikit_learn() {
    let d = reference_moons();
    let raw = read_csv::<2>(&d.join("train_raw.csv"), 2).unwrap();
    let mut n = Normalization::<2>::new();
    n.adapt(&raw.x);
    let sk_mean = [0.488_119_910_171_295_4_f64, 0.251_382_756_434_399_56];
    let sk_scale = [0.897_097_768_122_746_4_f64, 0.531_829_101_516_016_6];
    for j in 0..2 {
        assert_eq!(n.mean[j], sk_mean[j] as f32);
        assert_eq!(n.scale[j], sk_scale[j] as f32);
    }
    let test_raw = read_csv::<2>(&d.join("test_raw.csv"), 2).unwrap();
    let test = read_csv::<2>(&d.join("test.csv"), 2).unwrap();
    assert_eq!(test_raw.label, test.label);
    let mut worst = 0.0f32;
    for (r, s) in test_raw.x.iter().zip(&test.x) {
        let mut y = [0.0; 2];
        n.forward(r, &mut y);
        for j in 0..2 {
            worst = worst.max((y[j] - s[j]).abs());
        }
    }
    assert!(worst <= 5e-7, "{worst}");
}

/// The tutorial's MLP on the exact split: test accuracy ≥ 0.965 and AUC ≥ 0.995 for at
/// least 4 of 5 seeds (Keras: 0.965–0.9675, AUC ≈ 0.996); the perceptron ≥ 0.86 (Keras
/// 0.875).
#[test]
fn reaches_keras_accuracy_on_the_reference_split() {
    let d = reference_moons();
    let train_set = read_csv::<2>(&d.join("train.csv"), 2).unwrap();
    let test_set = read_csv::<2>(&d.join("test.csv"), 2).unwrap();
    let mut good = 0;
    for seed in 0..5 {
        let out =
            train(&TrainOptions::recipe(ModelKind::Mlp, seed), &train_set, None, &mut |_, _| {}).unwrap();
        let m = out.model.evaluate(&test_set);
        println!("seed {seed}: accuracy {} AUC {} epochs {}", m.accuracy, m.auc, out.run.epochs_run);
        if m.accuracy >= 0.965 && m.auc >= 0.995 {
            good += 1;
        }
    }
    assert!(good >= 4, "{good} of 5 seeds reached 0.965 / 0.995");
    let out =
        train(&TrainOptions::recipe(ModelKind::Perceptron, 0), &train_set, None, &mut |_, _| {}).unwrap();
    let m = out.model.evaluate(&test_set);
    assert!(m.accuracy >= 0.86, "{}", m.accuracy);
}
