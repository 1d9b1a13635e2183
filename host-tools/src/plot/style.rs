//! What every figure shares: the colour-blind-safe palette, tick labels in one format per
//! axis, and legends drawn in their own strip, outside the data.

use super::PlotError;
use plotters::coord::Shift;
use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use std::path::Path;

/// The Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008): eight colours that
/// stay distinct for the common colour-vision deficiencies. Black comes last: figures use
/// it for reference lines and markers.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(230, 159, 0),   // orange
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(240, 228, 66),  // yellow
    RGBColor(0, 0, 0),       // black
];

/// The colour of series or class `k`.
pub fn colour(k: usize) -> RGBColor {
    PALETTE[k % PALETTE.len()]
}

/// `c` mixed with white: `amount` 0 is white, 1 is `c`.
pub fn tint(c: RGBColor, amount: f64) -> RGBColor {
    let f = |v: u8| (255.0 + (v as f64 - 255.0) * amount.clamp(0.0, 1.0)).round() as u8;
    RGBColor(f(c.0), f(c.1), f(c.2))
}

/// Font size of titles.
pub const TITLE: u32 = 20;
/// Font size of axis descriptions and legends.
pub const LABEL: u32 = 16;

/// How the labels of an axis read: one format for all its ticks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ticks {
    /// Counts (epochs, steps, layers): only whole numbers are labelled.
    Integer,
    /// Fixed decimals, as many as the tick spacing needs.
    Decimals(usize),
    /// As few decimals as each value needs (`0.5`, `2`, `0.001`): a log axis's labels.
    Plain,
    /// Scientific notation, trimmed: `1e-5`, `2e-3`.
    Scientific,
    /// Scientific notation on a log axis.
    LogScientific,
}

impl Ticks {
    /// The format of a linear axis from `lo` to `hi` with plotters' default number of
    /// labels: as many decimals as the spacing of the ticks plotters will draw needs.
    pub fn linear(lo: f64, hi: f64) -> Self {
        let big = lo.abs().max(hi.abs());
        if big >= 1e5 || (big > 0.0 && big < 1e-3) {
            return Ticks::Scientific;
        }
        if lo.is_nan() || hi.is_nan() || lo >= hi {
            return Ticks::Decimals(1);
        }
        // the same key points the mesh computes (11 labels, plotters' default)
        let ticks = RangedCoordf64::from(lo..hi).key_points(11);
        let step = ticks.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min);
        if !step.is_finite() || step <= 0.0 {
            return Ticks::Decimals(1);
        }
        Ticks::Decimals((-(step * 1.0001).log10().floor()).clamp(0.0, 6.0) as usize)
    }

    /// The format of a logarithmic axis from `lo` to `hi`: plain decimals within
    /// [0.001, 10,000], else scientific.
    pub fn log(lo: f64, hi: f64) -> Self {
        if lo >= 1e-3 && hi <= 1e4 { Ticks::Plain } else { Ticks::LogScientific }
    }

    /// The label of the tick at `v` (log axes label only the ticks of [`log_ticks`]).
    pub fn label(self, v: f64) -> String {
        let s = self.unsigned_zero(v);
        if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
            s.trim_start_matches('-').to_string()
        } else {
            s
        }
    }

    fn unsigned_zero(self, v: f64) -> String {
        match self {
            Ticks::Integer => {
                if (v - v.round()).abs() < 1e-6 {
                    format!("{}", v.round() as i64)
                } else {
                    String::new()
                }
            }
            Ticks::Plain => trim(format!("{v:.6}")),
            Ticks::Decimals(d) => format!("{v:.d$}"),
            Ticks::Scientific | Ticks::LogScientific if v == 0.0 => "0".into(),
            Ticks::Scientific | Ticks::LogScientific => {
                let s = format!("{v:.2e}");
                match s.split_once('e') {
                    Some((m, e)) => format!("{}e{e}", trim(m.to_string())),
                    None => s,
                }
            }
        }
    }
}

/// The ticks of a logarithmic axis from `lo` to `hi` (both positive): `(labelled, minor)`.
/// The labels are the coarsest of 10^k (every decade, or every n-th when there are more
/// than [`MAX_LOG_LABELS`]), 1, 2, 5 × 10^k and 1…9 × 10^k that puts at least three on
/// the axis; the minor ticks, drawn as unlabelled grid lines, are the 1…9 × 10^k that are
/// not labelled, when there are at most six decades (more would be a dark band).
pub fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    if !(lo > 0.0 && hi > lo && lo.is_finite() && hi.is_finite()) {
        return (vec![], vec![]);
    }
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let within = |m: &[f64]| -> Vec<f64> {
        (first..=last)
            .flat_map(|k| m.iter().map(move |&m| m * 10f64.powi(k)))
            .filter(|&v| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9))
            .collect()
    };
    let all = within(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    let decades = within(&[1.0]);
    let labelled = if decades.len() >= 3 {
        let every = decades.len().div_ceil(MAX_LOG_LABELS);
        // every n-th decade, counted from 10^0 so the labels are the same on any range
        decades.into_iter().filter(|v| (v.log10().round() as i64).rem_euclid(every as i64) == 0).collect()
    } else {
        let coarse = within(&[1.0, 2.0, 5.0]);
        if coarse.len() >= 3 { coarse } else { all.clone() }
    };
    let minor = if (hi / lo).log10() <= 6.0 {
        all.into_iter().filter(|v| !labelled.iter().any(|l| (l - v).abs() <= 1e-9 * v)).collect()
    } else {
        vec![]
    };
    (labelled, minor)
}

/// The most labels on a log axis of decades.
pub const MAX_LOG_LABELS: usize = 8;

/// `1.500` → `1.5`, `2.000` → `2`.
fn trim(s: String) -> String {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// How a legend entry looks.
#[derive(Clone, Copy, Debug)]
pub enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A dotted line.
    Dotted(RGBColor),
    /// A filled dot with a black edge.
    Dot(RGBColor),
    /// A filled square (a region).
    Region(RGBColor),
    /// A black cross (a marked point).
    Cross,
}

/// One legend entry.
pub struct Entry {
    /// The text.
    pub name: String,
    /// The symbol.
    pub swatch: Swatch,
}

impl Entry {
    /// An entry.
    pub fn new(name: impl Into<String>, swatch: Swatch) -> Self {
        Self { name: name.into(), swatch }
    }
}

/// Width of an entry in pixels (text width estimated from the font size: DejaVu Sans
/// averages ~0.55 em per character).
fn entry_width(e: &Entry) -> i32 {
    30 + 8 + (e.name.chars().count() as f64 * LABEL as f64 * 0.55) as i32 + 22
}

/// The entries laid out in rows of at most `width` pixels.
fn rows(entries: &[Entry], width: i32) -> Vec<Vec<&Entry>> {
    let mut rows: Vec<Vec<&Entry>> = vec![];
    let mut used = 0;
    for e in entries {
        let w = entry_width(e);
        match rows.last_mut() {
            Some(r) if used + w <= width => r.push(e),
            _ => {
                rows.push(vec![e]);
                used = 0;
            }
        }
        used += w;
    }
    rows
}

/// Height of the legend strip of `entries` in a figure `width` pixels wide.
pub fn legend_height(entries: &[Entry], width: u32) -> u32 {
    if entries.is_empty() { 0 } else { 10 + 26 * rows(entries, width as i32 - 20).len() as u32 }
}

/// Draws the legend, rows centred, into its own strip `area` (see [`legend_height`]).
pub fn legend(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    entries: &[Entry],
    path: &Path,
) -> Result<(), PlotError> {
    let (w, _) = area.dim_in_pixel();
    let err = |e: String| PlotError::Draw { path: path.display().to_string(), message: e };
    let font = ("sans-serif", LABEL).into_font().color(&BLACK);
    for (k, row) in rows(entries, w as i32 - 20).iter().enumerate() {
        let total: i32 = row.iter().map(|e| entry_width(e)).sum();
        let mut x = (w as i32 - total).max(0) / 2;
        let y = 18 + 26 * k as i32;
        for e in row {
            let r = match e.swatch {
                Swatch::Line(c) => area.draw(&PathElement::new(vec![(x, y), (x + 30, y)], c.stroke_width(3))),
                Swatch::Dashed(c) => {
                    area.draw(&DashedPathElement::new(vec![(x, y), (x + 30, y)], 7, 4, c.stroke_width(2)))
                }
                Swatch::Dotted(c) => {
                    area.draw(&DashedPathElement::new(vec![(x, y), (x + 30, y)], 2, 3, c.stroke_width(2)))
                }
                Swatch::Dot(c) => area
                    .draw(&Circle::new((x + 15, y), 5, c.filled()))
                    .and_then(|_| area.draw(&Circle::new((x + 15, y), 5, BLACK.stroke_width(1)))),
                Swatch::Region(c) => {
                    area.draw(&Rectangle::new([(x + 5, y - 8), (x + 25, y + 8)], c.filled())).and_then(|_| {
                        area.draw(&Rectangle::new([(x + 5, y - 8), (x + 25, y + 8)], BLACK.stroke_width(1)))
                    })
                }
                Swatch::Cross => area.draw(&Cross::new((x + 15, y), 5, BLACK.stroke_width(2))),
            };
            r.map_err(|e| err(e.to_string()))?;
            area.draw(&Text::new(e.name.clone(), (x + 38, y - 9), font.clone()))
                .map_err(|e| err(e.to_string()))?;
            x += entry_width(e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_format_per_axis() {
        let log = Ticks::log(1e-6, 1.0);
        assert_eq!([1e-5, 1e-4, 0.001, 1.0].map(|v| log.label(v)), ["1e-5", "1e-4", "1e-3", "1e0"]);
        let log = Ticks::log(0.05, 3.0);
        assert_eq!([0.1, 0.5, 1.0, 2.0, 0.3].map(|v| log.label(v)), ["0.1", "0.5", "1", "2", "0.3"]);
        assert_eq!([1.0, 2.0, 2.5].map(|v| Ticks::Integer.label(v)), ["1", "2", ""]);
        let lin = Ticks::linear(0.0, 10_000.0);
        assert_eq!(lin.label(1000.0), "1000");
        let lin = Ticks::linear(-1.2, 1.2);
        assert_eq!([-1.0, 0.5, -1e-9].map(|v| lin.label(v)), ["-1.0", "0.5", "0.0"]);
        assert_eq!(Ticks::linear(0.0, 2e5).label(1e5), "1e5");
        assert_eq!(Ticks::linear(0.0, 2e5).label(4e4), "4e4");
        assert_eq!(Ticks::linear(0.0, 2e5).label(0.0), "0");
        assert_eq!(Ticks::linear(0.9745, 0.9805).label(0.975), "0.975");
        assert_eq!(Ticks::linear(-0.03, 1.03).label(0.2), "0.2");
        // plotters puts 0.5 apart the ticks of [-0.3, 5.3]
        assert_eq!(Ticks::linear(-0.3, 5.3).label(0.5), "0.5");
    }

    /// Each tick once (a tick drawn twice looks bold), the labels the coarsest set that
    /// gives at least three, the minor ticks the rest of 1…9 × 10^k.
    #[test]
    fn log_axes_label_decades_or_1_2_5_or_every_digit() {
        let close = |a: &[f64], b: &[f64]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-9 * y.abs())
        };
        // a loss from 0.07 to 1.6: 1, 2, 5 × 10^k, the other digits minor
        let (l, m) = log_ticks(0.07, 1.6);
        assert!(close(&l, &[0.1, 0.2, 0.5, 1.0]), "{l:?}");
        assert!(close(&m, &[0.07, 0.08, 0.09, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9]), "{m:?}");
        // less than a decade: every digit
        let (l, m) = log_ticks(0.25, 1.5);
        assert!(close(&l, &[0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]), "{l:?}");
        assert!(m.is_empty());
        // 14 decades: every other one labelled, no minor band
        let (l, m) = log_ticks(3e-14, 2.0);
        assert!(close(&l, &[1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1.0]), "{l:?}");
        assert!(m.is_empty());
        // three decades: the decades, the other digits minor
        let (l, m) = log_ticks(1e-3, 1.0);
        assert!(close(&l, &[1e-3, 1e-2, 1e-1, 1.0]), "{l:?}");
        assert_eq!(m.len(), 3 * 8);
        for (a, b) in [(0.07, 1.6), (3e-14, 2.0), (0.25, 1.5)] {
            let (l, m) = log_ticks(a, b);
            let mut all: Vec<f64> = l.iter().chain(&m).copied().collect();
            all.sort_by(f64::total_cmp);
            assert!(all.windows(2).all(|w| w[1] > w[0] * (1.0 + 1e-6)), "a tick twice: {all:?}");
        }
        assert_eq!(log_ticks(0.0, 1.0), (vec![], vec![]));
    }

    #[test]
    fn legends_wrap_into_rows() {
        let e: Vec<Entry> =
            (0..6).map(|k| Entry::new(format!("series {k}"), Swatch::Line(colour(k)))).collect();
        assert_eq!(legend_height(&e, 2000), 36);
        assert!(legend_height(&e, 300) > 36 * 2);
        assert_eq!(legend_height(&[], 300), 0);
    }
}
