//! The tutorial's perceptron and MLP side by side, with their decision boundaries.

use super::{ExperimentError, Findings};
use crate::plot;
use crate::train::{ModelKind, TrainOptions, train_with_events};
use serde::Serialize;
use std::path::Path;

/// One model's figures on the test rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    /// Test accuracy.
    pub test_accuracy: f32,
    /// Test ROC AUC (exact).
    pub test_auc: f32,
    /// Epochs run.
    pub epochs: u32,
    /// What its callbacks did (learning-rate reductions, early stopping, checkpoints), as
    /// printed while it trained.
    pub events: Vec<String>,
}

/// Both models' figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PerceptronVsMlp {
    /// The perceptron (Model 1).
    pub perceptron: Score,
    /// The MLP (Model 2).
    pub mlp: Score,
}

/// Trains both models by their recipes on the same moons; draws `perceptron-vs-mlp.png`.
pub fn run(quick: bool, out: &Path) -> Result<PerceptronVsMlp, ExperimentError> {
    let (train_set, test_set) = crate::data::moons(if quick { 600 } else { 2000 }, 0.2, 42);
    let mut p = TrainOptions::recipe(ModelKind::Perceptron, 0);
    let mut m = TrainOptions::recipe(ModelKind::Mlp, 0);
    if quick {
        p.epochs = 20;
        m.epochs = 40;
    }
    // the callbacks speak as they act, as on `tinymlp train`'s path
    let said = |name: &'static str| move |e: &crate::events::Event| println!("{name}: {e}");
    let per = train_with_events(&p, &train_set, None, &mut |_, _| {}, &mut said("perceptron"))?;
    let mlp = train_with_events(&m, &train_set, None, &mut |_, _| {}, &mut said("MLP"))?;
    let events = |o: &crate::train::Outcome| o.run.events.iter().map(|e| e.to_string()).collect();
    let (a, b) = (per.model.evaluate(&test_set), mlp.model.evaluate(&test_set));
    plot::boundary(
        &[("perceptron (linear boundary)", &per.model), ("MLP (curved boundary)", &mlp.model)],
        &test_set,
        &out.join("perceptron-vs-mlp.png"),
    )?;
    Ok(PerceptronVsMlp {
        perceptron: Score {
            test_accuracy: a.accuracy,
            test_auc: a.auc,
            epochs: per.run.epochs_run,
            events: events(&per),
        },
        mlp: Score {
            test_accuracy: b.accuracy,
            test_auc: b.auc,
            epochs: mlp.run.epochs_run,
            events: events(&mlp),
        },
    })
}

impl Findings for PerceptronVsMlp {
    const NAME: &'static str = "perceptron-vs-mlp";

    fn columns(&self) -> Vec<String> {
        ["model", "test accuracy", "test AUC", "epochs"].map(String::from).to_vec()
    }

    fn rows(&self) -> Vec<Vec<String>> {
        [("perceptron", &self.perceptron), ("MLP", &self.mlp)]
            .iter()
            .map(|(name, s)| {
                vec![
                    name.to_string(),
                    format!("{:.4}", s.test_accuracy),
                    format!("{:.4}", s.test_auc),
                    s.epochs.to_string(),
                ]
            })
            .collect()
    }

    fn appendix(&self) -> String {
        let mut md = String::new();
        for (name, s) in [("perceptron", &self.perceptron), ("MLP", &self.mlp)] {
            if !s.events.is_empty() {
                md += &format!(
                    "What the {name}'s callbacks did (early stopping and ReduceLROnPlateau on val_loss, the checkpoint on val_auc), as printed while it trained:\n\n```text\n{}\n```\n",
                    s.events.join("\n")
                );
            }
        }
        md
    }

    fn conclusion(&self) -> String {
        format!(
            "A single neuron draws a straight line through the moons ({:.1} %); the MLP bends it around them ({:.1} %).",
            self.perceptron.test_accuracy * 100.0,
            self.mlp.test_accuracy * 100.0
        )
    }
}
