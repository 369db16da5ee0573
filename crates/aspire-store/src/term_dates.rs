//! Term dates and closure days entered for an LA or a school (migration 0017). A file of them
//! replaces, for each LA or school and academic year it names, what was stored for that year;
//! it is saved whole or not at all. A school's calendar is composed from them by
//! `aspire_core::calendar::SchoolCalendar::compose`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;

use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::calendar::{Closure, DatedTerm, DatesFor, EnteredDates};
use aspire_core::codes::LaCode;
use aspire_core::template::Season;
use aspire_core::urn::Urn;
use aspire_core::year::AcademicYear;

use crate::audit::{self, Actor, Event};
use crate::sql::{RowGet, Sql, present};
use crate::{Db, StoreError};

/// What saving a file of term dates changed, for each LA or school it named.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SavedTermDates {
    pub per_scope: BTreeMap<DatesFor, (usize, usize)>,
}

impl SavedTermDates {
    pub fn terms(&self) -> usize {
        self.per_scope.values().map(|(t, _)| t).sum()
    }

    pub fn closures(&self) -> usize {
        self.per_scope.values().map(|(_, c)| c).sum()
    }
}

fn dates_for(r: &dyn RowGet) -> Result<DatesFor, StoreError> {
    let scope = present(r.text("scope")?, "scope")?;
    let code = present(r.int("code")?, "code")?;
    match scope.as_str() {
        "la" => LaCode::try_from(code)
            .map(DatesFor::La)
            .map_err(|_| StoreError::Schema(format!("{code} is not an LA code"))),
        "school" => {
            Urn::try_from(code).map(DatesFor::School).map_err(|_| StoreError::Schema(format!("{code} is not a URN")))
        }
        other => Err(StoreError::Schema(format!("'{other}' is not a term-dates scope this program knows"))),
    }
}

fn term_row(r: &dyn RowGet) -> Result<(DatesFor, DatedTerm), StoreError> {
    let year = present(r.int("academic_year")?, "academic_year")?;
    let academic_year = u16::try_from(year)
        .ok()
        .and_then(|y| AcademicYear::starting(y).ok())
        .ok_or_else(|| StoreError::Schema(format!("{year} is not an academic year")))?;
    let season = present(r.text("season")?, "season")?;
    let season = Season::parse(&season).ok_or_else(|| StoreError::Schema(format!("'{season}' is not a term")))?;
    Ok((
        dates_for(r)?,
        DatedTerm {
            academic_year,
            season,
            starts: present(r.date("starts")?, "starts")?,
            ends: present(r.date("ends")?, "ends")?,
            half_term_starts: present(r.date("half_term_starts")?, "half_term_starts")?,
            half_term_ends: present(r.date("half_term_ends")?, "half_term_ends")?,
        },
    ))
}

fn closure_row(r: &dyn RowGet) -> Result<(DatesFor, Closure), StoreError> {
    Ok((
        dates_for(r)?,
        Closure { date: present(r.date("closed_on")?, "closed_on")?, reason: present(r.text("reason")?, "reason")? },
    ))
}

/// `(scope = 'la' AND code IN (..)) OR (scope = 'school' AND code IN (..))` for the given
/// codes: whole numbers only, written into the statement.
fn scopes_condition(las: &BTreeSet<i64>, urns: &BTreeSet<i64>) -> String {
    let list = |s: &BTreeSet<i64>| s.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let mut parts = Vec::new();
    if !las.is_empty() {
        parts.push(format!("(scope = 'la' AND code IN ({}))", list(las)));
    }
    if !urns.is_empty() {
        parts.push(format!("(scope = 'school' AND code IN ({}))", list(urns)));
    }
    if parts.is_empty() { "1 = 0".to_owned() } else { format!("({})", parts.join(" OR ")) }
}

impl Db {
    /// Saves term dates and closure days, all or none: for each LA or school and academic year
    /// named, what was stored for that year is replaced. The caller has checked every row.
    pub async fn save_term_dates(
        &self,
        actor: &Actor,
        terms: &[(DatesFor, DatedTerm)],
        closures: &[(DatesFor, Closure)],
    ) -> Result<SavedTermDates, StoreError> {
        let mut years: BTreeSet<(DatesFor, AcademicYear)> = BTreeSet::new();
        years.extend(terms.iter().map(|(f, t)| (*f, t.academic_year)));
        years.extend(closures.iter().map(|(f, c)| (*f, AcademicYear::containing(c.date))));
        let now = Utc::now();
        let mut tx = self.begin().await?;
        for (f, year) in &years {
            tx.execute(
                &Sql::new("DELETE FROM term_dates WHERE scope = ? AND code = ? AND academic_year = ?")
                    .text(f.scope())
                    .int(f.code())
                    .int(i64::from(year.start_year())),
                "replacing term dates",
            )
            .await?;
            tx.execute(
                &Sql::new(
                    "DELETE FROM closure_days WHERE scope = ? AND code = ? AND closed_on >= ? AND closed_on <= ?",
                )
                .text(f.scope())
                .int(f.code())
                .opt_date(Some(year.first_day()))
                .opt_date(Some(year.last_day())),
                "replacing closure days",
            )
            .await?;
        }
        let mut saved = SavedTermDates::default();
        for (f, t) in terms {
            tx.execute(
                &Sql::new(
                    "INSERT INTO term_dates (scope, code, academic_year, season, starts, ends, half_term_starts, \
                     half_term_ends, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .text(f.scope())
                .int(f.code())
                .int(i64::from(t.academic_year.start_year()))
                .text(t.season.key())
                .opt_date(Some(t.starts))
                .opt_date(Some(t.ends))
                .opt_date(Some(t.half_term_starts))
                .opt_date(Some(t.half_term_ends))
                .instant(now),
                "saving a term's dates",
            )
            .await?;
            saved.per_scope.entry(*f).or_default().0 += 1;
        }
        for (f, c) in closures {
            tx.execute(
                &Sql::new(
                    "INSERT INTO closure_days (scope, code, closed_on, reason, updated_at) VALUES (?, ?, ?, ?, ?)",
                )
                .text(f.scope())
                .int(f.code())
                .opt_date(Some(c.date))
                .text(c.reason.as_str())
                .instant(now),
                "saving a closure day",
            )
            .await?;
            saved.per_scope.entry(*f).or_default().1 += 1;
        }
        for f in years.iter().map(|(f, _)| *f).collect::<BTreeSet<_>>() {
            let (t, c) = saved.per_scope.get(&f).copied().unwrap_or_default();
            let named: Vec<String> = years.iter().filter(|(g, _)| *g == f).map(|(_, y)| y.to_string()).collect();
            let urn = match f {
                DatesFor::School(u) => Some(u),
                DatesFor::La(_) => None,
            };
            audit::record(
                &mut tx,
                actor,
                Event::new(
                    AuditAction::TermDatesReplace,
                    AuditRecord::TermDates,
                    format!("{}:{}", f.scope(), f.code()),
                )
                .urn(urn)
                .after(serde_json::json!({ "years": named, "terms": t, "closure_days": c })),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(saved)
    }

    /// The dates entered for each of these schools and for their LAs, for their calendars.
    /// Schools with nothing entered are there too, with nothing in them.
    pub async fn entered_dates(&self, urns: &[Urn]) -> Result<BTreeMap<Urn, EnteredDates>, StoreError> {
        let mut out: BTreeMap<Urn, EnteredDates> = urns.iter().map(|u| (*u, EnteredDates::default())).collect();
        if urns.is_empty() {
            return Ok(out);
        }
        let codes: BTreeSet<i64> = urns.iter().map(|u| i64::from(*u)).collect();
        let list = codes.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let las: Vec<(Urn, Option<i64>)> = self
            .fetch(
                &Sql::new(format!("SELECT urn, la_code FROM schools WHERE urn IN ({list})")),
                "reading schools' LAs",
                |r| {
                    let u = present(r.int("urn")?, "urn")?;
                    Ok((
                        Urn::try_from(u).map_err(|_| StoreError::Schema(format!("{u} is not a URN")))?,
                        r.int("la_code")?,
                    ))
                },
            )
            .await?;
        let la_of: BTreeMap<Urn, i64> = las.into_iter().filter_map(|(u, la)| la.map(|l| (u, l))).collect();
        let la_codes: BTreeSet<i64> = la_of.values().copied().collect();
        let cond = scopes_condition(&la_codes, &codes);
        let terms = self
            .fetch(
                &Sql::new(format!(
                    "SELECT scope, code, academic_year, season, starts, ends, half_term_starts, half_term_ends \
                     FROM term_dates WHERE {cond} ORDER BY starts"
                )),
                "reading entered term dates",
                term_row,
            )
            .await?;
        let closures = self
            .fetch(
                &Sql::new(format!(
                    "SELECT scope, code, closed_on, reason FROM closure_days WHERE {cond} ORDER BY closed_on, scope DESC"
                )),
                "reading closure days",
                closure_row,
            )
            .await?;
        for (urn, entered) in out.iter_mut() {
            let la = la_of.get(urn).copied();
            let mine = |f: &DatesFor| match f {
                DatesFor::School(u) => u == urn,
                DatesFor::La(l) => Some(i64::from(l.get())) == la,
            };
            for (f, t) in terms.iter().filter(|(f, _)| mine(f)) {
                match f {
                    DatesFor::School(_) => entered.school_terms.push(*t),
                    DatesFor::La(_) => entered.la_terms.push(*t),
                }
            }
            // The school's own closure days first: its reason is the one shown.
            let (own, la_days): (Vec<_>, Vec<_>) =
                closures.iter().filter(|(f, _)| mine(f)).partition(|(f, _)| matches!(f, DatesFor::School(_)));
            entered.closures.extend(own.into_iter().chain(la_days).map(|(_, c)| c.clone()));
        }
        Ok(out)
    }

    /// Everything entered for one LA or school, terms in date order then closure days.
    pub async fn term_dates_of(&self, f: DatesFor) -> Result<(Vec<DatedTerm>, Vec<Closure>), StoreError> {
        let terms = self
            .fetch(
                &Sql::new(
                    "SELECT scope, code, academic_year, season, starts, ends, half_term_starts, half_term_ends \
                     FROM term_dates WHERE scope = ? AND code = ? ORDER BY starts",
                )
                .text(f.scope())
                .int(f.code()),
                "reading entered term dates",
                term_row,
            )
            .await?;
        let closures = self
            .fetch(
                &Sql::new("SELECT scope, code, closed_on, reason FROM closure_days WHERE scope = ? AND code = ? ORDER BY closed_on")
                    .text(f.scope())
                    .int(f.code()),
                "reading closure days",
                closure_row,
            )
            .await?;
        Ok((terms.into_iter().map(|(_, t)| t).collect(), closures.into_iter().map(|(_, c)| c).collect()))
    }

    /// The LA codes the register knows, to check a file of term dates against.
    pub async fn known_la_codes(&self) -> Result<BTreeSet<LaCode>, StoreError> {
        let rows = self
            .fetch(
                &Sql::new(
                    "SELECT la_code FROM local_authorities UNION SELECT DISTINCT la_code FROM schools WHERE la_code IS NOT NULL",
                ),
                "reading LA codes",
                |r| r.int("la_code"),
            )
            .await?;
        Ok(rows.into_iter().flatten().filter_map(|c| LaCode::try_from(c).ok()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn the_scope_condition_names_only_whole_numbers() {
        let las: BTreeSet<i64> = [380].into();
        let urns: BTreeSet<i64> = [107242, 107325].into();
        assert_eq!(
            scopes_condition(&las, &urns),
            "((scope = 'la' AND code IN (380)) OR (scope = 'school' AND code IN (107242, 107325)))"
        );
        assert_eq!(scopes_condition(&BTreeSet::new(), &BTreeSet::new()), "1 = 0");
    }

    #[test]
    fn a_closure_belongs_to_the_academic_year_of_its_date() {
        let d = NaiveDate::from_ymd_opt(2019, 8, 30).expect("date");
        assert_eq!(AcademicYear::containing(d).start_year(), 2018);
    }
}
