//! A planned day's strategies and resources (migration 0019): files, kept in the database
//! (within the size and types `aspire_core::resources` allows, checked before they come here),
//! and links. Lists never read a file's content; one download reads one file.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::{NetworkId, ProgrammeId};
use aspire_core::resources::MAX_PER_DAY;

use crate::audit::{self, Actor, Event};
use crate::sql::{RowGet, Sql, present};
use crate::{Db, ProgrammeError, StoreError};

/// What a resource is: a link, or a file with its name, media type and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ResourceBody {
    Link { link: String },
    File { name: String, media_type: String, size: u64 },
}

/// A resource as lists show it (without a file's content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayResource {
    pub id: i64,
    pub day: i64,
    pub title: String,
    #[serde(flatten)]
    pub body: ResourceBody,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

/// A resource being added: a link, or a file with its content.
#[derive(Debug, Clone)]
pub enum NewResource {
    Link { title: String, link: String },
    File { title: String, name: String, media_type: String, content: Vec<u8> },
}

const COLUMNS: &str =
    "r.id, r.event_id, r.title, r.link, r.file_name, r.media_type, r.size_bytes, r.added_by, r.added_at";

fn resource_row(r: &dyn RowGet) -> Result<DayResource, StoreError> {
    let body = match r.text("link")? {
        Some(link) => ResourceBody::Link { link },
        None => ResourceBody::File {
            name: present(r.text("file_name")?, "file_name")?,
            media_type: present(r.text("media_type")?, "media_type")?,
            size: u64::try_from(present(r.int("size_bytes")?, "size_bytes")?)
                .map_err(|_| StoreError::Schema("a negative file size".into()))?,
        },
    };
    Ok(DayResource {
        id: present(r.int("id")?, "id")?,
        day: present(r.int("event_id")?, "event_id")?,
        title: present(r.text("title")?, "title")?,
        body,
        added_by: present(r.text("added_by")?, "added_by")?,
        added_at: present(r.instant("added_at")?, "added_at")?,
    })
}

impl Db {
    /// Adds a resource to a day of the programme; refused once the day carries
    /// `MAX_PER_DAY`. The count and the write share a transaction that holds the day.
    pub async fn add_day_resource(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        day: i64,
        new: &NewResource,
    ) -> Result<i64, ProgrammeError> {
        let mut tx = self.begin().await?;
        crate::event_registrations::hold_event(&mut tx, programme, day).await?;
        let n = tx
            .fetch_one(
                &Sql::new("SELECT COUNT(*) AS n FROM event_resources WHERE event_id = ?").int(day),
                "counting a day's resources",
                |r| present(r.int("n")?, "n"),
            )
            .await?
            .unwrap_or(0);
        if usize::try_from(n).unwrap_or(usize::MAX) >= MAX_PER_DAY {
            tx.rollback().await?;
            return Err(ProgrammeError::Field {
                field: "day",
                problem: format!("already carries {MAX_PER_DAY} resources: remove one first"),
            });
        }
        let now = Utc::now();
        let (title, link, file, media, size, content) = match new {
            NewResource::Link { title, link } => (title, Some(link.clone()), None, None, None, None),
            NewResource::File { title, name, media_type, content } => (
                title,
                None,
                Some(name.clone()),
                Some(media_type.clone()),
                Some(i64::try_from(content.len()).unwrap_or(i64::MAX)),
                Some(content.clone()),
            ),
        };
        let id = tx
            .fetch_one(
                &Sql::new(
                    "INSERT INTO event_resources (event_id, title, link, file_name, media_type, size_bytes, content, \
                     added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .int(day)
                .text(title.as_str())
                .opt_text(link.clone())
                .opt_text(file.clone())
                .opt_text(media.clone())
                .opt_int(size)
                .opt_bytes(content)
                .text(actor.label.as_str())
                .instant(now),
                "adding a day's resource",
                |r| present(r.int("id")?, "id"),
            )
            .await?
            .ok_or_else(|| StoreError::Schema("a resource was not written".into()))?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::EventResourceAdd, AuditRecord::Event, day).programme(Some(programme)).after(
                serde_json::json!({ "resource": id, "title": title, "link": link, "file": file, "bytes": size }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Removes a resource from a day (its content goes with it); `false` when the day has no
    /// such resource.
    pub async fn remove_day_resource(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        day: i64,
        resource: i64,
    ) -> Result<bool, ProgrammeError> {
        let mut tx = self.begin().await?;
        crate::event_registrations::hold_event(&mut tx, programme, day).await?;
        let title = tx
            .fetch_one(
                &Sql::new("SELECT title FROM event_resources WHERE id = ? AND event_id = ?").int(resource).int(day),
                "finding a day's resource",
                |r| present(r.text("title")?, "title"),
            )
            .await?;
        let Some(title) = title else {
            tx.rollback().await?;
            return Ok(false);
        };
        tx.execute(
            &Sql::new("DELETE FROM event_resources WHERE id = ? AND event_id = ?").int(resource).int(day),
            "removing a day's resource",
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::EventResourceRemove, AuditRecord::Event, day)
                .programme(Some(programme))
                .before(serde_json::json!({ "resource": resource, "title": title })),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A day's resources, oldest first, without files' content.
    pub async fn day_resources(&self, programme: ProgrammeId, day: i64) -> Result<Vec<DayResource>, StoreError> {
        self.fetch(
            &Sql::new(format!(
                "SELECT {COLUMNS} FROM event_resources r JOIN programme_events v ON v.id = r.event_id \
                 WHERE r.event_id = ? AND v.programme_id = ? ORDER BY r.id"
            ))
            .int(day)
            .int(programme),
            "reading a day's resources",
            resource_row,
        )
        .await
    }

    /// The resources of a network's days held on or before `until`, with each day's date,
    /// the latest day first (for the network's page).
    pub async fn network_resources(
        &self,
        programme: ProgrammeId,
        network: NetworkId,
        until: Option<NaiveDate>,
    ) -> Result<Vec<(NaiveDate, DayResource)>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {COLUMNS}, v.held_on FROM event_resources r JOIN programme_events v ON v.id = r.event_id \
             WHERE v.programme_id = ? AND v.network_id = ?{} ORDER BY v.held_on DESC, r.id",
            if until.is_some() { " AND v.held_on <= ?" } else { "" }
        ))
        .int(programme)
        .int(network);
        if until.is_some() {
            sql = sql.opt_date(until);
        }
        self.fetch(&sql, "reading a network's resources", |r| {
            Ok((present(r.date("held_on")?, "held_on")?, resource_row(r)?))
        })
        .await
    }

    /// One file of a day, with its content; `None` for a link or no such resource.
    pub async fn day_resource_file(
        &self,
        programme: ProgrammeId,
        day: i64,
        resource: i64,
    ) -> Result<Option<(DayResource, Vec<u8>)>, StoreError> {
        let found = self
            .fetch_one(
                &Sql::new(format!(
                    "SELECT {COLUMNS}, r.content FROM event_resources r JOIN programme_events v ON v.id = r.event_id \
                     WHERE r.id = ? AND r.event_id = ? AND v.programme_id = ?"
                ))
                .int(resource)
                .int(day)
                .int(programme),
                "reading a day's file",
                |r| Ok((resource_row(r)?, r.bytes("content")?)),
            )
            .await?;
        Ok(found.and_then(|(r, content)| content.map(|c| (r, c))))
    }
}
