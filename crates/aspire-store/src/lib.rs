//! Storage for Aspire: SQLite (the default, one file) or PostgreSQL, through one code path.
//!
//! The backend is chosen once, from the URL scheme (`sqlite:PATH` or `postgres://...`), and
//! lives in [`Db`]. Statements are written once, with `?` placeholders that [`sql::Sql`]
//! renumbers for PostgreSQL. Rows are mapped into `aspire-core` types here, so no driver type
//! leaves the crate.

mod accounts;
mod attendance;
mod audit;
mod calendar_feeds;
mod directory;
mod eligibility;
mod enquiries;
mod enquiry_replies;
mod evaluation;
mod event_registrations;
mod event_resources;
mod import;
mod introspect;
mod joining;
mod local_authority;
mod migrate;
mod network_contacts;
mod networks;
mod profile;
mod programme_areas;
mod programme_year;
mod programmes;
mod recruitment;
mod registry;
mod school_staff;
mod sql;
mod sqlite_read;
mod term_dates;
mod upsert;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use accounts::{
    AccountError, EXPIRY_PLACEHOLDER, GrantRow, INVITATION_LIFETIME, LINK_PLACEHOLDER, Message, NewSession, Offer,
    Offered, Outgoing, Person, RESET_LIFETIME, SITE_PLACEHOLDER, Session, SignInError, SignInPolicy, StaffOutcome,
    TokenPurpose, client_key, client_network, hash_password, random_token,
};
pub use attendance::DayMarks;
pub use audit::{Actor, AuditEntry, AuditQuery};
pub use calendar_feeds::{CalendarFeed, FeedScope};
pub use directory::{
    DirectoryIndex, DirectoryPage, DirectoryQuery, FilterOptions, OfstedFilter, SchoolSummary, SortKey, search_text,
};
pub use eligibility::{EligibilityRow, Scope};
pub use enquiries::{Mail, SchoolWhere};
pub use enquiry_replies::{EnquiryReply, HandleError};
pub use evaluation::{
    AttainmentReport, AttainmentRequest, Cohort, Comparison, DEFAULT_MEASURES, MissingCount, UrnChange,
};
pub use event_registrations::{NewRegistration, Registration, RegistrationStatus, Withdrawal};
pub use event_resources::{DayResource, NewResource, ResourceBody};
pub use import::{Conflict, ImportOutcome, TableCount, WriteOptions, write_import};
pub use introspect::{ColumnInfo, SchemaInfo, TableInfo};
pub use joining::{JoiningRecords, Reminder};
pub use local_authority::ProgrammeLa;
pub use migrate::MIGRATIONS;
pub use network_contacts::NetworkContact;
pub use networks::{FormedNetwork, PlacedSchool};
pub use profile::*;
pub use programme_areas::CodedArea;
pub use programme_year::{DaysOf, EventStatus, MovedTo, NewEvent, ProgrammeEvent};
pub use programmes::{Enrolment, Network, NewProgramme, Programme, ProgrammeError};
pub use recruitment::{EligibilityCheck, Enquiry, NewEnquiry, ProgrammeArea, StageCount};
pub use registry::*;
pub use school_staff::{RollReach, StaffOf, StaffRecord};
pub use term_dates::SavedTermDates;

/// A storage failure. Messages name what was being done; the driver's text goes to the log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("'{0}' is not a database URL: use sqlite:PATH (e.g. sqlite:aspire.db) or postgres://USER@HOST/DB")]
    BadUrl(String),
    #[error("cannot open the database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("the database schema is newer or different from this program's: {0}")]
    Schema(String),
    #[error("database error while {doing}: {source}")]
    Query { doing: String, source: sqlx::Error },
    #[error("database error while {doing}: {problem}")]
    Read { doing: String, problem: String },
    #[error("unexpected data while {doing}: {problem}")]
    Decode { doing: String, problem: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) trait Doing<T> {
    fn doing(self, what: &str) -> Result<T>;
}

impl<T> Doing<T> for std::result::Result<T, sqlx::Error> {
    fn doing(self, what: &str) -> Result<T> {
        self.map_err(|source| StoreError::Query { doing: what.to_owned(), source })
    }
}

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    /// Opens (and for SQLite creates) the database and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Db> {
        let db = Self::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Db> {
        let connect_err = |source| StoreError::Connect { url: redact(url), source };
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(url.to_owned()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Imports write tens of megabytes: a larger page cache and fewer WAL checkpoints
                // (each one an fsync) roughly halve the time; the file is checkpointed on close.
                .pragma("cache_size", "-65536")
                .pragma("temp_store", "memory")
                .pragma("wal_autocheckpoint", "16384");
            let pool = SqlitePoolOptions::new().max_connections(4).connect_with(opts).await.map_err(connect_err)?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url).map_err(|_| StoreError::BadUrl(redact(url)))?;
            Self::connect_postgres(url, opts).await
        } else {
            Err(StoreError::BadUrl(redact(url)))
        }
    }

    /// Connects to PostgreSQL with every connection using `schema` first on its search path
    /// (tests use a fresh schema each).
    pub async fn connect_postgres_schema(url: &str, schema: &str) -> Result<Db> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::BadUrl(redact(url)))?
            .options([("search_path", schema)]);
        Self::connect_postgres(url, opts).await
    }

    async fn connect_postgres(url: &str, opts: PgConnectOptions) -> Result<Db> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .map_err(|source| StoreError::Connect { url: redact(url), source })?;
        Ok(Db::Postgres(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes every connection (SQLite then checkpoints its write-ahead log into the file).
    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// A URL fit for messages: any password is replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://aspire:secret@db/aspire"), "postgres://aspire:***@db/aspire");
        assert_eq!(redact("postgres://root@127.0.0.1/test"), "postgres://root@127.0.0.1/test");
        assert_eq!(redact("sqlite:aspire.db"), "sqlite:aspire.db");
    }
}
