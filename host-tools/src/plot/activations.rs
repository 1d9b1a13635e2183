//! The activation functions, one panel each: the function and its derivative.

use super::style::{self, Entry, LABEL, PALETTE, Swatch, TITLE, Ticks};
use super::{PlotError, font};
use plotters::prelude::*;
use std::path::Path;
use tinymlp::Activation;

/// The functions shown, with the formula in each panel's title. Leaky ReLU uses the
/// tutorial's α = 0.01 (as `tinymlp experiment activations` does), ELU α = 1.
pub const SHOWN: [(Activation, &str); 6] = [
    (Activation::Sigmoid, "sigmoid: σ(z) = 1 / (1 + e^(−z))"),
    (Activation::Tanh, "tanh: (e^z − e^(−z)) / (e^z + e^(−z))"),
    (Activation::Relu, "ReLU: max(0, z)"),
    (Activation::LeakyRelu { alpha: 0.01 }, "leaky ReLU: max(0.01·z, z)"),
    (Activation::Elu { alpha: 1.0 }, "ELU: z if z > 0, else e^z − 1"),
    (Activation::Gelu, "GELU: z·Φ(z) (tanh approximation)"),
];

/// A curve on [-5, 5] split where it jumps (a step in a derivative), so no vertical line
/// joins the two sides.
fn pieces(f: impl Fn(f32) -> f32) -> Vec<Vec<(f32, f32)>> {
    let mut out: Vec<Vec<(f32, f32)>> = vec![vec![]];
    let mut last: Option<f32> = None;
    for i in 0..=1000 {
        let z = -5.0 + i as f32 * 0.01;
        let v = f(z);
        if last.is_some_and(|l| (v - l).abs() > 0.1) {
            out.push(vec![]);
        }
        if let Some(p) = out.last_mut() {
            p.push((z, v));
        }
        last = Some(v);
    }
    out
}

/// One panel per activation function on z ∈ [-5, 5]: the function (solid) and its
/// derivative (dashed).
pub fn activations(path: &Path) -> Result<(), PlotError> {
    font()?;
    let entries =
        [Entry::new("f(z)", Swatch::Line(PALETTE[0])), Entry::new("f′(z)", Swatch::Dashed(PALETTE[1]))];
    let (w, h) = (1380u32, 800u32);
    let strip = style::legend_height(&entries, w);
    let root = BitMapBackend::new(path, (w, h + strip)).into_drawing_area();
    tri!(root.fill(&WHITE), path);
    let (top, bottom) = root.split_vertically(h);
    style::legend(&bottom, &entries, path)?;
    for (area, (act, title)) in top.split_evenly((2, 3)).iter().zip(SHOWN) {
        let f = pieces(|z| act.scalar(z).unwrap_or(f32::NAN));
        let df = pieces(|z| act.scalar_derivative(z).unwrap_or(f32::NAN));
        let (lo, hi) = f
            .iter()
            .chain(&df)
            .flatten()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &(_, v)| (a.min(v), b.max(v)));
        let (lo, hi) = super::axis(lo, hi, 0.06, title)?;
        let yt = Ticks::linear(lo as f64, hi as f64);
        let mut chart = tri!(
            ChartBuilder::on(area)
                .caption(title, ("sans-serif", TITLE - 2))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(62)
                .build_cartesian_2d(-5.0f32..5.0f32, lo..hi),
            path
        );
        let yf = |v: &f32| yt.label(*v as f64);
        tri!(
            chart
                .configure_mesh()
                .x_desc("z")
                .y_desc("f(z) and f′(z)")
                .axis_desc_style(("sans-serif", LABEL))
                .label_style(("sans-serif", 13))
                .x_label_formatter(&|v: &f32| Ticks::Integer.label(*v as f64))
                .y_label_formatter(&yf)
                .bold_line_style(RGBColor(215, 215, 215))
                .light_line_style(TRANSPARENT)
                .draw(),
            path
        );
        // the axes through the origin
        for line in [[(-5.0, 0.0), (5.0, 0.0)], [(0.0, lo), (0.0, hi)]] {
            tri!(
                chart.draw_series(std::iter::once(PathElement::new(line.to_vec(), RGBColor(150, 150, 150)))),
                path
            );
        }
        for p in f {
            tri!(chart.draw_series(LineSeries::new(p, PALETTE[0].stroke_width(3))), path);
        }
        for p in df {
            tri!(chart.draw_series(DashedLineSeries::new(p, 8, 5, PALETTE[1].stroke_width(2))), path);
        }
    }
    tri!(root.present(), path);
    Ok(())
}
