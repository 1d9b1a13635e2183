//! PNG figures like the tutorial's, drawn with `plotters`.

use crate::data::Labelled;
use crate::train::{EpochRecord, Trained};
use plotters::prelude::*;
use std::path::Path;
use std::sync::OnceLock;
use tinymlp::Activation;

/// Why a figure could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// No TrueType font was found for the labels.
    #[error(
        "no font found for the figure's labels (looked for {0}); install one, e.g. `apt-get install fonts-dejavu-core`, or set TINYMLP_FONT to a .ttf file"
    )]
    NoFont(String),
    /// Drawing failed.
    #[error("cannot draw {path}: {message}")]
    Draw {
        /// The output file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Nothing to draw.
    #[error("nothing to plot: {0}")]
    Empty(&'static str),
    /// An axis whose range is not finite in f32.
    #[error(
        "cannot draw {what}: its values span {lo:e} to {hi:e}, a range beyond f32 (at most ±3.4e38, with a margin); rescale the data"
    )]
    Range {
        /// The axis.
        what: String,
        /// The smallest value.
        lo: f64,
        /// The largest value.
        hi: f64,
    },
}

/// An axis from `lo` to `hi` (the values' extremes) widened by `margin` of its span on each
/// side (at least a little, so it is never empty), or an error when the axis does not fit
/// f32: plotting libraries do not stop on infinite or overflowing ranges.
pub fn axis(lo: f32, hi: f32, margin: f64, what: &str) -> Result<(f32, f32), PlotError> {
    let err = || PlotError::Range { what: what.into(), lo: lo as f64, hi: hi as f64 };
    if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
        return Err(err());
    }
    let (l, h) = (lo as f64, hi as f64);
    let pad = ((h - l) * margin).max(1e-3 * l.abs().max(h.abs()).max(1.0));
    let (a, b) = ((l - pad) as f32, (h + pad) as f32);
    if !(a.is_finite() && b.is_finite() && a < b && ((b as f64 - a as f64) as f32).is_finite()) {
        return Err(err());
    }
    Ok((a, b))
}

const FONT_PATHS: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

/// Registers a TrueType font as "sans-serif" once (from `TINYMLP_FONT` or a system path).
fn font() -> Result<(), PlotError> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        let mut candidates: Vec<String> = FONT_PATHS.iter().map(|s| s.to_string()).collect();
        if let Ok(p) = std::env::var("TINYMLP_FONT") {
            candidates.insert(0, p);
        }
        for p in &candidates {
            if let Ok(bytes) = std::fs::read(p) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return Ok(());
                }
            }
        }
        Err(candidates.join(", "))
    })
    .clone()
    .map_err(PlotError::NoFont)
}

fn draw_err(path: &Path) -> impl Fn(String) -> PlotError + '_ {
    move |message| PlotError::Draw { path: path.display().to_string(), message }
}

macro_rules! tri {
    ($e:expr, $path:expr) => {
        $e.map_err(|e| draw_err($path)(e.to_string()))?
    };
}

/// The activations the figure shows, with their colours.
const SHOWN: [(Activation, &str, RGBColor); 6] = [
    (Activation::Sigmoid, "sigmoid", RGBColor(31, 119, 180)),
    (Activation::Tanh, "tanh", RGBColor(255, 127, 14)),
    (Activation::Relu, "relu", RGBColor(44, 160, 44)),
    (Activation::LeakyRelu { alpha: 0.1 }, "leaky relu (0.1)", RGBColor(214, 39, 40)),
    (Activation::Elu { alpha: 1.0 }, "elu", RGBColor(148, 103, 189)),
    (Activation::Gelu, "gelu", RGBColor(140, 86, 75)),
];

/// The activation functions (left) and their derivatives (right) on [-5, 5].
pub fn activations(path: &Path) -> Result<(), PlotError> {
    font()?;
    let root = BitMapBackend::new(path, (1200, 500)).into_drawing_area();
    tri!(root.fill(&WHITE), path);
    let panels = root.split_evenly((1, 2));
    for (k, panel) in panels.iter().enumerate() {
        let (title, lo, hi) =
            if k == 0 { ("Activation functions", -1.5, 5.0) } else { ("Derivatives", -0.2, 1.2) };
        let mut chart = tri!(
            ChartBuilder::on(panel)
                .caption(title, ("sans-serif", 24))
                .margin(12)
                .x_label_area_size(35)
                .y_label_area_size(45)
                .build_cartesian_2d(-5.0f32..5.0f32, lo as f32..hi as f32),
            path
        );
        tri!(chart.configure_mesh().x_desc("z").draw(), path);
        for (act, name, color) in SHOWN {
            let pts = (0..=400).map(|i| {
                let z = -5.0 + i as f32 * 0.025;
                let v = if k == 0 { act.scalar(z) } else { act.scalar_derivative(z) };
                (z, v.unwrap_or(0.0))
            });
            tri!(chart.draw_series(LineSeries::new(pts, color.stroke_width(2))), path)
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        }
        tri!(
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw(),
            path
        );
    }
    tri!(root.present(), path);
    Ok(())
}

/// Training history: loss (left) and accuracy (right), training vs validation.
pub fn history(h: &[EpochRecord], path: &Path) -> Result<(), PlotError> {
    if h.is_empty() {
        return Err(PlotError::Empty("the history has no epochs"));
    }
    font()?;
    let root = BitMapBackend::new(path, (1200, 500)).into_drawing_area();
    tri!(root.fill(&WHITE), path);
    let panels = root.split_evenly((1, 2));
    let last = h.last().map(|r| r.epoch).unwrap_or(1) as f32;
    type Getter = fn(&EpochRecord) -> Option<f32>;
    let specs: [(&str, Getter, Getter); 2] =
        [("Loss", |r| Some(r.loss), |r| r.val_loss), ("Accuracy", |r| r.accuracy, |r| r.val_accuracy)];
    for (panel, (title, train, val)) in panels.iter().zip(specs) {
        let values: Vec<f32> =
            h.iter().flat_map(|r| [train(r), val(r)]).flatten().filter(|v| v.is_finite()).collect();
        let (lo, hi) =
            values.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let (lo, hi) = if values.is_empty() { (0.0, 1.0) } else { (lo, hi) };
        let (lo, hi) = axis(lo, hi, 0.08, &format!("{} ({title})", path.display()))?;
        let mut chart = tri!(
            ChartBuilder::on(panel)
                .caption(title, ("sans-serif", 24))
                .margin(12)
                .x_label_area_size(35)
                .y_label_area_size(55)
                .build_cartesian_2d(1.0f32..last.max(2.0), lo..hi),
            path
        );
        tri!(chart.configure_mesh().x_desc("epoch").draw(), path);
        for (name, get, color) in [("training", train, BLUE), ("validation", val, RED)] {
            let pts: Vec<(f32, f32)> = h.iter().filter_map(|r| get(r).map(|v| (r.epoch as f32, v))).collect();
            if pts.is_empty() {
                continue;
            }
            tri!(chart.draw_series(LineSeries::new(pts, color.stroke_width(2))), path)
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        }
        tri!(
            chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw(),
            path
        );
    }
    tri!(root.present(), path);
    Ok(())
}

/// Decision boundaries of one or more models side by side, over the labelled points:
/// the background shows the predicted probability of class 1, the line is where it
/// crosses 0.5.
pub fn boundary(models: &[(&str, &Trained)], data: &Labelled<2>, path: &Path) -> Result<(), PlotError> {
    let fns: Vec<_> = models.iter().map(|(n, m)| (*n, move |x: &[f32; 2]| m.predict(x))).collect();
    let refs: Vec<(&str, Predictor<'_>)> = fns.iter().map(|(n, f)| (*n, f as Predictor<'_>)).collect();
    boundary_fn(&refs, data, path)
}

/// A predictor of the probability of class 1, for [`boundary_fn`].
pub type Predictor<'a> = &'a dyn Fn(&[f32; 2]) -> f32;

/// [`boundary`] for any predictors of the probability of class 1.
pub fn boundary_fn(
    models: &[(&str, Predictor<'_>)],
    data: &Labelled<2>,
    path: &Path,
) -> Result<(), PlotError> {
    if data.is_empty() || models.is_empty() {
        return Err(PlotError::Empty("no points or no model"));
    }
    font()?;
    let (x0, x1, y0, y1) = padded_bounds(data, path)?;
    let width = 560 * models.len() as u32;
    let root = BitMapBackend::new(path, (width, 520)).into_drawing_area();
    tri!(root.fill(&WHITE), path);
    let panels = root.split_evenly((1, models.len()));
    const N: usize = 150;
    for (panel, (name, model)) in panels.iter().zip(models) {
        let mut chart = tri!(
            ChartBuilder::on(panel)
                .caption(*name, ("sans-serif", 22))
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(40)
                .build_cartesian_2d(x0..x1, y0..y1),
            path
        );
        tri!(chart.configure_mesh().disable_mesh().draw(), path);
        let (dx, dy) = ((x1 - x0) / N as f32, (y1 - y0) / N as f32);
        let mut grid = vec![0.0f32; N * N];
        for j in 0..N {
            for i in 0..N {
                grid[j * N + i] = model(&[x0 + (i as f32 + 0.5) * dx, y0 + (j as f32 + 0.5) * dy]);
            }
        }
        let cells = (0..N * N).map(|k| {
            let (i, j) = (k % N, k / N);
            let p = grid[k];
            // blue for class 0, orange for class 1, white at 0.5
            let (r, g, b) = if p < 0.5 {
                let t = 1.0 - 2.0 * p;
                (255.0 - 125.0 * t, 255.0 - 70.0 * t, 255.0)
            } else {
                let t = 2.0 * p - 1.0;
                (255.0, 255.0 - 90.0 * t, 255.0 - 155.0 * t)
            };
            let (cx, cy) = (x0 + i as f32 * dx, y0 + j as f32 * dy);
            Rectangle::new([(cx, cy), (cx + dx, cy + dy)], RGBColor(r as u8, g as u8, b as u8).filled())
        });
        tri!(chart.draw_series(cells), path);
        // the 0.5 contour: cells whose right or upper neighbour is on the other side
        let mut edge = Vec::new();
        for j in 0..N - 1 {
            for i in 0..N - 1 {
                let a = grid[j * N + i] > 0.5;
                if a != (grid[j * N + i + 1] > 0.5) || a != (grid[(j + 1) * N + i] > 0.5) {
                    edge.push((x0 + (i as f32 + 1.0) * dx, y0 + (j as f32 + 1.0) * dy));
                }
            }
        }
        tri!(chart.draw_series(edge.into_iter().map(|p| Circle::new(p, 1, BLACK.filled()))), path);
        let points = data.x.iter().zip(&data.label).map(|(p, &l)| {
            let c = if l == 0 { RGBColor(31, 119, 180) } else { RGBColor(255, 127, 14) };
            Circle::new((p[0], p[1]), 3, c.filled().stroke_width(1))
        });
        tri!(chart.draw_series(points), path);
    }
    tri!(root.present(), path);
    Ok(())
}

/// The points' bounding box, widened by a tenth on each side; an error when it does not fit
/// f32 (see [`axis`]).
fn padded_bounds(data: &Labelled<2>, path: &Path) -> Result<(f32, f32, f32, f32), PlotError> {
    let (mut x0, mut x1, mut y0, mut y1) =
        (f32::INFINITY, f32::NEG_INFINITY, f32::INFINITY, f32::NEG_INFINITY);
    for p in &data.x {
        (x0, x1, y0, y1) = (x0.min(p[0]), x1.max(p[0]), y0.min(p[1]), y1.max(p[1]));
    }
    let (x0, x1) = axis(x0, x1, 0.1, &format!("{} (first feature)", path.display()))?;
    let (y0, y1) = axis(y0, y1, 0.1, &format!("{} (second feature)", path.display()))?;
    Ok((x0, x1, y0, y1))
}

/// One panel of a line figure.
pub struct Panel {
    /// Title.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// Named lines of (x, y) points.
    pub lines: Vec<(String, Vec<(f32, f32)>)>,
    /// Named sets of (x, y) points drawn as dots.
    pub dots: Vec<(String, Vec<(f32, f32)>)>,
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// Panels side by side, each with its lines and dots.
pub fn panels(panels: &[Panel], path: &Path) -> Result<(), PlotError> {
    if panels.is_empty() {
        return Err(PlotError::Empty("no panel"));
    }
    font()?;
    let root = BitMapBackend::new(path, (560 * panels.len() as u32, 480)).into_drawing_area();
    tri!(root.fill(&WHITE), path);
    for (area, p) in root.split_evenly((1, panels.len())).iter().zip(panels) {
        let pts = p
            .lines
            .iter()
            .chain(&p.dots)
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
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        let mut builder = ChartBuilder::on(area);
        builder.caption(&p.title, ("sans-serif", 20)).margin(12).x_label_area_size(35).y_label_area_size(60);
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                tri!(
                    chart.configure_mesh().x_desc(p.x_label.as_str()).y_desc(p.y_label.as_str()).draw(),
                    path
                );
                for (k, (name, v)) in p.lines.iter().enumerate() {
                    let c = PALETTE[k % PALETTE.len()];
                    let v: Vec<(f32, f32)> =
                        v.iter().copied().filter(|(_, y)| !p.log_y || *y > 0.0).collect();
                    tri!(chart.draw_series(LineSeries::new(v, c.stroke_width(2))), path)
                        .label(name.as_str())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
                }
                for (k, (name, v)) in p.dots.iter().enumerate() {
                    let c = PALETTE[(k + p.lines.len()) % PALETTE.len()];
                    let v: Vec<(f32, f32)> =
                        v.iter().copied().filter(|(_, y)| !p.log_y || *y > 0.0).collect();
                    tri!(chart.draw_series(v.into_iter().map(|q| Circle::new(q, 3, c.filled()))), path)
                        .label(name.as_str())
                        .legend(move |(x, y)| Circle::new((x + 9, y), 3, c.filled()));
                }
                tri!(
                    chart
                        .configure_series_labels()
                        .background_style(WHITE.mix(0.8))
                        .border_style(BLACK)
                        .draw(),
                    path
                );
            }};
        }
        if p.log_y {
            let (lo, hi) = (y0.max(f32::MIN_POSITIVE) / 2.0, y1 * 2.0);
            draw!(tri!(builder.build_cartesian_2d(x0..x1, (lo..hi).log_scale()), path));
        } else {
            let pad = ((y1 - y0) * 0.08).max(1e-3);
            draw!(tri!(builder.build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad)), path));
        }
    }
    tri!(root.present(), path);
    Ok(())
}

/// Decision regions of a K-class classifier over labelled points: each cell coloured by its
/// predicted class.
pub fn regions(
    classify: &dyn Fn(&[f32; 2]) -> usize,
    data: &Labelled<2>,
    title: &str,
    path: &Path,
) -> Result<(), PlotError> {
    if data.is_empty() {
        return Err(PlotError::Empty("no points"));
    }
    font()?;
    let (x0, x1, y0, y1) = padded_bounds(data, path)?;
    let root = BitMapBackend::new(path, (600, 560)).into_drawing_area();
    tri!(root.fill(&WHITE), path);
    let mut chart = tri!(
        ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(x0..x1, y0..y1),
        path
    );
    tri!(chart.configure_mesh().disable_mesh().draw(), path);
    const N: usize = 150;
    let (dx, dy) = ((x1 - x0) / N as f32, (y1 - y0) / N as f32);
    let cells = (0..N * N).map(|k| {
        let (i, j) = (k % N, k / N);
        let (cx, cy) = (x0 + i as f32 * dx, y0 + j as f32 * dy);
        let c = PALETTE[classify(&[cx + dx / 2.0, cy + dy / 2.0]) % PALETTE.len()];
        Rectangle::new([(cx, cy), (cx + dx, cy + dy)], c.mix(0.25).filled())
    });
    tri!(chart.draw_series(cells), path);
    let points = data
        .x
        .iter()
        .zip(&data.label)
        .map(|(p, &l)| Circle::new((p[0], p[1]), 3, PALETTE[l % PALETTE.len()].filled()));
    tri!(chart.draw_series(points), path);
    tri!(root.present(), path);
    Ok(())
}

/// Decision regions of a classifier of two features with any number of classes: each cell
/// of the background takes the colour of its predicted class, paler where the model is less
/// sure (the class's probability); the points take their true class's colour (grey when
/// unlabelled). `probabilities` gives the probability of each class for a point.
pub fn class_regions(
    probabilities: &dyn Fn(&[f32; 2]) -> Vec<f32>,
    classes: &[String],
    points: &[[f32; 2]],
    labels: Option<&[usize]>,
    axes: (&str, &str),
    path: &Path,
) -> Result<(), PlotError> {
    if points.is_empty() {
        return Err(PlotError::Empty("no points"));
    }
    font()?;
    let data = Labelled { x: points.to_vec(), label: vec![0; points.len()] };
    let (x0, x1, y0, y1) = padded_bounds(&data, path)?;
    let root = BitMapBackend::new(path, (700, 560)).into_drawing_area();
    tri!(root.fill(&WHITE), path);
    let mut chart = tri!(
        ChartBuilder::on(&root)
            .caption(format!("Decision regions ({} classes)", classes.len()), ("sans-serif", 22))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(45)
            .build_cartesian_2d(x0..x1, y0..y1),
        path
    );
    tri!(chart.configure_mesh().disable_mesh().x_desc(axes.0).y_desc(axes.1).draw(), path);
    const N: usize = 150;
    let (dx, dy) = ((x1 - x0) / N as f32, (y1 - y0) / N as f32);
    let k = classes.len().max(1);
    let cells = (0..N * N).map(|c| {
        let (i, j) = (c % N, c / N);
        let (cx, cy) = (x0 + i as f32 * dx, y0 + j as f32 * dy);
        let p = probabilities(&[cx + dx / 2.0, cy + dy / 2.0]);
        let best = tinymlp::eval::metrics::argmax(&p);
        // From white at chance (1/K) to 45 % of the class's colour when certain.
        let sure =
            ((p.get(best).copied().unwrap_or(0.0) - 1.0 / k as f32) / (1.0 - 1.0 / k as f32)).clamp(0.0, 1.0);
        let color = PALETTE[best % PALETTE.len()];
        Rectangle::new([(cx, cy), (cx + dx, cy + dy)], color.mix(0.08 + 0.37 * sure as f64).filled())
    });
    tri!(chart.draw_series(cells), path);
    let grey = RGBColor(90, 90, 90);
    for (c, name) in classes.iter().enumerate() {
        let color = PALETTE[c % PALETTE.len()];
        let pts: Vec<[f32; 2]> = match labels {
            Some(l) => points.iter().zip(l).filter(|(_, l)| **l == c).map(|(p, _)| *p).collect(),
            None => Vec::new(),
        };
        tri!(chart.draw_series(pts.iter().map(|p| Circle::new((p[0], p[1]), 3, color.filled()))), path)
            .label(name.as_str())
            .legend(move |(x, y)| Circle::new((x + 9, y), 4, color.filled()));
    }
    if labels.is_none() {
        tri!(chart.draw_series(points.iter().map(|p| Circle::new((p[0], p[1]), 2, grey.filled()))), path);
    }
    tri!(chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw(), path);
    tri!(root.present(), path);
    Ok(())
}
