//! Networks as the optimiser forms them: where the taking-part schools are, saving a formation
//! (locked and published networks are kept), locking and publishing.

use std::collections::BTreeSet;

use chrono::Utc;
use serde::Serialize;

use aspire_core::access::Visible;
use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::{NetworkId, ProgrammeId};
use aspire_core::recruitment::Stage;
use aspire_core::urn::Urn;

use crate::audit::{self, Actor, Event};
use crate::programmes::ProgrammeError;
use crate::sql::Sql;
use crate::{Db, StoreError};

/// A school taking part, where it is and which network it is in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlacedSchool {
    pub urn: Urn,
    pub name: Option<String>,
    pub la_name: Option<String>,
    pub region: Option<String>,
    /// The ONS code of its district, as the register has it.
    pub district_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub network: Option<NetworkId>,
}

impl PlacedSchool {
    /// Where it is, when the register has both coordinates.
    pub fn location(&self) -> Option<aspire_core::geo::LatLon> {
        Some(aspire_core::geo::LatLon { lat: self.latitude?, lon: self.longitude? })
    }
}

/// A network to save: its name, suggested venue and members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormedNetwork {
    pub name: String,
    pub venue: Option<Urn>,
    pub members: Vec<Urn>,
}

impl Db {
    /// The schools taking part in a programme (enrolled or completed) in `visible`, with their
    /// coordinates.
    pub async fn taking_part(
        &self,
        programme: ProgrammeId,
        visible: &Visible,
    ) -> Result<Vec<PlacedSchool>, StoreError> {
        let cond = crate::audit::scope_condition(visible, Some("e.programme_id"), Some("e.network_id"), Some("e.urn"));
        let stages: Vec<String> =
            Stage::ALL.iter().filter(|s| s.takes_part()).map(|s| format!("'{}'", s.code())).collect();
        self.fetch(
            &Sql::new(format!(
                "SELECT e.urn, e.network_id, s.name, COALESCE(la.name, s.la_name) AS la_name, COALESCE(s.region_name, la.region_name) AS region, \
                 s.district_code, s.latitude, s.longitude FROM enrolments e LEFT JOIN schools s ON s.urn = e.urn \
                 LEFT JOIN local_authorities la ON la.la_code = s.la_code \
                 WHERE e.programme_id = ? AND e.status IN ({}) AND {cond} ORDER BY e.urn",
                stages.join(", ")
            ))
            .int(programme),
            "reading where the schools are",
            |r| {
                Ok(r.int("urn")?.and_then(|u| Urn::try_from(u).ok()).map(|urn| PlacedSchool {
                    urn,
                    name: r.text("name").ok().flatten(),
                    la_name: r.text("la_name").ok().flatten(),
                    region: r.text("region").ok().flatten(),
                    district_code: r.text("district_code").ok().flatten(),
                    latitude: r.real("latitude").ok().flatten(),
                    longitude: r.real("longitude").ok().flatten(),
                    network: r.network_id("network_id").ok().flatten(),
                }))
            },
        )
        .await
        .map(|v| v.into_iter().flatten().collect())
    }

    /// Saves networks formed for the schools outside locked and published networks. Each new
    /// network reuses the old one it shares most members with (renamed), others are added, and
    /// old ones left over are removed. Roles held in a network whose members change, or that
    /// is removed, end: a role there would otherwise reach schools no one chose for it. Every
    /// member must be taking part and outside the kept networks; nothing is written unless all
    /// are.
    pub async fn save_formation(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        formed: &[FormedNetwork],
    ) -> Result<Vec<NetworkId>, ProgrammeError> {
        let all = aspire_core::access::Visible::everything();
        let networks = self.networks(programme, &all).await?;
        let (kept, reusable): (Vec<_>, Vec<_>) = networks.into_iter().partition(|n| n.kept());
        let kept_ids: BTreeSet<NetworkId> = kept.iter().map(|n| n.id).collect();
        let kept_names: BTreeSet<&str> = kept.iter().map(|n| n.name.as_str()).collect();
        let schools = self.taking_part(programme, &Visible::everything()).await?;
        let free: BTreeSet<Urn> =
            schools.iter().filter(|s| s.network.is_none_or(|n| !kept_ids.contains(&n))).map(|s| s.urn).collect();
        let mut names = BTreeSet::new();
        let mut seen = BTreeSet::new();
        for f in formed {
            if f.name.trim().is_empty() {
                return Err(ProgrammeError::NameMissing);
            }
            if kept_names.contains(f.name.trim()) || !names.insert(f.name.trim()) {
                return Err(ProgrammeError::NetworkExists(f.name.trim().to_owned()));
            }
            for u in &f.members {
                if !free.contains(u) || !seen.insert(*u) {
                    return Err(ProgrammeError::Field {
                        field: "network",
                        problem: format!(
                            "member URN {u} is not a school taking part outside the locked and published networks, or is listed twice"
                        ),
                    });
                }
            }
        }
        // Each new network takes the place of the old one it shares most members with, so that
        // unchanged networks keep their number; the rest are added or removed.
        let old_members: Vec<BTreeSet<Urn>> = reusable
            .iter()
            .map(|n| schools.iter().filter(|s| s.network == Some(n.id)).map(|s| s.urn).collect())
            .collect();
        let members: Vec<Vec<Urn>> = formed.iter().map(|f| f.members.clone()).collect();
        let place = aspire_core::networks::replacement(&old_members, &members);
        let mut taken = vec![false; reusable.len()];
        for j in place.iter().flatten() {
            taken[*j] = true;
        }
        let mut tx = self.begin().await?;
        let now = Utc::now();
        for n in &reusable {
            tx.execute(
                &Sql::new("UPDATE enrolments SET network_id = NULL WHERE network_id = ?").int(n.id),
                "emptying a network",
            )
            .await?;
            // A temporary name, so that renaming in any order never collides.
            tx.execute(
                &Sql::new("UPDATE networks SET name = ? WHERE id = ?").text(format!("~{}", n.id)).int(n.id),
                "renaming a network",
            )
            .await?;
        }
        let mut ids = Vec::new();
        let mut roles_ended: Vec<NetworkId> = Vec::new();
        for (f, p) in formed.iter().zip(&place) {
            let id = match p {
                Some(j) => {
                    let n = &reusable[*j];
                    tx.execute(
                        &Sql::new("UPDATE networks SET name = ?, venue_urn = ? WHERE id = ?")
                            .text(f.name.trim())
                            .opt_int(f.venue.map(i64::from))
                            .int(n.id),
                        "renaming a network",
                    )
                    .await?;
                    // A role in a network reaches its schools: when they change, the roles held
                    // there end (the team gives them again), so no one gains schools unseen.
                    let now_members: BTreeSet<Urn> = f.members.iter().copied().collect();
                    if now_members != old_members[*j] {
                        let ended = tx
                            .execute(
                                &Sql::new("DELETE FROM grants WHERE network_id = ?").int(n.id),
                                "ending network roles",
                            )
                            .await?;
                        if ended > 0 {
                            roles_ended.push(n.id);
                        }
                    }
                    n.id
                }
                None => tx
                    .fetch_one(
                        &Sql::new(
                            "INSERT INTO networks (programme_id, name, created_at, locked, venue_urn) \
                             VALUES (?, ?, ?, ?, ?) RETURNING id",
                        )
                        .int(programme)
                        .text(f.name.trim())
                        .instant(now)
                        .flag(false)
                        .opt_int(f.venue.map(i64::from)),
                        "adding a network",
                        |r| r.network_id("id"),
                    )
                    .await?
                    .flatten()
                    .ok_or_else(|| StoreError::Decode {
                        doing: "adding a network".into(),
                        problem: "no id returned".into(),
                    })?,
            };
            for u in &f.members {
                tx.execute(
                    &Sql::new("UPDATE enrolments SET network_id = ? WHERE programme_id = ? AND urn = ?")
                        .int(id)
                        .int(programme)
                        .int(i64::from(*u)),
                    "putting a school in a network",
                )
                .await?;
            }
            ids.push(id);
        }
        let mut removed = Vec::new();
        for (_, n) in reusable.iter().enumerate().filter(|(j, _)| !taken[*j]) {
            let ended = tx
                .execute(&Sql::new("DELETE FROM grants WHERE network_id = ?").int(n.id), "ending network roles")
                .await?;
            if ended > 0 {
                roles_ended.push(n.id);
            }
            tx.execute(&Sql::new("DELETE FROM networks WHERE id = ?").int(n.id), "removing a network").await?;
            removed.push(n.id);
        }
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::NetworksForm, AuditRecord::Programme, programme)
                .programme(Some(programme))
                .before(&reusable)
                .after(serde_json::json!({
                    "kept": kept_ids, "formed": formed, "ids": ids, "removed": removed, "roles_ended_in": roles_ended
                })),
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Locks or unlocks a network of a programme.
    pub async fn set_network_locked(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        network: NetworkId,
        locked: bool,
    ) -> Result<(), ProgrammeError> {
        let n = self.network(network).await?.filter(|n| n.programme == programme);
        let n = n.ok_or(ProgrammeError::NoSuchNetwork(network))?;
        let mut tx = self.begin().await?;
        tx.execute(
            &Sql::new("UPDATE networks SET locked = ? WHERE id = ?").flag(locked).int(network),
            "locking a network",
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::NetworkLock, AuditRecord::Network, network)
                .programme(Some(programme))
                .before(serde_json::json!({ "locked": n.locked }))
                .after(serde_json::json!({ "locked": locked })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Renames a network: a name is required (at most 100 characters) and must not be another
    /// network's in the programme. A name changed by hand stays when the networks are formed
    /// again only if the network is kept (locked or published).
    pub async fn rename_network(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        network: NetworkId,
        name: &str,
    ) -> Result<(), ProgrammeError> {
        let name = aspire_core::text::without_controls(name).unwrap_or_else(|| name.to_owned()).trim().to_owned();
        if name.is_empty() {
            return Err(ProgrammeError::NameMissing);
        }
        if name.chars().count() > 100 {
            return Err(ProgrammeError::Field { field: "name", problem: "must be at most 100 characters".into() });
        }
        let n = self.network(network).await?.filter(|n| n.programme == programme);
        let n = n.ok_or(ProgrammeError::NoSuchNetwork(network))?;
        let mut tx = self.begin().await?;
        let taken = tx
            .fetch_one(
                &Sql::new("SELECT id FROM networks WHERE programme_id = ? AND name = ? AND id <> ?")
                    .int(programme)
                    .text(name.as_str())
                    .int(network),
                "finding a network",
                |r| r.int("id"),
            )
            .await?
            .flatten();
        if taken.is_some() {
            return Err(ProgrammeError::NetworkExists(name));
        }
        tx.execute(
            &Sql::new("UPDATE networks SET name = ? WHERE id = ?").text(name.as_str()).int(network),
            "renaming a network",
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::NetworkRename, AuditRecord::Network, network)
                .programme(Some(programme))
                .before(serde_json::json!({ "name": n.name }))
                .after(serde_json::json!({ "name": name })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a published network off the public pages (it stays, with its schools and roles).
    /// Returns false, writing nothing, when it was not published.
    pub async fn unpublish_network(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        network: NetworkId,
    ) -> Result<bool, ProgrammeError> {
        let n = self.network(network).await?.filter(|n| n.programme == programme);
        let n = n.ok_or(ProgrammeError::NoSuchNetwork(network))?;
        let Some(was) = n.published_at else { return Ok(false) };
        let mut tx = self.begin().await?;
        tx.execute(
            &Sql::new("UPDATE networks SET published_at = NULL WHERE id = ?").int(network),
            "unpublishing a network",
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::NetworkUnpublish, AuditRecord::Network, network)
                .programme(Some(programme))
                .before(serde_json::json!({ "published_at": was }))
                .after(serde_json::json!({ "published_at": null })),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Publishes every network of the programme that has members and is not yet published.
    pub async fn publish_networks(&self, actor: &Actor, programme: ProgrammeId) -> Result<usize, ProgrammeError> {
        if self.programme(programme).await?.is_none() {
            return Err(ProgrammeError::NoSuchProgramme(programme));
        }
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                &Sql::new(
                    "UPDATE networks SET published_at = ? WHERE programme_id = ? AND published_at IS NULL \
                     AND EXISTS (SELECT 1 FROM enrolments e WHERE e.network_id = networks.id)",
                )
                .instant(Utc::now())
                .int(programme),
                "publishing networks",
            )
            .await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::NetworksPublish, AuditRecord::Programme, programme)
                .programme(Some(programme))
                .after(serde_json::json!({ "published": n })),
        )
        .await?;
        tx.commit().await?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Gives each network its Achievement Adviser: the adviser roles already held in the
    /// programme's networks are replaced by these, in one transaction. The days already planned
    /// from `from` on whose kind an adviser leads (`led`) pass to the network's new adviser (or
    /// to none, for a network left without one); days before `from` keep who led them; the
    /// `letters` telling advisers what changed are queued with the change. Returns how many days
    /// changed hands.
    pub async fn assign_advisers(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        assignments: &[(NetworkId, aspire_core::people::PersonId)],
        led: &[String],
        from: chrono::NaiveDate,
        letters: &[crate::Mail],
    ) -> Result<u64, ProgrammeError> {
        use aspire_core::people::{Grant, Role, Scope};
        let all = aspire_core::access::Visible::everything();
        let ids: BTreeSet<NetworkId> = self.networks(programme, &all).await?.iter().map(|n| n.id).collect();
        if let Some((n, _)) = assignments.iter().find(|(n, _)| !ids.contains(n)) {
            return Err(ProgrammeError::NoSuchNetwork(*n));
        }
        let mut tx = self.begin().await?;
        let removed = tx
            .execute(
                &Sql::new("DELETE FROM grants WHERE role = ? AND programme_id = ? AND network_id IS NOT NULL")
                    .text(Role::AchievementAdviser.code())
                    .int(programme),
                "replacing advisers",
            )
            .await?;
        for (network, person) in assignments {
            let g = Grant::new(Role::AchievementAdviser, Scope::Network { programme, network: *network }, false)
                .map_err(|e| ProgrammeError::Field { field: "adviser", problem: e.to_string() })?;
            crate::accounts::add_grant_tx(&mut tx, actor, *person, &g).await.map_err(|e| match e {
                crate::AccountError::Store(e) => ProgrammeError::Store(e),
                e => ProgrammeError::Field { field: "adviser", problem: e.to_string() },
            })?;
        }
        let now = Utc::now();
        let mut handed = 0;
        if !led.is_empty() {
            let kinds = vec!["?"; led.len()].join(", ");
            for network in &ids {
                let to = assignments.iter().find(|(n, _)| n == network).map(|(_, p)| i64::from(*p));
                let mut sql = Sql::new(format!(
                    "UPDATE programme_events SET adviser_id = ?, sequence = sequence + 1, updated_at = ? \
                     WHERE programme_id = ? AND network_id = ? AND status = ? AND held_on >= ? AND kind IN ({kinds}) \
                     AND {}",
                    if to.is_some() { "(adviser_id IS NULL OR adviser_id <> ?)" } else { "adviser_id IS NOT NULL" }
                ))
                .opt_int(to)
                .instant(now)
                .int(programme)
                .int(*network)
                .text(crate::EventStatus::Planned.code())
                .opt_date(Some(from));
                for k in led {
                    sql = sql.text(k.as_str());
                }
                if let Some(t) = to {
                    sql = sql.int(t);
                }
                handed += tx.execute(&sql, "handing a network's days to its adviser").await?;
            }
        }
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::NetworksAdvisers, AuditRecord::Programme, programme)
                .programme(Some(programme))
                .before(serde_json::json!({ "adviser_roles_removed": removed }))
                .after(serde_json::json!({ "assignments": assignments, "days_handed_over": handed })),
        )
        .await?;
        // The advisers told of the networks they gain and lose, with the change or not at all.
        for m in letters {
            crate::enquiries::queue(&mut tx, m).await?;
        }
        tx.commit().await?;
        Ok(handed)
    }

    /// Where a postcode district ("BD21") is: the mean of the positions of the register's
    /// schools whose postcode is in it, with how many there are; `None` when none has one.
    pub async fn postcode_district_position(
        &self,
        district: &str,
    ) -> Result<Option<(aspire_core::geo::LatLon, usize)>, StoreError> {
        // The inward code is always three characters, so the district is all but the last three.
        let pattern = format!("{}___", district.to_ascii_uppercase());
        let found = self
            .fetch_one(
                &Sql::new(
                    "SELECT AVG(latitude) AS lat, AVG(longitude) AS lon, COUNT(*) AS n FROM schools \
                     WHERE UPPER(REPLACE(postcode, ' ', '')) LIKE ? AND latitude IS NOT NULL AND longitude IS NOT NULL",
                )
                .text(pattern),
                "finding a postcode district",
                |r| {
                    let n = usize::try_from(r.int("n")?.unwrap_or(0)).unwrap_or(0);
                    Ok(r.real("lat")?
                        .zip(r.real("lon")?)
                        .filter(|_| n > 0)
                        .map(|(lat, lon)| (aspire_core::geo::LatLon { lat, lon }, n)))
                },
            )
            .await?;
        Ok(found.flatten())
    }

    /// A school's name and position in the register; `None` for a URN it does not have, and no
    /// position when it has no coordinates.
    pub async fn school_position(
        &self,
        urn: Urn,
    ) -> Result<Option<(Option<String>, Option<aspire_core::geo::LatLon>)>, StoreError> {
        self.fetch_one(
            &Sql::new("SELECT name, latitude, longitude FROM schools WHERE urn = ?").int(urn),
            "finding a school",
            |r| {
                let at = r
                    .real("latitude")?
                    .zip(r.real("longitude")?)
                    .map(|(lat, lon)| aspire_core::geo::LatLon { lat, lon });
                Ok((r.text("name")?, at))
            },
        )
        .await
    }
}
