//! Calendar feeds (migration 0016): unguessable addresses a calendar program reads without
//! signing in. Only a SHA-256 of each token is kept; the person who made a feed may revoke it,
//! and a revoked feed reads as no feed at all. Whether the person may see what a feed shows is
//! decided before one is made.

use chrono::{DateTime, Utc};
use serde::Serialize;

use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::{NetworkId, PersonId, ProgrammeId};
use aspire_core::urn::Urn;

use crate::accounts::{random_token, sha256_hex};
use crate::audit::{self, Actor, Event};
use crate::sql::{RowGet, Sql, present};
use crate::{Db, ProgrammeError, StoreError};

/// What a feed shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FeedScope {
    /// The days its person is registered for or leads.
    Person,
    School(Urn),
    Network(NetworkId),
    Programme,
}

impl FeedScope {
    fn code(self) -> String {
        match self {
            FeedScope::Person => "person".into(),
            FeedScope::School(u) => format!("school:{u}"),
            FeedScope::Network(n) => format!("network:{n}"),
            FeedScope::Programme => "programme".into(),
        }
    }

    fn parse(code: &str) -> Option<FeedScope> {
        match code.split_once(':') {
            None if code == "person" => Some(FeedScope::Person),
            None if code == "programme" => Some(FeedScope::Programme),
            Some(("school", u)) => Urn::parse(u).ok().map(FeedScope::School),
            Some(("network", n)) => n.parse::<i64>().ok().map(|n| FeedScope::Network(NetworkId::new(n))),
            _ => None,
        }
    }
}

/// A feed, as its owner sees it on their account (never with its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarFeed {
    pub id: i64,
    pub person: PersonId,
    pub programme: ProgrammeId,
    pub scope: FeedScope,
    /// Its owner's name for it ("Outlook at work"); feeds made before names were kept have none.
    pub name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn feed_row(r: &dyn RowGet) -> Result<CalendarFeed, StoreError> {
    let scope = present(r.text("scope")?, "scope")?;
    Ok(CalendarFeed {
        id: present(r.int("id")?, "id")?,
        person: present(r.person_id("person_id")?, "person_id")?,
        programme: present(r.programme_id("programme_id")?, "programme_id")?,
        scope: FeedScope::parse(&scope)
            .ok_or_else(|| StoreError::Schema(format!("'{scope}' is not a feed's scope")))?,
        name: r.text("name")?,
        created_at: present(r.instant("created_at")?, "created_at")?,
        revoked_at: r.instant("revoked_at")?,
    })
}

const COLUMNS: &str = "id, person_id, programme_id, scope, name, created_at, revoked_at";

impl Db {
    /// Makes a feed for `person`, named `name` (or "Feed N", N its number among theirs), and
    /// returns its token (shown once, in the feed's address).
    pub async fn create_feed(
        &self,
        actor: &Actor,
        person: PersonId,
        programme: ProgrammeId,
        scope: FeedScope,
        name: Option<&str>,
    ) -> Result<String, ProgrammeError> {
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) if n.chars().count() > 60 => {
                return Err(ProgrammeError::Field { field: "name", problem: "must be at most 60 characters".into() });
            }
            Some(n) => n.to_owned(),
            None => format!("Feed {}", self.feeds_of(person).await?.len() + 1),
        };
        let token = random_token();
        let mut tx = self.begin().await?;
        let id = tx
            .fetch_one(
                &Sql::new(
                    "INSERT INTO calendar_feeds (token_hash, person_id, programme_id, scope, name, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .text(sha256_hex(&token))
                .int(person)
                .int(programme)
                .text(scope.code())
                .text(name.as_str())
                .instant(Utc::now()),
                "making a calendar feed",
                |r| present(r.int("id")?, "id"),
            )
            .await?
            .ok_or_else(|| StoreError::Schema("a feed was not written".into()))?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::FeedCreate, AuditRecord::Person, person)
                .programme(Some(programme))
                .after(serde_json::json!({ "feed": id, "scope": scope.code(), "name": name })),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The feed a token opens, unless it was revoked.
    pub async fn feed_by_token(&self, token: &str) -> Result<Option<CalendarFeed>, StoreError> {
        self.fetch_one(
            &Sql::new(format!("SELECT {COLUMNS} FROM calendar_feeds WHERE token_hash = ? AND revoked_at IS NULL"))
                .text(sha256_hex(token)),
            "opening a calendar feed",
            feed_row,
        )
        .await
    }

    /// A person's feeds, newest first, revoked ones too.
    pub async fn feeds_of(&self, person: PersonId) -> Result<Vec<CalendarFeed>, StoreError> {
        self.fetch(
            &Sql::new(format!("SELECT {COLUMNS} FROM calendar_feeds WHERE person_id = ? ORDER BY id DESC")).int(person),
            "reading a person's calendar feeds",
            feed_row,
        )
        .await
    }

    /// Revokes one of `person`'s feeds; its address opens nothing from then on. False, writing
    /// nothing, when it is not theirs or was revoked already.
    pub async fn revoke_feed(&self, actor: &Actor, person: PersonId, feed: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                &Sql::new(
                    "UPDATE calendar_feeds SET revoked_at = ? WHERE id = ? AND person_id = ? AND revoked_at IS NULL",
                )
                .instant(Utc::now())
                .int(feed)
                .int(person),
                "revoking a calendar feed",
            )
            .await?;
        if n == 0 {
            // Ended now, not whenever the pool next lends this connection.
            tx.rollback().await?;
            return Ok(false);
        }
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::FeedRevoke, AuditRecord::Person, person).after(serde_json::json!({ "feed": feed })),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
