//! Schema migrations: two embedded SQL trees with the same numbering, applied in order, each
//! recorded with a checksum so that an edited released migration is caught (see migrations/README.md).

use sha2::{Digest, Sha256};

use crate::sql::{Arg, Sql, present};
use crate::{Backend, Db, Result, StoreError};

/// (version, name, SQLite script, PostgreSQL script)
pub const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "registry",
        include_str!("../migrations/sqlite/0001_registry.sql"),
        include_str!("../migrations/postgres/0001_registry.sql"),
    ),
    (
        2,
        "cohorts",
        include_str!("../migrations/sqlite/0002_cohorts.sql"),
        include_str!("../migrations/postgres/0002_cohorts.sql"),
    ),
    (
        3,
        "people_and_programmes",
        include_str!("../migrations/sqlite/0003_people_and_programmes.sql"),
        include_str!("../migrations/postgres/0003_people_and_programmes.sql"),
    ),
    (
        4,
        "cohort_programme",
        include_str!("../migrations/sqlite/0004_cohort_programme.sql"),
        include_str!("../migrations/postgres/0004_cohort_programme.sql"),
    ),
    (
        5,
        "recruitment",
        include_str!("../migrations/sqlite/0005_recruitment.sql"),
        include_str!("../migrations/postgres/0005_recruitment.sql"),
    ),
    (
        6,
        "ks2_precedence",
        include_str!("../migrations/sqlite/0006_ks2_precedence.sql"),
        include_str!("../migrations/postgres/0006_ks2_precedence.sql"),
    ),
    (
        7,
        "accounts_hardening",
        include_str!("../migrations/sqlite/0007_accounts_hardening.sql"),
        include_str!("../migrations/postgres/0007_accounts_hardening.sql"),
    ),
    (
        8,
        "sign_in_day_counts",
        include_str!("../migrations/sqlite/0008_sign_in_day_counts.sql"),
        include_str!("../migrations/postgres/0008_sign_in_day_counts.sql"),
    ),
    (
        9,
        "public_enquiries",
        include_str!("../migrations/sqlite/0009_public_enquiries.sql"),
        include_str!("../migrations/postgres/0009_public_enquiries.sql"),
    ),
    (
        10,
        "area_codes_and_enquiry_replies",
        include_str!("../migrations/sqlite/0010_area_codes_and_enquiry_replies.sql"),
        include_str!("../migrations/postgres/0010_area_codes_and_enquiry_replies.sql"),
    ),
    (
        11,
        "joining",
        include_str!("../migrations/sqlite/0011_joining.sql"),
        include_str!("../migrations/postgres/0011_joining.sql"),
    ),
    (
        16,
        "programme_year",
        include_str!("../migrations/sqlite/0016_programme_year.sql"),
        include_str!("../migrations/postgres/0016_programme_year.sql"),
    ),
    (
        17,
        "term_dates",
        include_str!("../migrations/sqlite/0017_term_dates.sql"),
        include_str!("../migrations/postgres/0017_term_dates.sql"),
    ),
    (
        18,
        "day_mail",
        include_str!("../migrations/sqlite/0018_day_mail.sql"),
        include_str!("../migrations/postgres/0018_day_mail.sql"),
    ),
    (
        19,
        "day_resources",
        include_str!("../migrations/sqlite/0019_day_resources.sql"),
        include_str!("../migrations/postgres/0019_day_resources.sql"),
    ),
    (
        20,
        "day_held",
        include_str!("../migrations/sqlite/0020_day_held.sql"),
        include_str!("../migrations/postgres/0020_day_held.sql"),
    ),
    (
        21,
        "staff_joined",
        include_str!("../migrations/sqlite/0021_staff_joined.sql"),
        include_str!("../migrations/postgres/0021_staff_joined.sql"),
    ),
    (
        22,
        "staff_accounts",
        include_str!("../migrations/sqlite/0022_staff_accounts.sql"),
        include_str!("../migrations/postgres/0022_staff_accounts.sql"),
    ),
];

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL
)";

impl Db {
    /// Applies the migrations this program has and the database lacks.
    pub async fn migrate(&self) -> Result<()> {
        self.execute(&Sql::new(CREATE_TABLE), "creating the migrations table").await?;
        let applied = self
            .fetch(
                &Sql::new("SELECT version, checksum FROM schema_migrations ORDER BY version"),
                "reading migrations",
                |r| Ok((present(r.int("version")?, "version")?, present(r.text("checksum")?, "checksum")?)),
            )
            .await?;
        let known_max = MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0);
        if let Some((v, _)) = applied.iter().find(|(v, _)| *v > known_max) {
            return Err(StoreError::Schema(format!(
                "the database has migration {v}, which this version of Aspire does not know; use a newer Aspire"
            )));
        }
        for &(version, name, sqlite, postgres) in MIGRATIONS {
            let script = match self.backend() {
                Backend::Sqlite => sqlite,
                Backend::Postgres => postgres,
            };
            let checksum = checksum(script);
            if let Some((_, recorded)) = applied.iter().find(|(v, _)| *v == version) {
                if *recorded != checksum {
                    return Err(StoreError::Schema(format!(
                        "migration {version:04}_{name} differs from the one applied to this database; released migrations must not change"
                    )));
                }
                continue;
            }
            let mut tx = self.begin().await?;
            tx.execute_script(script, &format!("applying migration {version:04}_{name}")).await?;
            tx.execute(
                &Sql::new("INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)")
                    .arg(Arg::Int(Some(version)))
                    .arg(Arg::Text(Some(name.to_owned())))
                    .arg(Arg::Text(Some(checksum))),
                "recording a migration",
            )
            .await?;
            tx.commit().await?;
            tracing::info!(migration.version = version, migration.name = name, "applied migration");
        }
        Ok(())
    }
}

fn checksum(script: &str) -> String {
    // Line endings do not change a migration (a checkout may convert them).
    let normalised = script.replace("\r\n", "\n");
    Sha256::digest(normalised.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
