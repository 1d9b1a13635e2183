//! Test-set metrics of classifiers and regressions, computed in f64 from the model's
//! outputs: accuracy, ROC AUC (binary, or one-vs-rest macro average), precision, recall,
//! F1 and support per class, the confusion matrix; MSE, RMSE, MAE and R².
//!
//! A metric that is not defined on the rows given (an AUC without both classes, R² of a
//! constant target) is `None`, written `null` in JSON, never NaN.

/// Precision, recall, F1 and support of one class.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ClassMetrics {
    /// The class name.
    pub class: String,
    /// Of the rows predicted as this class, the fraction that are (0 when none is).
    pub precision: f64,
    /// Of the rows of this class, the fraction predicted as it (0 when there are none).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Rows of this class.
    pub support: usize,
}

/// A classifier's figures on labelled rows.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ClassificationMetrics {
    /// Fraction of rows whose predicted class is their class.
    pub accuracy: f64,
    /// ROC AUC: binary, or the macro average of one-vs-rest AUCs over the classes present
    /// (with at least one row of another class too); `None` without two classes present.
    pub auc: Option<f64>,
    /// Per class, in the model's order.
    pub per_class: Vec<ClassMetrics>,
    /// `confusion_matrix[true][predicted]` row counts.
    pub confusion_matrix: Vec<Vec<usize>>,
    /// Unweighted mean of the per-class F1.
    pub macro_f1: f64,
}

/// A regression's figures on labelled rows.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct RegressionMetrics {
    /// Mean squared error.
    pub mse: f64,
    /// Its square root.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Coefficient of determination; `None` when the targets are all equal.
    pub r2: Option<f64>,
}

/// The class a model predicts from its outputs: for one output (a sigmoid), class 1 when it
/// is above 0.5; for several, the first largest.
pub fn predicted_class(outputs: &[f32]) -> usize {
    match outputs {
        [p] => usize::from(*p > 0.5),
        _ => tinymlp::eval::metrics::argmax(outputs),
    }
}

/// The probability of each of `classes` classes from a model's outputs: `[1 − p, p]` for
/// one sigmoid output, the outputs themselves otherwise.
pub fn class_probabilities(outputs: &[f32], classes: usize) -> Vec<f32> {
    match outputs {
        [p] if classes == 2 => vec![1.0 - *p, *p],
        _ => outputs.to_vec(),
    }
}

/// Exact ROC AUC of scores against positives: the probability that a positive scores above
/// a negative, ties counting one half (scikit-learn's `roc_auc_score`). `None` without both.
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut n_pos) = (0.0f64, 0usize);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their mean.
        let mean_rank = (i + j + 2) as f64 / 2.0;
        for &k in &idx[i..=j] {
            if positive[k] {
                rank_sum += mean_rank;
                n_pos += 1;
            }
        }
        i = j + 1;
    }
    let n_neg = scores.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let (p, n) = (n_pos as f64, n_neg as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// Classification metrics of per-row class probabilities (`probabilities[r][k]`, each row as
/// long as `classes`) against the true classes.
pub fn classification(
    classes: &[String],
    probabilities: &[Vec<f32>],
    truth: &[usize],
) -> ClassificationMetrics {
    let predicted: Vec<usize> = probabilities.iter().map(|p| tinymlp::eval::metrics::argmax(p)).collect();
    classification_of(classes, probabilities, &predicted, truth)
}

/// [`classification`] with the predicted classes given (a binary model predicts class 1
/// above 0.5, as [`predicted_class`] does).
pub fn classification_of(
    classes: &[String],
    probabilities: &[Vec<f32>],
    predicted: &[usize],
    truth: &[usize],
) -> ClassificationMetrics {
    let k = classes.len();
    let n = truth.len();
    let mut confusion = vec![vec![0usize; k]; k];
    for (&t, &p) in truth.iter().zip(predicted) {
        confusion[t][p] += 1;
    }
    let correct: usize = (0..k).map(|c| confusion[c][c]).sum();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let per_class: Vec<ClassMetrics> = (0..k)
        .map(|c| {
            let tp = confusion[c][c];
            let support: usize = confusion[c].iter().sum();
            let predicted_c: usize = (0..k).map(|t| confusion[t][c]).sum();
            let (precision, recall) = (ratio(tp, predicted_c), ratio(tp, support));
            let f1 =
                if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
            ClassMetrics { class: classes[c].clone(), precision, recall, f1, support }
        })
        .collect();
    let auc = if k == 2 {
        let scores: Vec<f64> = probabilities.iter().map(|p| p[1] as f64).collect();
        let pos: Vec<bool> = truth.iter().map(|&t| t == 1).collect();
        roc_auc(&scores, &pos)
    } else {
        let aucs: Vec<f64> = (0..k)
            .filter_map(|c| {
                let scores: Vec<f64> = probabilities.iter().map(|p| p[c] as f64).collect();
                let pos: Vec<bool> = truth.iter().map(|&t| t == c).collect();
                roc_auc(&scores, &pos)
            })
            .collect();
        (!aucs.is_empty()).then(|| aucs.iter().sum::<f64>() / aucs.len() as f64)
    };
    let macro_f1 = per_class.iter().map(|c| c.f1).sum::<f64>() / k.max(1) as f64;
    ClassificationMetrics {
        accuracy: ratio(correct, n),
        auc,
        per_class,
        confusion_matrix: confusion,
        macro_f1,
    }
}

/// Regression metrics of predictions against targets.
pub fn regression(predicted: &[f32], truth: &[f32]) -> RegressionMetrics {
    let n = truth.len().max(1) as f64;
    let (mut se, mut ae) = (0.0f64, 0.0f64);
    for (&p, &t) in predicted.iter().zip(truth) {
        let d = p as f64 - t as f64;
        se += d * d;
        ae += d.abs();
    }
    let mean = truth.iter().map(|&t| t as f64).sum::<f64>() / n;
    let ss_tot: f64 = truth.iter().map(|&t| (t as f64 - mean).powi(2)).sum();
    let mse = se / n;
    RegressionMetrics { mse, rmse: mse.sqrt(), mae: ae / n, r2: (ss_tot > 0.0).then(|| 1.0 - se / ss_tot) }
}

/// The per-class table and the confusion matrix as text.
pub fn classification_table(m: &ClassificationMetrics) -> String {
    let w = m.per_class.iter().map(|c| c.class.chars().count()).max().unwrap_or(5).max(5);
    let mut s = format!("{:<w$}  precision  recall  f1-score  support\n", "class");
    for c in &m.per_class {
        s += &format!(
            "{:<w$}  {:>9.4}  {:>6.4}  {:>8.4}  {:>7}\n",
            c.class, c.precision, c.recall, c.f1, c.support
        );
    }
    s += "confusion matrix (rows: true class, columns: predicted, in the order above):\n";
    for row in &m.confusion_matrix {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:>5}")).collect();
        s += &format!("{}\n", cells.join(""));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn one_hot(pred: &[usize], k: usize) -> Vec<Vec<f32>> {
        pred.iter().map(|&p| (0..k).map(|c| if c == p { 1.0 } else { 0.0 }).collect()).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// scikit-learn's `roc_auc_score` docstring: y_true [0, 0, 1, 1], scores
    /// [0.1, 0.4, 0.35, 0.8] → 0.75.
    #[test]
    fn auc_like_scikit_learn() {
        assert_eq!(roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]), Some(0.75));
        // Ties count one half: one positive tied with one negative.
        assert_eq!(roc_auc(&[0.5, 0.5], &[false, true]), Some(0.5));
        assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), None);
    }

    /// scikit-learn's `confusion_matrix` docstring: y_true [2, 0, 2, 2, 0, 1], y_pred
    /// [0, 0, 2, 2, 0, 2] → [[2, 0, 0], [0, 0, 1], [1, 0, 2]].
    #[test]
    fn confusion_matrix_like_scikit_learn() {
        let m =
            classification(&names(&["0", "1", "2"]), &one_hot(&[0, 0, 2, 2, 0, 2], 3), &[2, 0, 2, 2, 0, 1]);
        assert_eq!(m.confusion_matrix, vec![vec![2, 0, 0], vec![0, 0, 1], vec![1, 0, 2]]);
        assert!(close(m.accuracy, 4.0 / 6.0));
    }

    /// scikit-learn's `classification_report` docstring: y_true [0, 1, 2, 2, 2], y_pred
    /// [0, 0, 2, 2, 1]: class 0 precision 0.50 recall 1.00 f1 0.67 support 1; class 1
    /// 0.00 0.00 0.00 1; class 2 1.00 0.67 0.80 3; accuracy 0.60, macro F1 0.49.
    #[test]
    fn per_class_like_scikit_learns_report() {
        let m = classification(
            &names(&["class 0", "class 1", "class 2"]),
            &one_hot(&[0, 0, 2, 2, 1], 3),
            &[0, 1, 2, 2, 2],
        );
        let got: Vec<(f64, f64, f64, usize)> =
            m.per_class.iter().map(|c| (c.precision, c.recall, c.f1, c.support)).collect();
        assert!(close(got[0].0, 0.5) && close(got[0].1, 1.0) && close(got[0].2, 2.0 / 3.0) && got[0].3 == 1);
        assert!(got[1] == (0.0, 0.0, 0.0, 1));
        assert!(close(got[2].0, 1.0) && close(got[2].1, 2.0 / 3.0) && close(got[2].2, 0.8) && got[2].3 == 3);
        assert!(close(m.accuracy, 0.6));
        assert_eq!(format!("{:.2}", m.macro_f1), "0.49");
        assert_eq!(m.per_class[1].class, "class 1");
    }

    /// scikit-learn's `precision_recall_fscore_support` docstring: y_true [cat, dog, pig,
    /// cat, dog, pig], y_pred [cat, pig, dog, cat, cat, dog] → macro precision 0.22, recall
    /// 0.33, F1 0.27 (cat: precision 2/3, recall 1, F1 0.8; dog and pig 0).
    #[test]
    fn string_classes_like_scikit_learn() {
        let classes = names(&["cat", "dog", "pig"]);
        let m = classification(&classes, &one_hot(&[0, 2, 1, 0, 0, 1], 3), &[0, 1, 2, 0, 1, 2]);
        let mean = |f: fn(&ClassMetrics) -> f64| m.per_class.iter().map(f).sum::<f64>() / 3.0;
        assert_eq!(
            format!("{:.2} {:.2} {:.2}", mean(|c| c.precision), mean(|c| c.recall), mean(|c| c.f1)),
            "0.22 0.33 0.27"
        );
        assert!(close(m.per_class[0].f1, 0.8));
    }

    /// One-vs-rest macro AUC, by hand: three classes, four rows.
    /// Class 0 (row 0 positive): scores [0.7, 0.2, 0.1, 0.3] → 1.
    /// Class 1 (row 1 positive): scores [0.2, 0.5, 0.6, 0.3] → above 2 of the 3 negatives → 2/3.
    /// Class 2 (rows 2, 3 positive): scores [0.1, 0.3, 0.3, 0.4] → pairs (p, n): (0.3 vs
    /// 0.1) 1, (0.3 vs 0.3) ½, (0.4 vs 0.1) 1, (0.4 vs 0.3) 1 → 3.5/4.
    /// Mean: (1 + 2/3 + 0.875) / 3.
    #[test]
    fn one_vs_rest_macro_auc() {
        let p = vec![vec![0.7, 0.2, 0.1], vec![0.2, 0.5, 0.3], vec![0.1, 0.6, 0.3], vec![0.3, 0.3, 0.4]];
        let m = classification(&names(&["a", "b", "c"]), &p, &[0, 1, 2, 2]);
        assert!(close(m.auc.unwrap(), (1.0 + 2.0 / 3.0 + 0.875) / 3.0), "{:?}", m.auc);
        // A class absent from the rows has no AUC of its own; the others are averaged.
        let m = classification(&names(&["a", "b", "c"]), &p[..2], &[0, 1]);
        assert_eq!(m.auc, Some(1.0));
        assert_eq!(m.per_class[2].support, 0);
    }

    #[test]
    fn binary_probabilities_and_classes() {
        assert_eq!(class_probabilities(&[0.25], 2), vec![0.75, 0.25]);
        assert_eq!(predicted_class(&[0.5]), 0);
        assert_eq!(predicted_class(&[0.51]), 1);
        assert_eq!(predicted_class(&[0.2, 0.5, 0.3]), 1);
        let probs: Vec<Vec<f32>> =
            [0.1, 0.4, 0.35, 0.8].iter().map(|&p| class_probabilities(&[p], 2)).collect();
        let m = classification(&names(&["0", "1"]), &probs, &[0, 0, 1, 1]);
        assert_eq!(m.auc, Some(0.75));
        assert_eq!(m.accuracy, 0.75);
    }

    /// scikit-learn's docstrings: y_true [3, -0.5, 2, 7], y_pred [2.5, 0.0, 2, 8] →
    /// `mean_squared_error` 0.375, `mean_absolute_error` 0.5, `r2_score` 0.948...
    /// (0.9486081370449679), and RMSE √0.375 = 0.612....
    #[test]
    fn regression_like_scikit_learn() {
        let m = regression(&[2.5, 0.0, 2.0, 8.0], &[3.0, -0.5, 2.0, 7.0]);
        assert!(close(m.mse, 0.375));
        assert!(close(m.rmse, 0.375f64.sqrt()));
        assert!(close(m.mae, 0.5));
        assert!(close(m.r2.unwrap(), 0.9486081370449679), "{:?}", m.r2);
        assert_eq!(regression(&[1.0, 2.0], &[3.0, 3.0]).r2, None);
    }

    #[test]
    fn tables_print() {
        let m =
            classification(&names(&["0", "1", "2"]), &one_hot(&[0, 0, 2, 2, 0, 2], 3), &[2, 0, 2, 2, 0, 1]);
        let t = classification_table(&m);
        assert!(
            t.starts_with(
                "class  precision  recall  f1-score  support\n0         0.6667  1.0000    0.8000        2\n"
            ),
            "{t}"
        );
        assert!(t.ends_with("    2    0    0\n    0    0    1\n    1    0    2\n"), "{t}");
    }
}
