//! Roles: giving one, taking one away, and reading them with the names of where they are held.

use super::*;

/// A role a person holds, with the names of where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantRow {
    pub id: i64,
    pub grant: Grant,
    /// "Programme: TLIF 2017", "Network: Bradford North (TLIF 2017)", "School: 107345 Green Lane Primary".
    pub place: String,
}

/// An audit event about a person's role, filed under the role's programme and school.
pub(super) fn role_event(action: AuditAction, person: PersonId, scope: Scope) -> Event {
    let (_, programme, _, urn) = scope_columns(scope);
    Event::new(action, AuditRecord::Person, person).programme(programme).urn(urn.and_then(|u| Urn::try_from(u).ok()))
}

pub(super) fn scope_columns(scope: Scope) -> (String, Option<ProgrammeId>, Option<NetworkId>, Option<i64>) {
    match scope {
        Scope::Platform => ("platform".into(), None, None, None),
        Scope::Programme(p) => (format!("programme:{p}"), Some(p), None, None),
        Scope::Network { programme, network } => (format!("network:{network}"), Some(programme), Some(network), None),
        Scope::School(u) => (format!("school:{u}"), None, None, Some(i64::from(u))),
        // The authority's code is kept in the key alone: it names no row of another table.
        Scope::LocalAuthority { programme, la } => (format!("la:{programme}:{la}"), Some(programme), None, None),
    }
}

pub(super) fn read_grant(r: &dyn RowGet) -> crate::Result<Option<(i64, Grant)>> {
    let role = r.text("role")?.and_then(|s| Role::parse(&s).ok());
    let scope = match (
        r.text("scope_key")?.as_deref().unwrap_or(""),
        r.programme_id("programme_id")?,
        r.network_id("network_id")?,
        r.int("urn")?,
    ) {
        ("platform", ..) => Some(Scope::Platform),
        (k, Some(p), None, None) if k.starts_with("programme:") => Some(Scope::Programme(p)),
        (k, Some(programme), Some(network), None) if k.starts_with("network:") => {
            Some(Scope::Network { programme, network })
        }
        (k, _, _, Some(u)) if k.starts_with("school:") => Urn::try_from(u).ok().map(Scope::School),
        (k, Some(programme), None, None) if k.starts_with("la:") => k
            .rsplit(':')
            .next()
            .and_then(|c| aspire_core::codes::LaCode::parse(c).ok())
            .map(|la| Scope::LocalAuthority { programme, la }),
        _ => None,
    };
    Ok(match (role, scope) {
        (Some(role), Some(scope)) => Some((
            present(r.int("id")?, "id")?,
            Grant { role, scope, pupil_data: r.flag("pupil_data")?.unwrap_or(false) },
        )),
        _ => None,
    })
}

/// An LA officer's authority, named from its code, which is kept only in the scope key
/// ("la:{programme}:{code}") of a role or an offer (`g`): `la_join!()` finds it in the list of
/// authorities, `la_name!()` names it (else from the register's schools) as `la_name`.
macro_rules! la_code_of_scope {
    () => {
        "CASE WHEN g.scope_key LIKE 'la:%' THEN \
         CAST(SUBSTR(g.scope_key, LENGTH('la:' || g.programme_id || ':') + 1) AS INTEGER) END"
    };
}
macro_rules! la_name {
    () => {
        concat!(
            "COALESCE(la.name, (SELECT MAX(s2.la_name) FROM schools s2 WHERE s2.la_code = ",
            la_code_of_scope!(),
            ")) AS la_name"
        )
    };
}
macro_rules! la_join {
    () => {
        concat!("LEFT JOIN local_authorities la ON la.la_code = ", la_code_of_scope!())
    };
}
/// The `la_name` column of a role or an offer, read with [`LA_JOIN`].
pub(super) const LA_NAME: &str = la_name!();
pub(super) const LA_JOIN: &str = la_join!();

pub(super) const GRANT_COLUMNS: &str = concat!(
    "g.id, g.person_id, g.role, g.scope_key, g.programme_id, g.network_id, g.urn, g.pupil_data, \
     p.name AS programme_name, n.name AS network_name, s.name AS school_name, ",
    la_name!()
);
pub(super) const GRANT_JOINS: &str = concat!(
    "FROM grants g LEFT JOIN programmes p ON p.id = g.programme_id \
     LEFT JOIN networks n ON n.id = g.network_id LEFT JOIN schools s ON s.urn = g.urn ",
    la_join!()
);

pub(super) fn place_label(r: &dyn RowGet, g: &Grant) -> crate::Result<String> {
    Ok(match g.scope {
        Scope::Platform => "Everywhere".into(),
        Scope::Programme(_) => format!("Programme: {}", r.text("programme_name")?.unwrap_or_default()),
        Scope::Network { .. } => format!(
            "Network: {} ({})",
            r.text("network_name")?.unwrap_or_default(),
            r.text("programme_name")?.unwrap_or_default()
        ),
        Scope::School(u) => match r.text("school_name")? {
            Some(n) => format!("School: {u} {n}"),
            None => format!("School: {u}"),
        },
        Scope::LocalAuthority { la, .. } => {
            let called = r.text("la_name")?.map_or_else(|| format!("Local authority {la}"), |n| format!("{n} ({la})"));
            format!("{called} in {}", r.text("programme_name")?.unwrap_or_default())
        }
    })
}

impl Db {
    /// Gives a person a role.
    pub async fn add_grant(&self, actor: &Actor, person: PersonId, grant: &Grant) -> Result<i64, AccountError> {
        let mut tx = self.begin().await?;
        let id = add_grant_tx(&mut tx, actor, person, grant).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Why `person` cannot hold `grant` (an adviser at a school of their programme), `None`
    /// when they can. For offers shown on an account page: one that cannot be accepted is said
    /// so before anyone tries.
    pub async fn grant_clash(&self, person: PersonId, grant: &Grant) -> crate::Result<Option<AccountError>> {
        let mut tx = self.begin().await?;
        let why = adviser_inside(&mut tx, person, grant).await?.map(AccountError::AdviserInside);
        tx.rollback().await?;
        Ok(why)
    }

    /// Takes a role away.
    pub async fn remove_grant(&self, actor: &Actor, grant_id: i64) -> Result<(), AccountError> {
        let mut tx = self.begin().await?;
        let found = tx
            .fetch_one(
                &Sql::new(format!("SELECT {GRANT_COLUMNS} {GRANT_JOINS} WHERE g.id = ?")).int(grant_id),
                "finding a role",
                |r| Ok((read_grant(r)?, r.person_id("person_id")?)),
            )
            .await?;
        let Some((Some((_, g)), Some(person))) = found else { return Err(AccountError::NoSuchGrant) };
        tx.execute(&Sql::new("DELETE FROM grants WHERE id = ?").int(grant_id), "removing a role").await?;
        audit::record(&mut tx, actor, role_event(AuditAction::RoleRemove, person, g.scope).before(g)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A grant by id, with its person (for checking the policy before removing it).
    pub async fn grant(&self, grant_id: i64) -> crate::Result<Option<(PersonId, Grant)>> {
        Ok(self
            .fetch_one(
                &Sql::new(format!("SELECT {GRANT_COLUMNS} {GRANT_JOINS} WHERE g.id = ?")).int(grant_id),
                "finding a role",
                |r| Ok(read_grant(r)?.zip(r.person_id("person_id")?)),
            )
            .await?
            .flatten()
            .map(|((_, g), p)| (p, g)))
    }
}

pub(crate) async fn add_grant_tx(tx: &mut Tx, actor: &Actor, person: PersonId, g: &Grant) -> Result<i64, AccountError> {
    let (key, programme, network, urn) = scope_columns(g.scope);
    let exists = tx
        .fetch_one(
            &Sql::new("SELECT id FROM grants WHERE person_id = ? AND role = ? AND scope_key = ?")
                .int(person)
                .text(g.role.code())
                .text(key.clone()),
            "checking roles",
            |r| r.int("id"),
        )
        .await?
        .flatten();
    if exists.is_some() {
        return Err(AccountError::GrantExists(format!("person {person}")));
    }
    if let Some(why) = adviser_inside(tx, person, g).await? {
        return Err(AccountError::AdviserInside(why));
    }

    let id = tx
        .fetch_one(
            &Sql::new(
                "INSERT INTO grants (person_id, role, scope_key, programme_id, network_id, urn, pupil_data, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .int(person)
            .text(g.role.code())
            .text(key)
            .opt_int(programme)
            .opt_int(network)
            .opt_int(urn)
            .flag(g.pupil_data)
            .instant(Utc::now()),
            "giving a role",
            |r| r.int("id"),
        )
        .await?
        .flatten();
    let id = present(id, "grants.id")?;
    audit::record(tx, actor, role_event(AuditAction::RoleAdd, person, g.scope).after(g)).await?;
    Ok(id)
}

/// Why `g` would make `person` both an Achievement Adviser in a programme and a member of staff
/// of one of its schools (in either order), in plain words; `None` when it would not.
pub(super) async fn adviser_inside(tx: &mut Tx, person: PersonId, g: &Grant) -> Result<Option<String>, StoreError> {
    match g.scope {
        // Only roles at a school carry its URN.
        Scope::Network { programme, .. } if g.role == Role::AchievementAdviser => {
            let held = tx
                .fetch_one(
                    &Sql::new(
                        "SELECT g.role, g.urn, s.name FROM grants g JOIN enrolments e ON e.urn = g.urn AND e.programme_id = ? \
                         LEFT JOIN schools s ON s.urn = g.urn WHERE g.person_id = ? ORDER BY g.id",
                    )
                    .int(programme)
                    .int(person),
                    "checking an adviser's schools",
                    |r| Ok((present(r.text("role")?, "role")?, present(r.int("urn")?, "urn")?, r.text("name")?)),
                )
                .await?;
            Ok(held.map(|(role, urn, name)| {
                let role = Role::parse(&role).map(|r| r.label().to_lowercase()).unwrap_or(role);
                let a = if role.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
                format!(
                    "{a} {role} at {} ({urn}), a school of this programme",
                    name.unwrap_or_else(|| "a school".to_owned())
                )
            }))
        }
        Scope::School(urn) if g.role.is_school_role() => {
            let held = tx
                .fetch_one(
                    &Sql::new(
                        "SELECT p.name FROM grants g JOIN enrolments e ON e.programme_id = g.programme_id AND e.urn = ? \
                         JOIN programmes p ON p.id = g.programme_id WHERE g.person_id = ? AND g.role = ? ORDER BY g.id",
                    )
                    .int(urn)
                    .int(person)
                    .text(Role::AchievementAdviser.code()),
                    "checking an adviser's programmes",
                    |r| present(r.text("name")?, "name"),
                )
                .await?;
            Ok(held.map(|p| format!("an Achievement Adviser in {p}, which this school is part of")))
        }
        _ => Ok(None),
    }
}
