//! The people of a network a network's page names: its Achievement Advisers and the head
//! teachers of its schools, with their contacts. Who may see them is decided before this is
//! read (`aspire_core::networks::sees_contacts`).

use serde::Serialize;

use aspire_core::people::{NetworkId, PersonId, ProgrammeId, Role};
use aspire_core::urn::Urn;

use crate::sql::Sql;
use crate::{Db, StoreError};

/// One person of a network, in the role that makes them one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkContact {
    pub person: PersonId,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// The school a head teacher leads.
    pub urn: Option<Urn>,
}

impl Db {
    /// The Achievement Advisers of a network and the head teachers of the schools in it (their
    /// accounts not turned off), advisers first, then by name.
    pub async fn network_contacts(
        &self,
        programme: ProgrammeId,
        network: NetworkId,
    ) -> Result<Vec<NetworkContact>, StoreError> {
        let mut found = self
            .fetch(
                &Sql::new(
                    "SELECT p.id AS person_id, p.name, p.email, g.role, g.urn FROM grants g JOIN people p ON p.id = g.person_id \
                     WHERE p.disabled = ? AND ((g.role = ? AND g.programme_id = ? AND g.network_id = ?) \
                     OR (g.role = ? AND g.urn IN (SELECT e.urn FROM enrolments e WHERE e.programme_id = ? AND e.network_id = ?))) \
                     ORDER BY p.name, p.id",
                )
                .flag(false)
                .text(Role::AchievementAdviser.code())
                .int(programme)
                .int(network)
                .text(Role::HeadTeacher.code())
                .int(programme)
                .int(network),
                "reading a network's people",
                |r| {
                    let role = r.text("role")?.and_then(|c| Role::parse(&c).ok());
                    Ok(r.person_id("person_id")?.zip(role).map(|(person, role)| NetworkContact {
                        person,
                        name: r.text("name").ok().flatten().unwrap_or_default(),
                        email: r.text("email").ok().flatten().unwrap_or_default(),
                        role,
                        urn: r.int("urn").ok().flatten().and_then(|u| Urn::try_from(u).ok()),
                    }))
                },
            )
            .await?
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
        found.sort_by_key(|c| c.role != Role::AchievementAdviser);
        Ok(found)
    }

    /// The head teachers (accounts not turned off) of every school of a programme, with their
    /// school, in one query: those told when their network's year is planned.
    pub async fn programme_heads(&self, programme: ProgrammeId) -> Result<Vec<NetworkContact>, StoreError> {
        Ok(self
            .fetch(
                &Sql::new(
                    "SELECT p.id AS person_id, p.name, p.email, g.urn FROM grants g JOIN people p ON p.id = g.person_id \
                     WHERE p.disabled = ? AND g.role = ? \
                     AND g.urn IN (SELECT e.urn FROM enrolments e WHERE e.programme_id = ?) ORDER BY p.name, p.id",
                )
                .flag(false)
                .text(Role::HeadTeacher.code())
                .int(programme),
                "reading a programme's head teachers",
                |r| {
                    Ok(r.person_id("person_id")?.map(|person| NetworkContact {
                        person,
                        name: r.text("name").ok().flatten().unwrap_or_default(),
                        email: r.text("email").ok().flatten().unwrap_or_default(),
                        role: Role::HeadTeacher,
                        urn: r.int("urn").ok().flatten().and_then(|u| Urn::try_from(u).ok()),
                    }))
                },
            )
            .await?
            .into_iter()
            .flatten()
            .collect())
    }
}
