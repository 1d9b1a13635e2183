//! Classification metrics: accuracy and ROC AUC, without allocation.

use crate::train::Loss;

/// Running accuracy over rows: binary (each output thresholded at 0.5 against a target
/// ≥ 0.5, averaged over outputs) or categorical (argmax of outputs against argmax of
/// targets), the way Keras' `"accuracy"` chooses by loss.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Accuracy {
    correct: f64,
    total: u64,
}

impl Accuracy {
    /// No rows yet.
    pub const fn new() -> Self {
        Self { correct: 0.0, total: 0 }
    }

    /// Adds one row: binary accuracy unless `loss` is categorical cross-entropy.
    pub fn update(&mut self, loss: Loss, y: &[f32], t: &[f32]) {
        if loss == Loss::CategoricalCrossEntropy {
            self.correct += f64::from(u8::from(argmax(y) == argmax(t)));
        } else {
            let k = y.len().max(1) as f64;
            let hits = y.iter().zip(t).filter(|(a, b)| (**a > 0.5) == (**b >= 0.5)).count();
            self.correct += hits as f64 / k;
        }
        self.total += 1;
    }

    /// The fraction correct, `None` before any row.
    pub fn result(&self) -> Option<f32> {
        (self.total > 0).then(|| (self.correct / self.total as f64) as f32)
    }
}

/// Index of the largest value (the first one on ties; 0 for an empty slice).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}

/// Number of thresholds of [`AucApprox`] (Keras' default `num_thresholds`).
pub const AUC_THRESHOLDS: usize = 200;

/// ROC AUC by Keras' method: predictions counted against 200 thresholds evenly spaced on
/// [0, 1] (`−ε`, `1/199`, …, `198/199`, `1 + ε`), the curve integrated by the trapezoidal
/// rule. Fixed memory (two histograms), so it works on a device and inside the training
/// loop; it approximates the exact AUC ([`auc_exact`]) to within about 1/200 of the
/// score's resolution. For one binary output.
#[derive(Clone, Debug, PartialEq)]
pub struct AucApprox {
    /// Positive / negative rows by the last threshold their score exceeds.
    pos: [u32; AUC_THRESHOLDS],
    neg: [u32; AUC_THRESHOLDS],
    /// Positive / negative rows below every threshold (NaN or negative scores).
    below: (u32, u32),
}

impl Default for AucApprox {
    fn default() -> Self {
        Self::new()
    }
}

impl AucApprox {
    /// No rows yet.
    pub const fn new() -> Self {
        Self { pos: [0; AUC_THRESHOLDS], neg: [0; AUC_THRESHOLDS], below: (0, 0) }
    }

    /// Adds one prediction (a probability) with its label.
    pub fn update(&mut self, score: f32, positive: bool) {
        // Thresholds t_0 = −ε, t_i = i/199 (1 ≤ i ≤ 198), t_199 = 1 + ε. The bucket of a
        // score is the last threshold it exceeds, so "above t_i" = "in a bucket ≥ i".
        let b = if score.is_nan() || score <= -1e-7 {
            None
        } else if score > 1.0 + 1e-7 {
            Some(AUC_THRESHOLDS - 1)
        } else {
            let k = libm::ceilf(score * (AUC_THRESHOLDS - 1) as f32) as i64 - 1;
            Some(k.clamp(0, AUC_THRESHOLDS as i64 - 2) as usize)
        };
        let Some(b) = b else {
            return self.below_all(positive);
        };
        if positive {
            self.pos[b] += 1;
        } else {
            self.neg[b] += 1;
        }
    }

    fn below_all(&mut self, positive: bool) {
        // Below every threshold: counted in the totals only.
        if positive {
            self.below.0 += 1;
        } else {
            self.below.1 += 1;
        }
    }

    /// The area under the ROC curve; `None` until both classes were seen.
    pub fn result(&self) -> Option<f32> {
        let above_p: u64 = self.pos.iter().map(|&c| c as u64).sum();
        let above_n: u64 = self.neg.iter().map(|&c| c as u64).sum();
        let (p, n) = (above_p + self.below.0 as u64, above_n + self.below.1 as u64);
        if p == 0 || n == 0 {
            return None;
        }
        let (mut tp, mut fp) = (above_p, above_n); // above t_0
        let mut area = 0.0f64;
        for i in 1..AUC_THRESHOLDS {
            let (tp1, fp1) = (tp - self.pos[i - 1] as u64, fp - self.neg[i - 1] as u64);
            let (x0, x1) = (fp as f64 / n as f64, fp1 as f64 / n as f64);
            let (y0, y1) = (tp as f64 / p as f64, tp1 as f64 / p as f64);
            area += (x0 - x1) * (y0 + y1) / 2.0;
            (tp, fp) = (tp1, fp1);
        }
        Some(area as f32)
    }
}

/// The exact ROC AUC (the Mann–Whitney statistic, ties counted as one half) of
/// `(score, positive)` pairs. Sorts the slice in place: the caller provides the buffer, so
/// no allocation. `None` unless both classes are present.
pub fn auc_exact(pairs: &mut [(f32, bool)]) -> Option<f32> {
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let (mut pos, mut neg) = (0u64, 0u64);
    let mut rank_sum = 0.0f64; // sum of (average) ranks of the positives, 1-based
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j < pairs.len() && pairs[j].0.total_cmp(&pairs[i].0).is_eq() {
            j += 1;
        }
        let avg_rank = (i + 1 + j) as f64 / 2.0;
        for p in &pairs[i..j] {
            if p.1 {
                pos += 1;
                rank_sum += avg_rank;
            } else {
                neg += 1;
            }
        }
        i = j;
    }
    if pos == 0 || neg == 0 {
        return None;
    }
    let u = rank_sum - (pos * (pos + 1)) as f64 / 2.0;
    Some((u / (pos as f64 * neg as f64)) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Xoshiro128PlusPlus;
    use crate::numeric::random::uniform;

    /// The definition: the fraction of (positive, negative) pairs ranked correctly.
    fn brute_force(pairs: &[(f32, bool)]) -> f64 {
        let (mut good, mut total) = (0.0, 0.0);
        for a in pairs.iter().filter(|p| p.1) {
            for b in pairs.iter().filter(|p| !p.1) {
                total += 1.0;
                good += if a.0 > b.0 {
                    1.0
                } else if a.0 == b.0 {
                    0.5
                } else {
                    0.0
                };
            }
        }
        good / total
    }

    #[test]
    fn exact_auc_equals_brute_force() {
        let mut rng = Xoshiro128PlusPlus::new(4);
        for round in 0..20 {
            let n = 50 + round * 13;
            let mut pairs: Vec<(f32, bool)> = (0..n)
                .map(|_| {
                    let label = uniform(&mut rng) < 0.4;
                    // overlapping classes, and coarse scores so that ties happen
                    let s = (uniform(&mut rng) * 0.7 + if label { 0.3 } else { 0.0 }) * 20.0;
                    ((s as u32) as f32 / 20.0, label)
                })
                .collect();
            let expected = brute_force(&pairs);
            let got = auc_exact(&mut pairs).unwrap();
            assert!((got as f64 - expected).abs() < 1e-6, "{got} vs {expected}");
        }
        assert_eq!(auc_exact(&mut [(0.1, false), (0.9, true)]), Some(1.0));
        assert_eq!(auc_exact(&mut [(0.9, false), (0.1, true)]), Some(0.0));
        assert_eq!(auc_exact(&mut [(0.9, true)]), None);
    }

    #[test]
    fn approximate_auc_is_close_to_exact() {
        let mut rng = Xoshiro128PlusPlus::new(9);
        for _ in 0..10 {
            let mut pairs = Vec::new();
            let mut approx = AucApprox::new();
            for _ in 0..400 {
                let label = uniform(&mut rng) < 0.5;
                let s = (uniform(&mut rng) * 0.8 + if label { 0.2 } else { 0.0 }).min(1.0);
                pairs.push((s, label));
                approx.update(s, label);
            }
            let exact = auc_exact(&mut pairs).unwrap();
            let a = approx.result().unwrap();
            assert!((a - exact).abs() < 0.01, "{a} vs {exact}");
        }
        // perfect separation
        let mut a = AucApprox::new();
        a.update(0.9, true);
        a.update(0.1, false);
        assert_eq!(a.result(), Some(1.0));
        assert_eq!(AucApprox::new().result(), None);
    }

    #[test]
    fn accuracy_binary_and_categorical() {
        let mut a = Accuracy::new();
        a.update(Loss::BinaryCrossEntropy, &[0.7], &[1.0]);
        a.update(Loss::BinaryCrossEntropy, &[0.2], &[1.0]);
        assert_eq!(a.result(), Some(0.5));
        let mut c = Accuracy::new();
        c.update(Loss::CategoricalCrossEntropy, &[0.1, 0.7, 0.2], &[0.0, 1.0, 0.0]);
        c.update(Loss::CategoricalCrossEntropy, &[0.5, 0.3, 0.2], &[0.0, 0.0, 1.0]);
        c.update(Loss::CategoricalCrossEntropy, &[0.1, 0.1, 0.8], &[0.0, 0.0, 1.0]);
        assert!((c.result().unwrap() - 2.0 / 3.0).abs() < 1e-7);
        assert_eq!(Accuracy::new().result(), None);
    }
}
