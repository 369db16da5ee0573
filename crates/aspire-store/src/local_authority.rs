//! A local authority's part of a programme: its schools taking part (for the policy, which lets
//! the authority's officers read them), their stages and networks, and the authorities a
//! programme's schools are in.

use aspire_core::access::{LaSchool, Membership, Visible};
use aspire_core::codes::LaCode;
use aspire_core::people::ProgrammeId;
use aspire_core::urn::Urn;

use crate::audit::scope_condition;
use crate::programmes::Enrolment;
use crate::sql::{Sql, present};
use crate::{Db, StoreError};

/// A local authority with schools in a programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeLa {
    pub la: LaCode,
    pub name: String,
    pub schools: usize,
}

impl Db {
    /// The schools of this authority taking part in the programme (at any stage), as the policy
    /// needs them for the authority's officers.
    pub(crate) async fn la_memberships(&self, programme: ProgrammeId, la: LaCode) -> crate::Result<Vec<LaSchool>> {
        Ok(self
            .fetch(
                &Sql::new(
                    "SELECT e.urn, e.network_id FROM enrolments e JOIN schools s ON s.urn = e.urn \
                     WHERE e.programme_id = ? AND s.la_code = ?",
                )
                .int(programme)
                .int(la.get()),
                "reading a local authority's schools",
                |r| {
                    let network = r.network_id("network_id")?;
                    Ok(r.int("urn")?
                        .and_then(|u| Urn::try_from(u).ok())
                        .map(|urn| LaSchool { la, school: Membership { urn, programme, network } }))
                },
            )
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    /// The authority's schools in the programme that `visible` allows, with their stages and
    /// networks.
    pub async fn la_enrolments(
        &self,
        programme: ProgrammeId,
        la: LaCode,
        visible: &Visible,
    ) -> Result<Vec<Enrolment>, StoreError> {
        let cond = scope_condition(visible, Some("e.programme_id"), Some("e.network_id"), Some("e.urn"));
        self.enrolments_where(
            &format!("e.programme_id = ? AND s.la_code = ? AND {cond}"),
            Sql::new("").int(programme).int(la.get()),
        )
        .await
    }

    /// The local authorities of the programme's schools that `visible` allows, by name.
    pub async fn programme_las(
        &self,
        programme: ProgrammeId,
        visible: &Visible,
    ) -> Result<Vec<ProgrammeLa>, StoreError> {
        let cond = scope_condition(visible, Some("e.programme_id"), Some("e.network_id"), Some("e.urn"));
        let rows = self
            .fetch(
                &Sql::new(format!(
                    "SELECT s.la_code, MAX(COALESCE(la.name, s.la_name)) AS name, COUNT(*) AS schools \
                     FROM enrolments e JOIN schools s ON s.urn = e.urn \
                     LEFT JOIN local_authorities la ON la.la_code = s.la_code \
                     WHERE e.programme_id = ? AND s.la_code IS NOT NULL AND {cond} GROUP BY s.la_code"
                ))
                .int(programme),
                "reading a programme's local authorities",
                |r| {
                    let code = present(r.int("la_code")?, "la_code")?;
                    Ok(LaCode::try_from(code).ok().map(|la| {
                        Ok::<_, StoreError>(ProgrammeLa {
                            la,
                            name: r.text("name").ok().flatten().unwrap_or_else(|| format!("LA {la}")),
                            schools: usize::try_from(present(r.int("schools")?, "schools")?).unwrap_or(0),
                        })
                    }))
                },
            )
            .await?;
        let mut out = rows.into_iter().flatten().collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.la.cmp(&b.la)));
        Ok(out)
    }
}
