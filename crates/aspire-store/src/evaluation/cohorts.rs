//! Saved cohorts: a named list of schools, from a file or from a programme's schools.

use std::collections::BTreeSet;

use serde::Serialize;

use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::recruitment::Stage;
use aspire_core::urn::Urn;

use crate::sql::{Arg, Sql, present};
use crate::{Db, Result};

/// A stored cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub source_file: Option<String>,
    pub members: usize,
    /// The programme whose schools these are, if the cohort was made from one.
    pub programme: Option<aspire_core::people::ProgrammeId>,
}

impl Db {
    /// Stores a cohort under a name, replacing the members of a cohort of that name.
    pub async fn save_cohort(
        &self,
        actor: &crate::Actor,
        name: &str,
        description: Option<&str>,
        source: Option<(&str, &str)>,
        urns: &BTreeSet<Urn>,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let existing = tx
            .fetch(
                &Sql::new("SELECT id FROM cohorts WHERE name = ?").arg(Arg::Text(Some(name.to_owned()))),
                "finding a cohort",
                |r| r.int("id"),
            )
            .await?
            .into_iter()
            .flatten()
            .next();
        let id = match existing {
            Some(id) => {
                tx.execute(
                    &Sql::new("UPDATE cohorts SET description = ?, source_file = ?, source_sha256 = ? WHERE id = ?")
                        .arg(Arg::Text(description.map(str::to_owned)))
                        .arg(Arg::Text(source.map(|s| s.0.to_owned())))
                        .arg(Arg::Text(source.map(|s| s.1.to_owned())))
                        .arg(Arg::Int(Some(id))),
                    "updating a cohort",
                )
                .await?;
                tx.execute(&Sql::new("DELETE FROM cohort_members WHERE cohort_id = ?").arg(Arg::Int(Some(id))), "replacing members")
                    .await?;
                id
            }
            None => tx
                .fetch(
                    &Sql::new(
                        "INSERT INTO cohorts (name, description, source_file, source_sha256, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                    )
                    .arg(Arg::Text(Some(name.to_owned())))
                    .arg(Arg::Text(description.map(str::to_owned)))
                    .arg(Arg::Text(source.map(|s| s.0.to_owned())))
                    .arg(Arg::Text(source.map(|s| s.1.to_owned())))
                    .arg(Arg::Instant(Some(chrono::Utc::now()))),
                    "creating a cohort",
                    |r| r.int("id"),
                )
                .await?
                .into_iter()
                .flatten()
                .next()
                .map_or_else(|| present(None, "cohorts.id"), Ok)?,
        };
        crate::audit::record(
            &mut tx,
            actor,
            crate::audit::Event::new(
                if existing.is_some() { AuditAction::CohortReplace } else { AuditAction::CohortSave },
                AuditRecord::Cohort,
                id,
            )
            .after(serde_json::json!({ "name": name, "description": description, "schools": urns.len() })),
        )
        .await?;
        let urns: Vec<Urn> = urns.iter().copied().collect();
        for chunk in urns.chunks(1000) {
            let marks = vec!["(?, ?)"; chunk.len()].join(", ");
            let args = chunk.iter().flat_map(|u| [Arg::Int(Some(id)), Arg::Int(Some(i64::from(*u)))]).collect();
            tx.execute(
                &Sql { text: format!("INSERT INTO cohort_members (cohort_id, urn) VALUES {marks}"), args },
                "adding members",
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Stores a programme's schools as a cohort: those that reached enrolment (enrolled or
    /// completed; schools that withdrew are left out, and counted in the description). Returns
    /// the cohort's id, or `None` when the programme has no such school.
    pub async fn save_programme_cohort(
        &self,
        actor: &crate::Actor,
        name: &str,
        programme: aspire_core::people::ProgrammeId,
    ) -> Result<Option<(i64, usize)>> {
        let rows = self
            .fetch(
                &Sql::new("SELECT urn, status FROM enrolments WHERE programme_id = ?").int(programme),
                "reading a programme's schools",
                |r| {
                    let decode = |problem: String| crate::StoreError::Decode {
                        doing: "reading a programme's schools".into(),
                        problem,
                    };
                    let urn = Urn::try_from(present(r.int("urn")?, "urn")?)
                        .map_err(|_| decode("a URN that is not six digits".into()))?;
                    let stage = present(r.text("status")?, "status")?;
                    Ok((urn, Stage::parse(&stage).map_err(|e| decode(e.to_string()))?))
                },
            )
            .await?;
        let urns: BTreeSet<Urn> = rows.iter().filter(|(_, st)| st.takes_part()).map(|(u, _)| *u).collect();
        if urns.is_empty() {
            return Ok(None);
        }
        let withdrawn = rows.iter().filter(|(_, st)| *st == Stage::Withdrawn).count();
        let description = format!(
            "The {} schools of programme {programme} that enrolled (enrolled or completed){}.",
            urns.len(),
            if withdrawn > 0 { format!("; {withdrawn} that withdrew are not included") } else { String::new() }
        );
        let id = self.save_cohort(actor, name, Some(&description), None, &urns).await?;
        self.execute(
            &Sql::new("UPDATE cohorts SET programme_id = ? WHERE id = ?").int(programme).int(id),
            "linking a cohort to its programme",
        )
        .await?;
        Ok(Some((id, urns.len())))
    }

    /// The cohorts `visible` allows: a programme's cohort inside the programmes it covers, and
    /// cohorts made from public data alone (no programme) for anyone who may see evaluations.
    pub async fn cohorts(&self, visible: &aspire_core::access::Visible) -> Result<Vec<Cohort>> {
        let scope = crate::audit::scope_condition(visible, Some("c.programme_id"), None, None);
        self.cohorts_where(&format!("c.programme_id IS NULL OR {scope}"), None).await
    }

    async fn cohorts_where(&self, condition: &str, id: Option<i64>) -> Result<Vec<Cohort>> {
        let mut sql = Sql::new(format!(
            "SELECT c.id, c.name, c.description, c.source_file, c.programme_id, (SELECT COUNT(*) FROM cohort_members m WHERE m.cohort_id = c.id) AS n \
             FROM cohorts c WHERE ({condition}) {} ORDER BY c.name",
            if id.is_some() { "AND c.id = ?" } else { "" }
        ));
        if let Some(id) = id {
            sql = sql.int(id);
        }
        self.fetch(&sql, "listing cohorts", |r| {
            Ok(Cohort {
                id: present(r.int("id")?, "id")?,
                name: present(r.text("name")?, "name")?,
                description: r.text("description")?,
                source_file: r.text("source_file")?,
                members: usize::try_from(r.int("n")?.unwrap_or(0)).unwrap_or(0),
                programme: r.programme_id("programme_id")?,
            })
        })
        .await
    }

    /// A cohort and its members (the caller decides whether the reader may see it: its place is
    /// its programme, if it has one).
    pub async fn cohort(&self, id: i64) -> Result<Option<(Cohort, BTreeSet<Urn>)>> {
        let Some(c) = self.cohorts_where("1 = 1", Some(id)).await?.into_iter().next() else { return Ok(None) };
        let urns = self
            .fetch(
                &Sql::new("SELECT urn FROM cohort_members WHERE cohort_id = ?").arg(Arg::Int(Some(id))),
                "reading members",
                |r| Ok(r.int("urn")?.and_then(|u| Urn::try_from(u).ok())),
            )
            .await?
            .into_iter()
            .flatten()
            .collect();
        Ok(Some((c, urns)))
    }
}
