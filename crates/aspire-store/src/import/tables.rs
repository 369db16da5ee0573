//! The merge-rule table: for each batch a file yields, its table, its key and the rule each
//! column merges by (see "Merge rules" in ARCHITECTURE.md).

use aspire_core::ks2::{Ks2Subject, Ks2Value};
use aspire_core::value::Kind;
use aspire_import::{Parsed, Precedence};

use super::conflicts::ks2_conflicts;
use super::{Conflict, TableCount, apply};
use crate::Result;
use crate::sql::{Arg, Tx};
use crate::upsert::{Column, Rule, Upsert};

fn simple_rule(p: Precedence) -> Rule {
    match p {
        Precedence::Replace => Rule::Replace,
        Precedence::FillOnly | Precedence::Ranked(_) => Rule::Fill,
    }
}

fn meta_col() -> Column {
    Column::new("last_import_id", Kind::Int, Rule::Meta)
}

pub(super) async fn write_records(
    tx: &mut Tx,
    parsed: &Parsed,
    import_id: i64,
    conflicts: &mut Vec<Conflict>,
) -> Result<Vec<TableCount>> {
    let rec = &parsed.records;
    let id = Arg::Int(Some(import_id));
    let mut out = Vec::new();

    if let Some(b) = &rec.local_authorities {
        let rule = simple_rule(b.precedence);
        let mut cols = vec![Column::new("name", Kind::Text, rule.clone())];
        if b.has_region {
            cols.push(Column::new("region_code", Kind::Text, rule.clone()));
            cols.push(Column::new("region_name", Kind::Text, rule));
        }
        cols.push(meta_col());
        let up = Upsert { table: "local_authorities", keys: vec!["la_code"], cols };
        let rows = b
            .rows
            .iter()
            .map(|la| {
                let mut r = vec![Arg::Int(Some(i64::from(la.code.get()))), Arg::Text(la.name.clone())];
                if b.has_region {
                    r.push(Arg::Text(la.region_code.clone()));
                    r.push(Arg::Text(la.region_name.clone()));
                }
                r.push(id.clone());
                r
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }

    if let Some(b) = &rec.schools {
        let ranked = matches!(b.precedence, Precedence::Ranked(_));
        let mut cols: Vec<Column> = Vec::with_capacity(b.fields.len() * 2 + 2);
        for &f in &b.fields {
            let rule = match b.precedence {
                Precedence::Replace => Rule::Replace,
                Precedence::FillOnly => Rule::Fill,
                Precedence::Ranked(_) => Rule::Ranked,
            };
            cols.push(Column::new(f.column(), f.kind(), rule));
            if ranked {
                let value_col = f.column().to_owned();
                cols.push(Column::new(format!("{value_col}_rank"), Kind::Int, Rule::RankOf { value_col }));
            }
        }
        let source_rank = match b.precedence {
            Precedence::Ranked(r) => Some(r.key()),
            _ => None,
        };
        cols.push(Column::new("source_rank", Kind::Int, Rule::SourceRank));
        cols.push(meta_col());
        let up = Upsert { table: "schools", keys: vec!["urn"], cols };
        let rows = b
            .rows
            .iter()
            .map(|s| {
                let mut r = Vec::with_capacity(b.fields.len() + 3);
                r.push(Arg::Int(Some(i64::from(s.urn))));
                for (f, v) in b.fields.iter().zip(&s.values) {
                    r.push(Arg::of(f.kind(), v.as_ref()));
                    if ranked {
                        r.push(Arg::Int(v.as_ref().and(source_rank)));
                    }
                }
                r.push(Arg::Int(source_rank));
                r.push(id.clone());
                r
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }

    if !rec.inspections.is_empty() {
        let up = Upsert {
            table: "ofsted_inspections",
            keys: vec!["urn", "inspection_date"],
            cols: vec![
                Column::new("grade", Kind::Int, Rule::Replace),
                Column::new("concern", Kind::Text, Rule::KeepUnlessGiven),
                meta_col(),
            ],
        };
        let rows = rec
            .inspections
            .iter()
            .map(|i| {
                vec![
                    Arg::Int(Some(i64::from(i.urn))),
                    Arg::Date(Some(i.date)),
                    Arg::Int(Some(i64::from(i.judgement.grade.number()))),
                    Arg::Text(i.judgement.concern.map(|c| c.code().to_owned())),
                    id.clone(),
                ]
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }

    if let Some(b) = &rec.ks2 {
        conflicts.extend(ks2_conflicts(tx, b).await?);
        let rank = b.rank.key();
        let mut cols = Vec::with_capacity(b.measures.len() * 3 + 2);
        for m in &b.measures {
            let c = m.column();
            cols.push(Column::new(c.clone(), Kind::Real, Rule::Ranked));
            cols.push(Column::fixed(format!("{c}_rank"), rank, Rule::FileRankOf { value_col: c.clone() }));
            cols.push(Column::new(format!("{c}_missing"), Kind::Text, Rule::Reason { value_col: c }));
        }
        cols.push(Column::fixed("source_rank", rank, Rule::SourceRank));
        cols.push(meta_col());
        let measure_args = |values: &[Option<Ks2Value>]| -> Vec<Arg> {
            values
                .iter()
                .flat_map(|v| match v {
                    Some(Ks2Value::Value(x)) => [Arg::Real(Some(*x)), Arg::Text(None)],
                    Some(Ks2Value::Missing(r)) => [Arg::Real(None), Arg::Text(Some(r.code().to_owned()))],
                    None => [Arg::Real(None), Arg::Text(None)],
                })
                .collect()
        };
        let mut school_rows = Vec::new();
        let mut area_rows = Vec::new();
        for row in &b.rows {
            let year = Arg::Int(Some(i64::from(row.year.start_year())));
            let mut args = match row.subject {
                Ks2Subject::School(urn) => vec![Arg::Int(Some(i64::from(urn))), year],
                other => {
                    let (level, code) = other.area_key().unwrap_or(("england_all", String::new()));
                    vec![Arg::Text(Some(level.to_owned())), Arg::Text(Some(code)), year]
                }
            };
            args.extend(measure_args(&row.values));
            args.push(id.clone());
            match row.subject {
                Ks2Subject::School(_) => school_rows.push(args),
                _ => area_rows.push(args),
            }
        }
        let school_cols = cols
            .iter()
            .map(|c| Column { name: c.name.clone(), kind: c.kind, rule: c.rule.clone(), literal: c.literal })
            .collect();
        let up = Upsert { table: "ks2_school_results", keys: vec!["urn", "academic_year"], cols: school_cols };
        apply(tx, &up, school_rows, &mut out).await?;
        let up = Upsert { table: "ks2_area_results", keys: vec!["area_level", "area_code", "academic_year"], cols };
        apply(tx, &up, area_rows, &mut out).await?;
    }

    if !rec.links.is_empty() {
        let up = Upsert {
            table: "establishment_links",
            keys: vec!["urn", "link_urn"],
            cols: vec![
                Column::new("link_name", Kind::Text, Rule::Replace),
                Column::new("link_type", Kind::Text, Rule::Replace),
                Column::new("established", Kind::Date, Rule::Replace),
                meta_col(),
            ],
        };
        let rows = rec
            .links
            .iter()
            .map(|l| {
                vec![
                    Arg::Int(Some(i64::from(l.urn))),
                    Arg::Int(Some(i64::from(l.link_urn))),
                    Arg::Text(l.link_name.clone()),
                    Arg::Text(Some(l.link_type.clone())),
                    Arg::Date(l.established),
                    id.clone(),
                ]
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }

    if let Some(b) = &rec.lads {
        let mut cols = vec![Column::new("name", Kind::Text, Rule::Replace)];
        for (has, a, n) in [(b.has_region, "region_code", "region_name"), (b.has_county, "county_code", "county_name")]
        {
            if has {
                cols.push(Column::new(a, Kind::Text, Rule::Replace));
                cols.push(Column::new(n, Kind::Text, Rule::Replace));
            }
        }
        cols.push(meta_col());
        let up = Upsert { table: "lads", keys: vec!["lad_code"], cols };
        let rows = b
            .rows
            .iter()
            .map(|l| {
                let mut r = vec![Arg::Text(Some(l.code.to_string())), Arg::Text(Some(l.name.clone()))];
                if b.has_region {
                    r.extend([Arg::Text(l.region_code.clone()), Arg::Text(l.region_name.clone())]);
                }
                if b.has_county {
                    r.extend([Arg::Text(l.county_code.clone()), Arg::Text(l.county_name.clone())]);
                }
                r.push(id.clone());
                r
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }

    if !rec.areas.is_empty() {
        let cols = ["wave", "announced", "lad_code", "lad_name", "la_code", "la_name"]
            .into_iter()
            .map(|c| {
                Column::new(c, if matches!(c, "wave" | "la_code") { Kind::Int } else { Kind::Text }, Rule::Replace)
            })
            .chain(std::iter::once(meta_col()))
            .collect();
        let up = Upsert { table: "area_members", keys: vec!["area_set", "area", "member_key"], cols };
        let rows = rec
            .areas
            .iter()
            .map(|a| {
                vec![
                    Arg::Text(Some(a.area_set.clone())),
                    Arg::Text(Some(a.area.clone())),
                    Arg::Text(Some(a.member_key())),
                    Arg::Int(a.wave),
                    Arg::Text(a.announced.clone()),
                    Arg::Text(a.lad_code.as_ref().map(|c| c.to_string())),
                    Arg::Text(a.lad_name.clone()),
                    Arg::Int(a.la_code.map(|c| i64::from(c.get()))),
                    Arg::Text(a.la_name.clone()),
                    id.clone(),
                ]
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }

    if !rec.ks2_fields.is_empty() {
        let up = Upsert {
            table: "ks2_field_labels",
            keys: vec!["academic_year", "field"],
            cols: vec![
                Column::new("position", Kind::Int, Rule::Replace),
                Column::new("label", Kind::Text, Rule::Replace),
                meta_col(),
            ],
        };
        let rows = rec
            .ks2_fields
            .iter()
            .map(|f| {
                vec![
                    Arg::Int(Some(i64::from(f.year.start_year()))),
                    Arg::Text(Some(f.field.clone())),
                    Arg::Int(Some(f.position)),
                    Arg::Text(Some(f.label.clone())),
                    id.clone(),
                ]
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }
    Ok(out)
}
