//! `aspire schools show URN`.

use std::process::ExitCode;

use serde_json::{Value as Json, json};

use aspire_core::ks2::{Ks2Value, format_value};
use aspire_core::links::LinkRelation;
use aspire_core::urn::Urn;
use aspire_store::{ChainPosition, Db, HEADLINE_MEASURES, NationalFigure, SchoolProfile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub async fn run(db: &Db, urn: Urn, format: Format) -> anyhow::Result<ExitCode> {
    let Some(p) = db.school_profile(urn).await? else {
        eprintln!(
            "No school with URN {urn} is in the database. Import a GIAS extract or the DfE spine that contains it."
        );
        return Ok(ExitCode::FAILURE);
    };
    match format {
        // Names and addresses come from files: nothing in them may drive the terminal.
        Format::Text => print!("{}", aspire_core::text::printable_lines(&text(&p))),
        Format::Json => println!("{}", serde_json::to_string_pretty(&to_json(&p))?),
    }
    Ok(ExitCode::SUCCESS)
}

/// "predecessor URN 133771 (Name)" and the like.
pub fn position_label(p: &SchoolProfile, urn: Urn, pos: ChainPosition) -> String {
    match pos {
        ChainPosition::Own => "this URN".to_owned(),
        ChainPosition::Linked(rel, steps) => {
            let rel = match rel {
                LinkRelation::Predecessor => "predecessor",
                LinkRelation::Successor => "successor",
                LinkRelation::Related => "linked school",
            };
            let far = if steps > 1 { format!(", {steps} steps away") } else { String::new() };
            format!("{rel} URN {urn} ({}{far})", p.name_of(urn))
        }
    }
}

fn national_text(m: aspire_core::ks2::Measure, f: Option<&NationalFigure>) -> String {
    match f {
        Some(NationalFigure::Published(x)) => format!("England {}", format_value(m, *x)),
        Some(NationalFigure::ZeroByDefinition) => "England 0.0 (by definition)".to_owned(),
        Some(NationalFigure::Computed { value, schools }) => {
            format!("England ≈{} (computed from {schools} schools)", format_value(m, *value))
        }
        _ => String::new(),
    }
}

fn value_text(m: aspire_core::ks2::Measure, v: Option<&Ks2Value>) -> String {
    match v {
        Some(Ks2Value::Value(x)) => format_value(m, *x),
        Some(Ks2Value::Missing(r)) => format!("{} ({})", r.code(), r.explanation()),
        None => "not given".to_owned(),
    }
}

pub fn text(p: &SchoolProfile) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let _ = writeln!(o, "{} (URN {})", p.name(), p.urn);
    match &p.school {
        None => {
            let _ = writeln!(o, "  Not in the register: known only from links, inspections or results.");
        }
        Some(s) => {
            let mut line = |label: &str, v: Option<String>| {
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    let _ = writeln!(o, "  {label:<22}{v}");
                }
            };
            line("Status", s.status.clone());
            line("Phase", s.phase.clone());
            line("Type", s.type_name.clone().or(s.minor_group.clone()));
            line("Ages", s.low_age.zip(s.high_age).map(|(a, b)| format!("{a} to {b}")));
            line(
                "Local authority",
                s.la_code.map(|c| match &p.la_name {
                    Some(n) => format!("{n} ({c})"),
                    None => c.to_string(),
                }),
            );
            line("District", s.district_name.clone());
            line("Region", s.region_name.clone());
            let address: Vec<String> =
                [&s.street, &s.locality, &s.address3, &s.town, &s.postcode].into_iter().flatten().cloned().collect();
            line("Address", (!address.is_empty()).then(|| address.join(", ")));
            line("Opened", s.open_date.map(|d| d.to_string()));
            line("Closed", s.close_date.map(|d| d.to_string()));
            line("Pupils on roll", s.number_of_pupils.map(|n| n.to_string()));
            line("Free school meals", s.percentage_fsm.map(|x| format!("{x:.1}%")));
            line(
                "Location",
                s.latitude.zip(s.longitude).map(|(a, b)| {
                    let src = match s.location_source.as_deref() {
                        Some("grid") => "from the GIAS grid reference",
                        Some("postcode") => "from the postcode",
                        _ => "source not recorded",
                    };
                    format!("{a:.5}, {b:.5} ({src})")
                }),
            );
        }
    }

    let _ = writeln!(o, "\nEarlier and later URNs (GIAS links)");
    if p.lineage.predecessors.is_empty() && p.lineage.successors.is_empty() && p.own_links.is_empty() {
        let _ = writeln!(o, "  none recorded");
    }
    for l in &p.lineage.predecessors {
        let via = if l.steps > 1 { format!(", via {}", l.via) } else { String::new() };
        let _ = writeln!(
            o,
            "  predecessor  {} {} ({} step{}{via})",
            l.urn,
            p.name_of(l.urn),
            l.steps,
            if l.steps == 1 { "" } else { "s" }
        );
    }
    for l in &p.lineage.successors {
        let via = if l.steps > 1 { format!(", via {}", l.via) } else { String::new() };
        let _ = writeln!(
            o,
            "  successor    {} {} ({} step{}{via})",
            l.urn,
            p.name_of(l.urn),
            l.steps,
            if l.steps == 1 { "" } else { "s" }
        );
    }
    for l in p.own_links.iter().filter(|l| l.relation() == LinkRelation::Related) {
        let _ = writeln!(o, "  {:<12} {} {}", l.link_type, l.link_urn, p.name_of(l.link_urn));
    }

    let _ = writeln!(o, "\nOfsted inspections (graded), this school and its chain of URNs");
    if p.timeline.is_empty() {
        let _ = writeln!(o, "  none recorded");
    }
    for t in p.timeline.iter().rev() {
        let i = &t.inspection;
        let whose = match t.position {
            ChainPosition::Own => String::new(),
            pos => format!("  [{}]", position_label(p, i.urn, pos)),
        };
        let _ = writeln!(o, "  {}  grade {}  {}{whose}", i.date, i.judgement.grade.number(), i.judgement.label(i.date));
    }

    let _ = writeln!(o, "\nKS2 results");
    if p.ks2.is_empty() {
        let _ = writeln!(o, "  none recorded");
    }
    for y in &p.ks2 {
        let whose = match y.position {
            ChainPosition::Own => String::new(),
            pos => format!(" [{}]", position_label(p, y.urn, pos)),
        };
        let _ = writeln!(o, "  {}{whose}", y.year);
        if !HEADLINE_MEASURES.iter().any(|m| y.values.contains_key(m)) {
            let _ = writeln!(o, "    no figures for these measures in the files imported");
        }
        for &m in HEADLINE_MEASURES {
            if !y.values.contains_key(&m) {
                continue;
            }
            let _ = writeln!(
                o,
                "    {:<52} {:>10}   {}",
                m.label(),
                value_text(m, y.values.get(&m)),
                national_text(m, y.national.get(&m))
            );
        }
    }
    o
}

fn to_json(p: &SchoolProfile) -> Json {
    let pos = |pos: ChainPosition| match pos {
        ChainPosition::Own => json!({"relation": "self"}),
        ChainPosition::Linked(r, steps) => json!({"relation": format!("{r:?}").to_lowercase(), "steps": steps}),
    };
    json!({
        "urn": p.urn,
        "name": p.name(),
        "school": p.school,
        "la_name": p.la_name,
        "predecessors": p.lineage.predecessors.iter().map(|l| json!({"urn": l.urn, "name": p.name_of(l.urn), "steps": l.steps, "via": l.via})).collect::<Vec<_>>(),
        "successors": p.lineage.successors.iter().map(|l| json!({"urn": l.urn, "name": p.name_of(l.urn), "steps": l.steps, "via": l.via})).collect::<Vec<_>>(),
        "links": p.own_links,
        "inspections": p.timeline.iter().map(|t| json!({
            "urn": t.inspection.urn,
            "date": t.inspection.date,
            "grade": t.inspection.judgement.grade.number(),
            "judgement": t.inspection.judgement.label(t.inspection.date),
            "concern": t.inspection.judgement.concern.map(|c| c.code()),
            "position": pos(t.position),
        })).collect::<Vec<_>>(),
        "ks2": p.ks2.iter().map(|y| json!({
            "year": y.year.to_string(),
            "urn": y.urn,
            "position": pos(y.position),
            "values": y.values.iter().map(|(m, v)| (m.dfe_code().to_owned(), match v {
                Ks2Value::Value(x) => json!(x),
                Ks2Value::Missing(r) => json!({"missing": r.code()}),
            })).collect::<serde_json::Map<_, _>>(),
            "national": y.national.iter().filter_map(|(m, f)| {
                let v = match f {
                    NationalFigure::Published(x) => json!({"value": x, "source": "DfE national row"}),
                    NationalFigure::ZeroByDefinition => json!({"value": 0.0, "source": "progress scores are centred on 0"}),
                    NationalFigure::Computed { value, schools } => json!({"value": value, "source": "pupil-weighted mean of school rows", "schools": schools}),
                    NationalFigure::Unknown => return None,
                };
                Some((m.dfe_code().to_owned(), v))
            }).collect::<serde_json::Map<_, _>>(),
        })).collect::<Vec<_>>(),
    })
}
