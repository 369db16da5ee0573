//! Charts drawn as SVG on the server. Each chart comes with a table giving the same figures,
//! which is its text alternative.

/// A line chart of group means by year.
pub struct LineChart {
    pub width: u32,
    pub height: u32,
    pub x_labels: Vec<(String, String)>,
    /// (y, label) for horizontal grid lines.
    pub y_ticks: Vec<(String, String)>,
    pub series: Vec<Series>,
    pub baseline_divider: Option<String>,
}

pub struct Series {
    pub label: String,
    pub class: &'static str,
    pub points: String,
    pub dots: Vec<(String, String, String)>,
}

const W: f64 = 560.0;
const H: f64 = 240.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 30.0;

/// `years` in order; `groups` are (label, css class, value per year or None).
pub fn line_chart(
    years: &[String],
    groups: &[(String, &'static str, Vec<Option<f64>>)],
    split_after: usize,
    unit: &str,
) -> LineChart {
    line_chart_on(years, groups, split_after, unit, false)
}

/// A line chart whose axis starts at zero when `from_zero` (counts and percentages, so that a
/// change of three pupils in sixty does not fill the chart's height).
pub fn line_chart_on(
    years: &[String],
    groups: &[(String, &'static str, Vec<Option<f64>>)],
    split_after: usize,
    unit: &str,
    from_zero: bool,
) -> LineChart {
    let values: Vec<f64> = groups.iter().flat_map(|(_, _, v)| v.iter().flatten().copied()).collect();
    let (mut lo, mut hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    if !lo.is_finite() {
        lo = 0.0;
        hi = 1.0;
    }
    if from_zero {
        lo = lo.min(0.0);
    }
    if (hi - lo).abs() < 1e-9 {
        lo -= 1.0;
        hi += 1.0;
    }
    let pad = (hi - lo) * 0.15;
    let (lo, hi) = (if from_zero && lo >= 0.0 { 0.0 } else { lo - pad }, hi + pad);
    let x = |i: usize| -> f64 {
        if years.len() <= 1 {
            LEFT + (W - LEFT - RIGHT) / 2.0
        } else {
            LEFT + (W - LEFT - RIGHT) * i as f64 / (years.len() - 1) as f64
        }
    };
    let y = |v: f64| -> f64 { TOP + (H - TOP - BOTTOM) * (hi - v) / (hi - lo) };
    let step = nice_step((hi - lo) / 4.0);
    let mut ticks = Vec::new();
    let mut t = (lo / step).ceil() * step;
    while t <= hi {
        ticks.push((format!("{:.1}", y(t)), format!("{}{unit}", trim(t))));
        t += step;
    }
    let series = groups
        .iter()
        .map(|(label, class, vals)| {
            let pts: Vec<(usize, f64)> = vals.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect();
            Series {
                label: label.clone(),
                class,
                points: pts.iter().map(|(i, v)| format!("{:.1},{:.1}", x(*i), y(*v))).collect::<Vec<_>>().join(" "),
                dots: pts
                    .iter()
                    .map(|(i, v)| {
                        (
                            format!("{:.1}", x(*i)),
                            format!("{:.1}", y(*v)),
                            format!("{label}, {}: {}{unit}", years[*i], trim(*v)),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    LineChart {
        width: W as u32,
        height: H as u32,
        x_labels: years.iter().enumerate().map(|(i, l)| (format!("{:.1}", x(i)), l.clone())).collect(),
        y_ticks: ticks,
        series,
        baseline_divider: (split_after > 0 && split_after < years.len())
            .then(|| format!("{:.1}", (x(split_after - 1) + x(split_after)) / 2.0)),
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_owned() }
}

fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Horizontal bars: the share judged Good or better, by prior judgement, for two groups.
pub struct BarChart {
    pub width: u32,
    pub height: u32,
    pub bars: Vec<Bar>,
}

pub struct Bar {
    pub y: String,
    pub width: String,
    pub class: &'static str,
    pub label: String,
    pub value_x: String,
    pub value: String,
}

/// `rows`: (label, cohort share, reference share), shares 0 to 1.
pub fn bar_chart(rows: &[(String, Option<f64>, Option<f64>)]) -> BarChart {
    let label_w = 230.0;
    let max_w = W - label_w - 60.0;
    let mut bars = Vec::new();
    let mut y = 8.0;
    for (label, c, r) in rows {
        for (share, class, who) in [(c, "bar--cohort", "cohort"), (r, "bar--reference", "other schools")] {
            let w = share.unwrap_or(0.0) * max_w;
            bars.push(Bar {
                y: format!("{y:.1}"),
                width: format!("{w:.1}"),
                class,
                label: format!("{label} ({who})"),
                value_x: format!("{:.1}", label_w + w + 6.0),
                value: share.map_or("no inspections".into(), |s| format!("{:.0}%", s * 100.0)),
            });
            y += 20.0;
        }
        y += 10.0;
    }
    BarChart { width: W as u32, height: y as u32 + 4, bars }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fit_the_frame() {
        let years = vec!["2015/16".to_owned(), "2016/17".to_owned(), "2017/18".to_owned()];
        let c = line_chart(&years, &[("Cohort".into(), "line--cohort", vec![Some(-1.0), None, Some(0.5)])], 2, "");
        assert_eq!(c.series[0].dots.len(), 2, "a missing year is a gap, not a zero");
        for (x, y, _) in &c.series[0].dots {
            let (x, y): (f64, f64) = (x.parse().expect("x"), y.parse().expect("y"));
            assert!((LEFT..=W).contains(&x) && (0.0..=H).contains(&y));
        }
        assert!(c.baseline_divider.is_some());
        assert_eq!(nice_step(0.37), 0.5);
        assert_eq!(trim(-0.0), "0");
    }

    #[test]
    fn counts_and_percentages_are_drawn_from_zero() {
        let years = vec!["2017".to_owned(), "2018".to_owned(), "2019".to_owned()];
        let pupils = vec![Some(56.0), Some(59.0), Some(57.0)];
        let from_zero = line_chart_on(&years, &[("School".into(), "line--cohort", pupils.clone())], 0, "", true);
        assert_eq!(from_zero.y_ticks.first().map(|t| t.1.as_str()), Some("0"), "{:?}", from_zero.y_ticks);
        let fitted = line_chart(&years, &[("School".into(), "line--cohort", pupils)], 0, "");
        assert_ne!(fitted.y_ticks.first().map(|t| t.1.as_str()), Some("0"), "scores keep a fitted axis");
    }
}
