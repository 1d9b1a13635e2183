//! Grouped bar charts: one group per category, one bar per series, each bar's value
//! written above it, an optional dashed reference level.

use super::style::{self, Entry, LABEL, Swatch, TITLE, Ticks, colour};
use super::{PlotError, font};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// One series of bars: its name, its colour in the palette, and a value per group (`None`
/// where the series has no bar).
#[derive(Clone, Debug)]
pub struct BarSeries {
    /// The name in the legend.
    pub name: String,
    /// Index into the palette (so a series keeps its colour across panels).
    pub colour: usize,
    /// One value per group.
    pub values: Vec<Option<f64>>,
}

/// One panel of grouped bars.
#[derive(Clone, Debug, Default)]
pub struct BarPanel {
    /// Title: what the panel shows.
    pub title: String,
    /// Label of the x axis (what the groups are).
    pub x_label: String,
    /// Label of the y axis, with its unit.
    pub y_label: String,
    /// The groups' names, left to right.
    pub groups: Vec<String>,
    /// The series.
    pub series: Vec<BarSeries>,
    /// A horizontal reference level, drawn black and dashed: its legend text and value.
    pub reference: Option<(String, f64)>,
    /// How each bar's value is written above it (e.g. `|v| format!("{v:.2}×")`).
    pub value_label: Option<fn(f64) -> String>,
}

/// Panels of grouped bars side by side, with one legend below them (series by name, the
/// first panel's reference).
pub fn bars(panels: &[BarPanel], path: &Path) -> Result<(), PlotError> {
    if panels.is_empty() {
        return Err(PlotError::Empty("no panel"));
    }
    for p in panels {
        if p.groups.is_empty() || p.series.iter().all(|s| s.values.iter().all(Option::is_none)) {
            return Err(PlotError::Empty("a bar panel has no bar"));
        }
        let bad = p.series.iter().flat_map(|s| &s.values).flatten().chain(p.reference.iter().map(|r| &r.1));
        if let Some(v) = bad.copied().find(|v| !v.is_finite() || *v < 0.0) {
            return Err(PlotError::Range { what: format!("the bars of \"{}\"", p.title), lo: v, hi: v });
        }
    }
    font()?;
    let mut entries: Vec<Entry> = vec![];
    for s in panels.iter().flat_map(|p| &p.series) {
        if !entries.iter().any(|e| e.name == s.name) {
            entries.push(Entry::new(s.name.clone(), Swatch::Region(colour(s.colour))));
        }
    }
    for (name, _) in panels.iter().filter_map(|p| p.reference.as_ref()) {
        if !entries.iter().any(|e| &e.name == name) {
            entries.push(Entry::new(name.clone(), Swatch::Dashed(BLACK)));
        }
    }
    let (pw, ph) = (600u32, 480u32);
    let w = pw * panels.len() as u32;
    let strip = style::legend_height(&entries, w);
    let root = BitMapBackend::new(path, (w, ph + strip)).into_drawing_area();
    tri!(root.fill(&WHITE), path);
    let (top, bottom) = root.split_vertically(ph);
    style::legend(&bottom, &entries, path)?;
    for (area, p) in top.split_evenly((1, panels.len())).iter().zip(panels) {
        draw_panel(area, p, path)?;
    }
    tri!(root.present(), path);
    Ok(())
}

fn draw_panel(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    p: &BarPanel,
    path: &Path,
) -> Result<(), PlotError> {
    let n = p.groups.len();
    let top = p
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .chain(p.reference.iter().map(|r| &r.1))
        .fold(0.0f64, |m, &v| m.max(v));
    // room above the tallest bar for its value
    let hi = if top > 0.0 { top * 1.15 } else { 1.0 };
    let x = -0.5..n as f64 - 0.5;
    let mut chart = tri!(
        ChartBuilder::on(area)
            .caption(&p.title, ("sans-serif", TITLE))
            .margin(14)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(x, 0.0..hi),
        path
    );
    let y_ticks = Ticks::linear(0.0, hi);
    let yf = |v: &f64| y_ticks.label(*v);
    tri!(
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(p.x_label.as_str())
            .y_desc(p.y_label.as_str())
            .axis_desc_style(("sans-serif", LABEL))
            .y_label_style(("sans-serif", 14))
            .x_labels(0)
            .y_label_formatter(&yf)
            .bold_line_style(RGBColor(215, 215, 215))
            .light_line_style(TRANSPARENT)
            .draw(),
        path
    );
    // the groups' names under their centres (a linear axis would put its own ticks there)
    let base = area.get_base_pixel();
    let under = ("sans-serif", LABEL).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Top));
    for (g, name) in p.groups.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(g as f64, 0.0));
        tri!(area.draw(&Text::new(name.clone(), (px - base.0, py - base.1 + 8), under.clone())), path);
    }
    let above = ("sans-serif", 14).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
    let inside = ("sans-serif", 14).into_font().color(&WHITE).pos(Pos::new(HPos::Center, VPos::Top));
    for g in 0..n {
        let present: Vec<&BarSeries> =
            p.series.iter().filter(|s| s.values.get(g).copied().flatten().is_some()).collect();
        let width = 0.8 / present.len().max(1) as f64;
        for (k, s) in present.iter().enumerate() {
            let v = s.values[g].unwrap_or(0.0);
            let left = g as f64 - 0.4 + k as f64 * width;
            let (a, b) = ((left + 0.06 * width, 0.0), (left + 0.94 * width, v));
            tri!(chart.draw_series([Rectangle::new([a, b], colour(s.colour).filled())]), path);
            tri!(chart.draw_series([Rectangle::new([a, b], BLACK.stroke_width(1))]), path);
            if let Some(f) = p.value_label {
                let centre = left + width / 2.0;
                // inside the top of a tall bar, in white (a reference line may pass just
                // above it); above a short one
                let text = if v > hi * 0.12 {
                    Text::new(f(v), (centre, v - hi * 0.012), inside.clone())
                } else {
                    Text::new(f(v), (centre, v + hi * 0.01), above.clone())
                };
                tri!(chart.draw_series([text]), path);
            }
        }
    }
    if let Some((_, level)) = p.reference {
        tri!(
            chart.draw_series(DashedLineSeries::new(
                [(-0.5, level), (n as f64 - 0.5, level)],
                8,
                5,
                BLACK.stroke_width(2)
            )),
            path
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel(values: Vec<Option<f64>>) -> BarPanel {
        BarPanel {
            title: "t".into(),
            groups: vec!["a".into(), "b".into()],
            series: vec![BarSeries { name: "s".into(), colour: 0, values }],
            reference: Some(("claim".into(), 2.0)),
            value_label: Some(|v| format!("{v:.2}×")),
            ..Default::default()
        }
    }

    #[test]
    fn bars_draw_or_say_why_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.png");
        bars(&[panel(vec![Some(1.0), Some(1.95)]), panel(vec![None, Some(7.2)])], &path).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
        let err = bars(&[panel(vec![Some(1.0), Some(f64::NAN)])], &path).unwrap_err();
        assert!(matches!(err, PlotError::Range { .. }), "{err}");
        let err = bars(&[panel(vec![Some(-1.0), Some(1.0)])], &path).unwrap_err();
        assert!(matches!(err, PlotError::Range { .. }), "{err}");
        let err = bars(&[panel(vec![None, None])], &path).unwrap_err();
        assert!(matches!(err, PlotError::Empty(_)), "{err}");
        assert!(matches!(bars(&[], &path).unwrap_err(), PlotError::Empty(_)));
    }
}
