//! A training history: loss and accuracy per epoch, the best epoch and the learning rate's
//! changes marked.

use super::style::{self, Entry, LABEL, PALETTE, Swatch, TITLE, Ticks};
use super::{PlotError, axis, font};
use crate::train::EpochRecord;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use std::path::Path;

/// The epoch with the lowest validation loss (the training loss without validation): the
/// one EarlyStopping's default monitor keeps.
pub fn best_epoch(h: &[EpochRecord]) -> Option<u32> {
    let key =
        |r: &EpochRecord| if h.iter().any(|r| r.val_loss.is_some()) { r.val_loss } else { Some(r.loss) };
    h.iter()
        .filter_map(|r| key(r).filter(|v| v.is_finite()).map(|v| (r.epoch, v)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(e, _)| e)
}

/// The epochs whose learning rate differs from the previous epoch's, with the new rate.
pub fn rate_changes(h: &[EpochRecord]) -> Vec<(u32, f32)> {
    h.windows(2).filter(|w| w[1].lr != w[0].lr).map(|w| (w[1].epoch, w[1].lr)).collect()
}

type Getter = fn(&EpochRecord) -> Option<f32>;

/// Training history: loss (left) and, when recorded, accuracy (right), training vs
/// validation, with the best epoch (dashed) and learning-rate changes (dotted) marked.
pub fn history(h: &[EpochRecord], path: &Path) -> Result<(), PlotError> {
    if h.is_empty() {
        return Err(PlotError::Empty("the history has no epochs"));
    }
    font()?;
    let specs: Vec<(&str, &str, Getter, Getter)> = [
        ("Loss per epoch", "loss", (|r| Some(r.loss)) as Getter, (|r| r.val_loss) as Getter),
        ("Accuracy per epoch", "accuracy (fraction correct)", |r| r.accuracy, |r| r.val_accuracy),
    ]
    .into_iter()
    .filter(|(_, _, t, v)| h.iter().any(|r| t(r).is_some() || v(r).is_some()))
    .collect();
    let best = best_epoch(h);
    let changes = rate_changes(h);
    let has_val = h.iter().any(|r| r.val_loss.is_some());
    let mut entries = vec![Entry::new("training", Swatch::Line(PALETTE[0]))];
    if has_val {
        entries.push(Entry::new("validation", Swatch::Line(PALETTE[1])));
    }
    if let Some(b) = best {
        let of = if has_val { "lowest validation loss" } else { "lowest loss" };
        entries.push(Entry::new(format!("best epoch: {b} ({of})"), Swatch::Dashed(BLACK)));
    }
    if !changes.is_empty() {
        entries.push(Entry::new("learning rate changed (new rate above)", Swatch::Dotted(PALETTE[2])));
    }
    let (pw, ph) = (600u32, 460u32);
    let w = pw * specs.len() as u32;
    let strip = style::legend_height(&entries, w);
    let root = BitMapBackend::new(path, (w, ph + strip)).into_drawing_area();
    tri!(root.fill(&WHITE), path);
    let (top, bottom) = root.split_vertically(ph);
    style::legend(&bottom, &entries, path)?;
    let first = h[0].epoch as f32;
    let last = h.last().map_or(first, |r| r.epoch as f32).max(first + 1.0);
    for (panel, (title, y_label, train, val)) in top.split_evenly((1, specs.len())).iter().zip(specs) {
        let values: Vec<f32> =
            h.iter().flat_map(|r| [train(r), val(r)]).flatten().filter(|v| v.is_finite()).collect();
        let (lo, hi) =
            values.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let (lo, hi) = if values.is_empty() { (0.0, 1.0) } else { (lo, hi) };
        // headroom above for the rates' labels
        let (lo, hi) = axis(lo, hi + (hi - lo) * 0.12, 0.06, &format!("{} ({title})", path.display()))?;
        let yt = Ticks::linear(lo as f64, hi as f64);
        let mut chart = tri!(
            ChartBuilder::on(panel)
                .caption(title, ("sans-serif", TITLE))
                .margin(14)
                .x_label_area_size(45)
                .y_label_area_size(70)
                .build_cartesian_2d(first..last, lo..hi),
            path
        );
        // an accuracy is a fraction: the headroom above 1 gets no labels
        let fraction = y_label.starts_with("accuracy");
        let yf = |v: &f32| if fraction && *v > 1.0 + 1e-6 { String::new() } else { yt.label(*v as f64) };
        tri!(
            chart
                .configure_mesh()
                .x_desc("epoch")
                .y_desc(y_label)
                .axis_desc_style(("sans-serif", LABEL))
                .label_style(("sans-serif", 14))
                .x_labels(((last - first) as usize + 1).clamp(2, 11))
                .x_label_formatter(&|v: &f32| Ticks::Integer.label(*v as f64))
                .y_label_formatter(&yf)
                .bold_line_style(RGBColor(215, 215, 215))
                .light_line_style(TRANSPARENT)
                .draw(),
            path
        );
        for &(epoch, lr) in &changes {
            let x = epoch as f32;
            tri!(
                chart.draw_series(std::iter::once(DashedPathElement::new(
                    vec![(x, lo), (x, hi)],
                    2,
                    3,
                    PALETTE[2].stroke_width(2)
                ))),
                path
            );
            let label = Ticks::Scientific.label(lr as f64);
            let font = ("sans-serif", 14).into_font().color(&PALETTE[2]);
            tri!(
                chart
                    .draw_series(std::iter::once(EmptyElement::at((x, hi)) + Text::new(label, (5, 6), font))),
                path
            );
        }
        if let Some(b) = best {
            let x = b as f32;
            tri!(
                chart.draw_series(std::iter::once(DashedPathElement::new(
                    vec![(x, lo), (x, hi)],
                    7,
                    4,
                    BLACK.stroke_width(2)
                ))),
                path
            );
        }
        for (get, color) in [(train, PALETTE[0]), (val, PALETTE[1])] {
            let pts: Vec<(f32, f32)> = h
                .iter()
                .filter_map(|r| get(r).filter(|v| v.is_finite()).map(|v| (r.epoch as f32, v)))
                .collect();
            if pts.len() == 1 {
                tri!(chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled()))), path);
            }
            tri!(chart.draw_series(LineSeries::new(pts, color.stroke_width(2))), path);
        }
    }
    tri!(root.present(), path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(epoch: u32, loss: f32, val: Option<f32>, lr: f32) -> EpochRecord {
        EpochRecord {
            epoch,
            loss,
            accuracy: None,
            auc: None,
            val_loss: val,
            val_accuracy: None,
            val_auc: None,
            lr,
        }
    }

    #[test]
    fn best_epoch_and_rate_changes() {
        let h = [
            rec(1, 0.9, Some(0.8), 0.01),
            rec(2, 0.5, Some(0.4), 0.01),
            rec(3, 0.3, Some(0.5), 0.005),
            rec(4, 0.2, Some(0.6), 0.005),
        ];
        assert_eq!(best_epoch(&h), Some(2));
        assert_eq!(rate_changes(&h), vec![(3, 0.005)]);
        let h: Vec<_> = h.iter().map(|r| rec(r.epoch, r.loss, None, r.lr)).collect();
        assert_eq!(best_epoch(&h), Some(4));
    }
}
