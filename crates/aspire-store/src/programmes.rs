//! Programmes, their networks and the schools enrolled in them. Lists are always read through a
//! [`Visible`] from the access policy, so no query returns a row outside the reader's scope.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use aspire_core::access::{Place, Visible};
use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::{NetworkId, ProgrammeId};
use aspire_core::recruitment::Stage;
use aspire_core::urn::Urn;

use crate::audit::{self, Actor, Event, scope_condition};
use crate::sql::{Sql, present};
use crate::{Db, StoreError};

/// A failure a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum ProgrammeError {
    #[error("a name is required")]
    NameMissing,
    #[error("there is already a programme called '{0}'")]
    ProgrammeExists(String),
    #[error("this programme already has a network called '{0}'")]
    NetworkExists(String),
    #[error("there is no programme {0}")]
    NoSuchProgramme(ProgrammeId),
    #[error("network {0} is not in this programme")]
    NoSuchNetwork(NetworkId),
    #[error("URN {0} is not in the register: import the school's GIAS record first")]
    UnknownSchool(Urn),
    #[error("URN {0} is not enrolled in this programme")]
    NotEnrolled(Urn),
    #[error("the programme ends ({ends}) before it starts ({starts})")]
    Dates { starts: NaiveDate, ends: NaiveDate },
    #[error("{0}")]
    Stage(aspire_core::recruitment::StageError),
    #[error("{field} {problem}")]
    Field { field: &'static str, problem: String },
    #[error("{0}")]
    Areas(aspire_core::recruitment::AreaListError),
    /// Names that are no local authority or district of the register, each named.
    #[error(
        "{} not a local authority or district in the register: check the spelling, or write its code (an LA number such as 353, or an ONS district code such as E08000004)",
        .0.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(", ") + if .0.len() == 1 { " is" } else { " are" }
    )]
    UnknownAreas(Vec<String>),
    #[error("{0}")]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Programme {
    pub id: ProgrammeId,
    pub name: String,
    pub template: Option<String>,
    pub rule_set: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    /// Schools and networks the reader can see.
    pub schools: usize,
    pub networks: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewProgramme {
    pub name: String,
    pub template: Option<String>,
    pub rule_set: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Network {
    pub id: NetworkId,
    pub programme: ProgrammeId,
    pub name: String,
    pub schools: usize,
    /// Kept as it is when networks are formed again.
    pub locked: bool,
    /// When it was shown to its schools and on the public page.
    pub published_at: Option<DateTime<Utc>>,
    /// The member school suggested as the venue of its Network Days.
    pub venue: Option<Urn>,
    /// Days of its year planned (cancelled ones too).
    pub days: usize,
}

pub(crate) const NETWORK_COLUMNS: &str = "n.id, n.programme_id, n.name, n.locked, n.published_at, n.venue_urn, \
     (SELECT COUNT(*) FROM enrolments e WHERE e.network_id = n.id) AS schools, \
     (SELECT COUNT(*) FROM programme_events v WHERE v.network_id = n.id) AS days";

pub(crate) fn network_row(r: &dyn crate::sql::RowGet) -> crate::Result<Network> {
    Ok(Network {
        id: present(r.network_id("id")?, "id")?,
        programme: present(r.programme_id("programme_id")?, "programme_id")?,
        name: present(r.text("name")?, "name")?,
        schools: usize::try_from(r.int("schools")?.unwrap_or(0)).unwrap_or(0),
        locked: r.flag("locked")?.unwrap_or(false),
        published_at: r.instant("published_at")?,
        venue: r.int("venue_urn")?.and_then(|u| Urn::try_from(u).ok()),
        days: usize::try_from(r.int("days")?.unwrap_or(0)).unwrap_or(0),
    })
}

impl Network {
    /// Whether forming networks again keeps it as it is: locked, published, or with days of
    /// its year planned (which belong to it and its schools).
    pub fn kept(&self) -> bool {
        self.locked || self.published_at.is_some() || self.days > 0
    }
}

/// A school in a programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enrolment {
    pub programme: ProgrammeId,
    pub urn: Urn,
    pub school_name: Option<String>,
    pub la_name: Option<String>,
    pub network: Option<NetworkId>,
    pub network_name: Option<String>,
    pub status: Stage,
    /// The stored eligibility decision: eligible, not_eligible or cannot_tell.
    pub eligibility: Option<aspire_core::eligibility::Outcome>,
    pub eligibility_reasons: Vec<String>,
    pub eligibility_basis: Option<String>,
    pub withdrawn_reason: Option<String>,
    pub stage_changed_at: Option<DateTime<Utc>>,
}

impl Enrolment {
    pub fn place(&self) -> Place {
        Place::enrolment(self.programme, self.network, self.urn)
    }
}

impl Db {
    /// Creates a programme.
    pub async fn create_programme(&self, actor: &Actor, p: &NewProgramme) -> Result<ProgrammeId, ProgrammeError> {
        let name = p.name.trim();
        if name.is_empty() {
            return Err(ProgrammeError::NameMissing);
        }
        if let (Some(starts), Some(ends)) = (p.starts_on, p.ends_on)
            && ends < starts
        {
            return Err(ProgrammeError::Dates { starts, ends });
        }
        let mut tx = self.begin().await?;
        let exists = tx
            .fetch_one(&Sql::new("SELECT id FROM programmes WHERE name = ?").text(name), "finding a programme", |r| {
                r.int("id")
            })
            .await?
            .flatten();
        if exists.is_some() {
            return Err(ProgrammeError::ProgrammeExists(name.to_owned()));
        }
        let id = tx
            .fetch_one(
                &Sql::new(
                    "INSERT INTO programmes (name, template, rule_set, starts_on, ends_on, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .text(name)
                .opt_text(p.template.clone())
                .opt_text(p.rule_set.clone())
                .opt_date(p.starts_on)
                .opt_date(p.ends_on)
                .instant(Utc::now()),
                "creating a programme",
                |r| r.programme_id("id"),
            )
            .await?
            .flatten();
        let id = present(id, "programmes.id")?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::ProgrammeCreate, AuditRecord::Programme, id).programme(Some(id)).after(p),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The programmes a reader can see, with the number of their schools and networks the
    /// reader can see.
    pub async fn programmes(&self, programmes: &Visible, enrolments: &Visible) -> Result<Vec<Programme>, StoreError> {
        let mut ids: BTreeSet<ProgrammeId> = programmes.programmes().clone();
        ids.extend(programmes.programmes_reached().iter().copied());
        let cond = if programmes.is_everything() {
            "1 = 1".to_owned()
        } else if ids.is_empty() {
            "1 = 0".to_owned()
        } else {
            format!("p.id IN ({})", ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
        };
        let schools = scope_condition(enrolments, Some("e.programme_id"), Some("e.network_id"), Some("e.urn"));
        let networks = scope_condition(programmes, Some("n.programme_id"), Some("n.id"), None);
        self.fetch(
            &Sql::new(format!(
                "SELECT p.id, p.name, p.template, p.rule_set, p.starts_on, p.ends_on, p.created_at, \
                 (SELECT COUNT(*) FROM enrolments e WHERE e.programme_id = p.id AND {schools}) AS schools, \
                 (SELECT COUNT(*) FROM networks n WHERE n.programme_id = p.id AND {networks}) AS networks, \
                 (SELECT COUNT(DISTINCT e.network_id) FROM enrolments e WHERE e.programme_id = p.id \
                  AND e.network_id IS NOT NULL AND {schools}) AS school_networks \
                 FROM programmes p WHERE {cond} ORDER BY (p.starts_on IS NULL), p.starts_on DESC, p.name"
            )),
            "listing programmes",
            |r| {
                Ok(Programme {
                    id: present(r.programme_id("id")?, "id")?,
                    name: present(r.text("name")?, "name")?,
                    template: r.text("template")?,
                    rule_set: r.text("rule_set")?,
                    starts_on: r.date("starts_on")?,
                    ends_on: r.date("ends_on")?,
                    created_at: present(r.instant("created_at")?, "created_at")?,
                    schools: usize::try_from(r.int("schools")?.unwrap_or(0)).unwrap_or(0),
                    // A reader who sees schools but not networks (an LA officer) counts the
                    // networks their schools are in.
                    networks: usize::try_from(
                        r.int("networks")?.unwrap_or(0).max(r.int("school_networks")?.unwrap_or(0)),
                    )
                    .unwrap_or(0),
                })
            },
        )
        .await
    }

    /// One programme, whoever may see it (the caller asks the policy first).
    pub async fn programme(&self, id: ProgrammeId) -> Result<Option<Programme>, StoreError> {
        let all = Visible::everything();
        Ok(self.programmes(&all, &all).await?.into_iter().find(|p| p.id == id))
    }

    /// Adds a network to a programme.
    pub async fn create_network(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        name: &str,
    ) -> Result<NetworkId, ProgrammeError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ProgrammeError::NameMissing);
        }
        let mut tx = self.begin().await?;
        let exists = tx
            .fetch_one(
                &Sql::new("SELECT id FROM networks WHERE programme_id = ? AND name = ?").int(programme).text(name),
                "finding a network",
                |r| r.int("id"),
            )
            .await?
            .flatten();
        if exists.is_some() {
            return Err(ProgrammeError::NetworkExists(name.to_owned()));
        }
        let id = tx
            .fetch_one(
                &Sql::new("INSERT INTO networks (programme_id, name, created_at) VALUES (?, ?, ?) RETURNING id")
                    .int(programme)
                    .text(name)
                    .instant(Utc::now()),
                "creating a network",
                |r| r.network_id("id"),
            )
            .await?
            .flatten();
        let id = present(id, "networks.id")?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::NetworkCreate, AuditRecord::Network, id)
                .programme(Some(programme))
                .after(serde_json::json!({ "name": name })),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A programme's networks that the reader can see.
    pub async fn networks(&self, programme: ProgrammeId, visible: &Visible) -> Result<Vec<Network>, StoreError> {
        let cond = scope_condition(visible, Some("n.programme_id"), Some("n.id"), None);
        self.fetch(
            &Sql::new(format!(
                "SELECT {NETWORK_COLUMNS} FROM networks n WHERE n.programme_id = ? AND {cond} ORDER BY n.name"
            ))
            .int(programme),
            "listing networks",
            network_row,
        )
        .await
    }

    /// One network, whoever may see it (the caller asks the policy first).
    pub async fn network(&self, id: NetworkId) -> Result<Option<Network>, StoreError> {
        self.fetch_one(
            &Sql::new(format!("SELECT {NETWORK_COLUMNS} FROM networks n WHERE n.id = ?")).int(id),
            "finding a network",
            network_row,
        )
        .await
    }

    /// Enrols schools in a programme at a stage (schools already in it keep their stage).
    /// Every URN must be in the register; none is written unless all are.
    pub async fn enrol(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        urns: &[Urn],
        stage: Stage,
    ) -> Result<usize, ProgrammeError> {
        if self.programme(programme).await?.is_none() {
            return Err(ProgrammeError::NoSuchProgramme(programme));
        }
        let wanted: BTreeSet<Urn> = urns.iter().copied().collect();
        let known = self.known_urns(&wanted).await?;
        if let Some(u) = wanted.iter().find(|u| !known.contains(u)) {
            return Err(ProgrammeError::UnknownSchool(*u));
        }
        let mut tx = self.begin().await?;
        let mut added = 0;
        for u in &wanted {
            let n = tx
                .execute(
                    &Sql::new(
                        "INSERT INTO enrolments (programme_id, urn, network_id, status, created_at, stage_changed_at) \
                         VALUES (?, ?, NULL, ?, ?, ?) \
                         ON CONFLICT (programme_id, urn) DO NOTHING",
                    )
                    .int(programme)
                    .int(i64::from(*u))
                    .text(stage.code())
                    .instant(Utc::now())
                    .instant(Utc::now()),
                    "enrolling a school",
                )
                .await?;
            if n > 0 {
                added += 1;
                audit::record(
                    &mut tx,
                    actor,
                    Event::new(AuditAction::EnrolmentAdd, AuditRecord::Enrolment, format!("{programme}/{u}"))
                        .programme(Some(programme))
                        .urn(Some(*u))
                        .after(serde_json::json!({ "status": stage })),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Puts an enrolled school into a network of its programme (or takes it out, with `None`).
    pub async fn set_network(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        urn: Urn,
        network: Option<NetworkId>,
    ) -> Result<(), ProgrammeError> {
        if let Some(n) = network {
            match self.network(n).await? {
                Some(net) if net.programme == programme => {}
                _ => return Err(ProgrammeError::NoSuchNetwork(n)),
            }
        }
        let before = self.enrolment(programme, urn).await?.ok_or(ProgrammeError::NotEnrolled(urn))?;
        let stage = before.status;
        if network.is_some() && !stage.takes_part() {
            return Err(ProgrammeError::Field {
                field: "network",
                problem: format!("is only for enrolled schools: URN {urn} is at the {stage} stage"),
            });
        }
        let mut tx = self.begin().await?;
        tx.execute(
            &Sql::new("UPDATE enrolments SET network_id = ? WHERE programme_id = ? AND urn = ?")
                .opt_int(network)
                .int(programme)
                .int(i64::from(urn)),
            "changing a school's network",
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::EnrolmentNetwork, AuditRecord::Enrolment, format!("{programme}/{urn}"))
                .programme(Some(programme))
                .urn(Some(urn))
                .before(serde_json::json!({ "network": before.network }))
                .after(serde_json::json!({ "network": network })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A programme's schools that the reader can see.
    pub async fn enrolments(&self, programme: ProgrammeId, visible: &Visible) -> Result<Vec<Enrolment>, StoreError> {
        let cond = scope_condition(visible, Some("e.programme_id"), Some("e.network_id"), Some("e.urn"));
        self.enrolments_where(&format!("e.programme_id = ? AND {cond}"), Sql::new("").int(programme)).await
    }

    /// One school's enrolment, whoever may see it (the caller asks the policy first).
    pub async fn enrolment(&self, programme: ProgrammeId, urn: Urn) -> Result<Option<Enrolment>, StoreError> {
        Ok(self
            .enrolments_where("e.programme_id = ? AND e.urn = ?", Sql::new("").int(programme).int(i64::from(urn)))
            .await?
            .into_iter()
            .next())
    }

    pub(crate) async fn enrolments_where(&self, cond: &str, args: Sql) -> Result<Vec<Enrolment>, StoreError> {
        self.fetch(
            &Sql {
                text: format!(
                    "SELECT e.programme_id, e.urn, e.network_id, e.status, e.eligibility, e.eligibility_reasons, \
                     e.eligibility_basis, e.withdrawn_reason, e.stage_changed_at, \
                     s.name AS school_name, COALESCE(la.name, s.la_name) AS la_name, n.name AS network_name \
                     FROM enrolments e LEFT JOIN schools s ON s.urn = e.urn \
                     LEFT JOIN local_authorities la ON la.la_code = s.la_code LEFT JOIN networks n ON n.id = e.network_id \
                     WHERE {cond} ORDER BY n.name, s.name, e.urn"
                ),
                args: args.args,
            },
            "listing schools in a programme",
            |r| {
                let (programme, network) =
                    (present(r.programme_id("programme_id")?, "programme_id")?, r.network_id("network_id")?);
                let decode = |problem: String| StoreError::Decode { doing: "listing schools in a programme".into(), problem };
                let stage = present(r.text("status")?, "status")?;
                let status = Stage::parse(&stage).map_err(|e| StoreError::Decode {
                    doing: "listing schools in a programme".into(),
                    problem: e.to_string(),
                })?;
                let urn = Urn::try_from(present(r.int("urn")?, "urn")?)
                    .map_err(|_| decode("a URN that is not six digits".into()))?;
                Ok(Some(Enrolment {
                    programme,
                    urn,
                    school_name: r.text("school_name")?,
                    la_name: r.text("la_name")?,
                    network,
                    network_name: r.text("network_name")?,
                    status,
                    eligibility: match r.text("eligibility")? {
                        None => None,
                        Some(code) => Some(
                            aspire_core::eligibility::Outcome::parse(&code)
                                .ok_or_else(|| decode(format!("'{code}' is not an eligibility decision")))?,
                        ),
                    },
                    // No decision yet is no reasons; reasons that do not read are an error.
                    eligibility_reasons: match r.text("eligibility_reasons")? {
                        None => Vec::new(),
                        Some(j) => serde_json::from_str(&j)
                            .map_err(|e| decode(format!("the eligibility reasons do not read: {e}")))?,
                    },
                    eligibility_basis: r.text("eligibility_basis")?,
                    withdrawn_reason: r.text("withdrawn_reason")?,
                    stage_changed_at: r.instant("stage_changed_at")?,
                }))
            },
        )
        .await
        .map(|v| v.into_iter().flatten().collect())
    }

    /// Every place a school-level record of this school lives: the school itself and each of
    /// its enrolments (a programme admin's scope covers the school through its enrolment).
    pub async fn school_places(&self, urn: Urn) -> Result<Vec<Place>, StoreError> {
        let mut places = vec![Place::school(urn)];
        let set: BTreeSet<i64> = [i64::from(urn)].into();
        places
            .extend(self.memberships(&set).await?.into_iter().map(|m| Place::enrolment(m.programme, m.network, m.urn)));
        Ok(places)
    }
}
