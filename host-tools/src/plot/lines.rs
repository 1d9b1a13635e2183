//! Line and dot figures: panels side by side with a legend strip below.

use super::style::{self, Entry, LABEL, Swatch, TITLE, Ticks, colour};
use super::{PlotError, font};
use plotters::prelude::*;
use std::path::Path;

/// One panel of a line figure.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    /// Title: what the panel shows.
    pub title: String,
    /// Label of the x axis, with its unit.
    pub x_label: String,
    /// Label of the y axis, with its unit.
    pub y_label: String,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// The x axis counts (epochs, steps, layers): only whole numbers are labelled.
    pub integer_x: bool,
    /// Named lines of (x, y) points, in the palette's colours.
    pub lines: Vec<(String, Vec<(f32, f32)>)>,
    /// Named sets of (x, y) points drawn as dots.
    pub dots: Vec<(String, Vec<(f32, f32)>)>,
    /// A reference line (e.g. the true function), drawn black and dashed over the others.
    pub reference: Option<(String, Vec<(f32, f32)>)>,
}

impl Panel {
    fn entries(&self) -> Vec<Entry> {
        let mut e: Vec<Entry> =
            self.reference.iter().map(|(n, _)| Entry::new(n.clone(), Swatch::Dashed(BLACK))).collect();
        e.extend(
            self.lines.iter().enumerate().map(|(k, (n, _))| Entry::new(n.clone(), Swatch::Line(colour(k)))),
        );
        e.extend(
            self.dots
                .iter()
                .enumerate()
                .map(|(k, (n, _))| Entry::new(n.clone(), Swatch::Dot(colour(k + self.lines.len())))),
        );
        e
    }
}

/// The names of a list of entries (to tell whether panels share their legend).
fn names(e: &[Entry]) -> Vec<&str> {
    e.iter().map(|e| e.name.as_str()).collect()
}

/// Panels side by side, each with its lines and dots; one legend below them all when the
/// panels show the same series, else one below each.
pub fn panels(panels: &[Panel], path: &Path) -> Result<(), PlotError> {
    if panels.is_empty() {
        return Err(PlotError::Empty("no panel"));
    }
    font()?;
    let mut entries: Vec<Vec<Entry>> = panels.iter().map(Panel::entries).collect();
    if entries.iter().all(|e| e.len() <= 1) {
        // one series per panel: the title says what it is
        entries.iter_mut().for_each(Vec::clear);
    }
    let shared = entries.iter().all(|e| names(e) == names(&entries[0]));
    let (pw, ph) = (560u32, 460u32);
    let w = pw * panels.len() as u32;
    let strip = if shared {
        style::legend_height(&entries[0], w)
    } else {
        entries.iter().map(|e| style::legend_height(e, pw)).max().unwrap_or(0)
    };
    let root = BitMapBackend::new(path, (w, ph + strip)).into_drawing_area();
    tri!(root.fill(&WHITE), path);
    let (top, bottom) = root.split_vertically(ph);
    if shared {
        style::legend(&bottom, &entries[0], path)?;
    } else {
        for (area, e) in bottom.split_evenly((1, panels.len())).iter().zip(&entries) {
            style::legend(area, e, path)?;
        }
    }
    for (area, p) in top.split_evenly((1, panels.len())).iter().zip(panels) {
        draw_panel(area, p, path)?;
    }
    tri!(root.present(), path);
    Ok(())
}

fn draw_panel(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    p: &Panel,
    path: &Path,
) -> Result<(), PlotError> {
    let pts = p
        .lines
        .iter()
        .chain(&p.dots)
        .chain(&p.reference)
        .flat_map(|(_, v)| v.iter())
        .filter(|(x, y)| x.is_finite() && y.is_finite() && (!p.log_y || *y > 0.0));
    let (mut x0, mut x1, mut y0, mut y1) =
        (f32::INFINITY, f32::NEG_INFINITY, f32::INFINITY, f32::NEG_INFINITY);
    for &(x, y) in pts {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    if !x0.is_finite() {
        return Err(PlotError::Empty("a panel has no finite point"));
    }
    if p.dots.iter().any(|(_, v)| !v.is_empty()) {
        // dots on the frame would be cut in half
        let pad = ((x1 - x0) * 0.08).max(0.5);
        (x0, x1) = (x0 - pad, x1 + pad);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let x_ticks = if p.integer_x { Ticks::Integer } else { Ticks::linear(x0 as f64, x1 as f64) };
    let mut builder = ChartBuilder::on(area);
    builder.caption(&p.title, ("sans-serif", TITLE)).margin(14).x_label_area_size(45).y_label_area_size(70);
    macro_rules! draw {
        ($chart:expr, $y_ticks:expr, $light:expr) => {{
            let mut chart = $chart;
            let y_ticks: Ticks = $y_ticks;
            let xf = |v: &f32| x_ticks.label(*v as f64);
            let yf = |v: &f32| y_ticks.label(*v as f64);
            tri!(
                chart
                    .configure_mesh()
                    .x_desc(p.x_label.as_str())
                    .y_desc(p.y_label.as_str())
                    .axis_desc_style(("sans-serif", LABEL))
                    .label_style(("sans-serif", 14))
                    .x_label_formatter(&xf)
                    .y_label_formatter(&yf)
                    .x_labels(if p.integer_x { ((x1 - x0) as usize + 1).clamp(2, 11) } else { 11 })
                    .bold_line_style(RGBColor(215, 215, 215))
                    .light_line_style($light)
                    .x_max_light_lines(0)
                    .draw(),
                path
            );
            let keep = |v: &Vec<(f32, f32)>| -> Vec<(f32, f32)> {
                v.iter()
                    .copied()
                    .filter(|(x, y)| x.is_finite() && y.is_finite() && (!p.log_y || *y > 0.0))
                    .collect()
            };
            for (k, (_, v)) in p.lines.iter().enumerate() {
                // earlier lines wider, so one that a later one covers still shows at its sides
                let width = 4u32.saturating_sub(k as u32).max(2);
                tri!(chart.draw_series(LineSeries::new(keep(v), colour(k).stroke_width(width))), path);
            }
            for (k, (_, v)) in p.dots.iter().enumerate() {
                let c = colour(k + p.lines.len());
                tri!(chart.draw_series(keep(v).into_iter().map(|q| Circle::new(q, 6, c.filled()))), path);
                tri!(
                    chart.draw_series(keep(v).into_iter().map(|q| Circle::new(q, 6, BLACK.stroke_width(1)))),
                    path
                );
            }
            if let Some((_, v)) = &p.reference {
                tri!(chart.draw_series(DashedLineSeries::new(keep(v), 8, 5, BLACK.stroke_width(2))), path);
            }
        }};
    }
    if p.log_y {
        let (lo, hi) = (y0.max(f32::MIN_POSITIVE) / 1.5, y1 * 1.5);
        // the ticks chosen here, each once: plotters' own log ticks can repeat one, which
        // then looks bold, and label only some of the grid lines
        let (labelled, minor) = style::log_ticks(lo as f64, hi as f64);
        let f32s = |v: Vec<f64>| -> Vec<f32> { v.into_iter().map(|v| v as f32).collect() };
        let y = (lo..hi).log_scale().with_key_points(f32s(labelled)).with_light_points(f32s(minor));
        draw!(
            tri!(builder.build_cartesian_2d(x0..x1, y), path),
            Ticks::log(lo as f64, hi as f64),
            RGBColor(236, 236, 236)
        );
    } else {
        let pad = ((y1 - y0) * 0.08).max(1e-3);
        let (lo, hi) = (y0 - pad, y1 + pad);
        // no minor grid: the major lines at the labels are enough to read values off
        draw!(
            tri!(builder.build_cartesian_2d(x0..x1, lo..hi), path),
            Ticks::linear(lo as f64, hi as f64),
            TRANSPARENT
        );
    }
    Ok(())
}
