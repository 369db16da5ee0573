//! People (this file), their roles (`grants`), invitation and reset links (`links`), passwords and
//! signing in (`passwords`, `sign_in`), server-side sessions (`sessions`), the outbox of messages to send
//! (`outbox`), roles offered to people who already have an account (`offers`) and staff lists
//! (`staff`).
//!
//! Secrets are never stored: passwords as argon2id hashes, invitation/reset links and session
//! cookies as SHA-256 hashes of random 256-bit tokens.

mod grants;
mod links;
mod offers;
mod outbox;
mod passwords;
mod sessions;
mod sign_in;
pub use sign_in::{client_key, client_network};
mod staff;

pub use grants::GrantRow;
pub(crate) use grants::add_grant_tx;
use grants::{GRANT_COLUMNS, GRANT_JOINS, place_label, read_grant, role_event, scope_columns};
pub use links::{EXPIRY_PLACEHOLDER, LINK_PLACEHOLDER};
pub use offers::{Offer, Offered};
pub(crate) use outbox::queue_tx;
pub use outbox::{Outgoing, SITE_PLACEHOLDER};
pub use passwords::hash_password;
use passwords::verify_password;
pub use staff::StaffOutcome;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use aspire_core::access::{Membership, Principal};
use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::{
    Email, Grant, NetworkId, PasswordError, PersonId, ProgrammeId, Role, Scope, check_new_password,
};
use aspire_core::urn::Urn;

use crate::audit::{self, Actor, Event};
use crate::sql::{RowGet, Sql, Tx, present};
use crate::{Db, StoreError};

/// A failure a person can act on, in plain English.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0} already has an account")]
    EmailTaken(Email),
    #[error("there is no person {0}")]
    NoSuchPerson(String),
    #[error("{0} already holds that role there")]
    GrantExists(String),
    /// An Achievement Adviser supports a programme's schools from outside them: never a member
    /// of one's staff. The text says what the person is already ("a strand lead at …"), for
    /// "they are …" or "you are …".
    #[error(
        "they are {0}: an Achievement Adviser supports the programme's schools from outside them, so choose someone else"
    )]
    AdviserInside(String),
    #[error("that role assignment no longer exists")]
    NoSuchGrant,
    #[error("that offer of a role has already been answered, or was not made to you")]
    NoSuchOffer,
    #[error("this link is not valid: check you copied all of it, or ask for a new one")]
    TokenUnknown,
    #[error("this link has expired: ask for a new one")]
    TokenExpired,
    #[error("this link has already been used: sign in, or ask for a new one")]
    TokenUsed,
    #[error("{0}")]
    Password(#[from] PasswordError),
    #[error("a name is required")]
    NameMissing,
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Why a sign-in was refused. None of them says whether the address has an account: addresses
/// without one are counted, slowed and locked in the same way.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the email address or password is not right")]
    Wrong,
    #[error("too many attempts: wait {0} seconds before trying again")]
    Throttled(u64),
    #[error(
        "this account is locked, because many wrong passwords were tried from several places: its owner has been emailed a link to unlock it by choosing a new password (or use \"Forgotten your password?\")"
    )]
    Locked,
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// How failed sign-ins are slowed, and when they count as an attack.
///
/// Failures (attempts whose password was checked and was wrong) are counted per address typed
/// and per client. After `free_failures` from one client, each further attempt from it waits
/// twice as long as the one before (from `first_wait` up to `max_wait`); the wait is forgotten
/// `forget_after` the last failure. The owner, signing in from elsewhere, is not slowed by
/// someone else's guessing. Only when `attack_failures` failures from at least
/// `attack_clients` clients fall within `attack_window` (each client's count over the window
/// is kept even when its wait is forgotten) is the account locked, until a new password is
/// chosen through the reset link emailed to its owner at that moment.
#[derive(Debug, Clone)]
pub struct SignInPolicy {
    pub free_failures: u32,
    pub first_wait: Duration,
    pub max_wait: Duration,
    pub forget_after: Duration,
    pub attack_failures: u32,
    pub attack_clients: u32,
    pub attack_window: Duration,
    /// A session ends after this long without a request...
    pub session_idle: Duration,
    /// ...and after this long in any case.
    pub session_max: Duration,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            free_failures: 3,
            first_wait: Duration::from_secs(2),
            max_wait: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(3600),
            attack_failures: 50,
            attack_clients: 3,
            attack_window: Duration::from_secs(24 * 3600),
            session_idle: Duration::from_secs(2 * 3600),
            session_max: Duration::from_secs(12 * 3600),
        }
    }
}

impl SignInPolicy {
    /// How long a client waits after its `failures`-th failure for an address.
    pub fn wait_after(&self, failures: u32) -> Duration {
        match failures.checked_sub(self.free_failures + 1) {
            None => Duration::ZERO,
            Some(beyond) => self.first_wait.saturating_mul(1 << beyond.min(20)).min(self.max_wait),
        }
    }
}

/// How long links last. An invitation waits for a busy head teacher; a reset link is used at once.
pub const INVITATION_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
pub const RESET_LIFETIME: Duration = Duration::from_secs(2 * 3600);
/// At most one password-reset email per account in this time, however often it is asked for.
pub const RESET_QUIET: Duration = Duration::from_secs(15 * 60);

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TokenPurpose {
    Invitation,
    Reset,
}

impl TokenPurpose {
    fn code(self) -> &'static str {
        match self {
            TokenPurpose::Invitation => "invitation",
            TokenPurpose::Reset => "reset",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: PersonId,
    pub email: String,
    pub name: String,
    pub disabled: bool,
    /// False until the invitation is accepted.
    pub has_password: bool,
    /// When the account was locked after an attack (see [`SignInPolicy`]), if it is.
    pub locked_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub grants: Vec<GrantRow>,
}

/// A signed-in session as a request sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub person: PersonId,
    pub email: String,
    pub name: String,
    pub csrf: String,
    pub principal: Principal,
}

/// A session just started: the cookie value and the CSRF token for its forms.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub person: PersonId,
}

/// A message waiting to be sent, or sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    /// The person and purpose of the sign-in link the body's placeholder stands for.
    pub link: Option<(PersonId, TokenPurpose)>,
    /// An iCalendar file sent with it.
    pub calendar: Option<String>,
}

/// 256 random bits from the operating system, as 64 hex digits.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    // The OS generator failing leaves no safe way to make a secret: stop rather than go on.
    getrandom::fill(&mut b).expect("the operating system's random number generator failed");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub(crate) fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|x| format!("{x:02x}")).collect()
}

impl Db {
    /// Creates a person (without a password) and gives them roles, in one transaction.
    pub async fn add_person(
        &self,
        actor: &Actor,
        email: &Email,
        name: &str,
        grants: &[Grant],
    ) -> Result<PersonId, AccountError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(AccountError::NameMissing);
        }
        let mut tx = self.begin().await?;
        let id = add_person_tx(&mut tx, actor, email, name).await?;
        for g in grants {
            add_grant_tx(&mut tx, actor, id, g).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Turns an account off (or on again). A disabled person cannot sign in; their sessions end.
    pub async fn set_disabled(&self, actor: &Actor, person: PersonId, disabled: bool) -> Result<(), AccountError> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                &Sql::new("UPDATE people SET disabled = ? WHERE id = ?").flag(disabled).int(person),
                "disabling a person",
            )
            .await?;
        if n == 0 {
            return Err(AccountError::NoSuchPerson(person.to_string()));
        }
        if disabled {
            tx.execute(&Sql::new("DELETE FROM sessions WHERE person_id = ?").int(person), "ending sessions").await?;
        }
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::PersonDisable, AuditRecord::Person, person)
                .before(serde_json::json!({ "disabled": !disabled }))
                .after(serde_json::json!({ "disabled": disabled })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn person(&self, id: PersonId) -> crate::Result<Option<Person>> {
        Ok(self.people_where("p.id = ?", Sql::new("").int(id).args).await?.into_iter().next())
    }

    pub async fn person_by_email(&self, email: &Email) -> crate::Result<Option<Person>> {
        Ok(self.people_where("p.email = ?", Sql::new("").text(email.as_str()).args).await?.into_iter().next())
    }

    /// The people a viewer may see: those holding a role inside the viewer's scope (a programme
    /// admin sees the staff of the programme's schools; a head teacher their own school's).
    /// People without any role are seen only by those who see everything.
    pub async fn people(
        &self,
        visible: &aspire_core::access::Visible,
        search: Option<&str>,
    ) -> crate::Result<Vec<Person>> {
        let mut cond = people_scope(visible);
        let mut args = Vec::new();
        if let Some(t) = search.map(str::trim).filter(|t| !t.is_empty()) {
            let like = format!("%{}%", t.to_lowercase().replace('!', "!!").replace('%', "!%").replace('_', "!_"));
            cond.push_str(" AND (LOWER(p.email) LIKE ? ESCAPE '!' OR LOWER(p.name) LIKE ? ESCAPE '!')");
            args = Sql::new("").text(like.clone()).text(like).args;
        }
        self.people_where(&cond, args).await
    }

    /// The people holding a role at a school (its staff with accounts), by name: those a head
    /// nominates for the school's seats at a day.
    pub async fn school_people(&self, urn: Urn) -> crate::Result<Vec<Person>> {
        let mut people = self
            .people_where(
                "EXISTS (SELECT 1 FROM grants g WHERE g.person_id = p.id AND g.urn = ?)",
                Sql::new("").int(urn).args,
            )
            .await?;
        people.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(people)
    }

    /// One person, if the viewer may see them (the same rule as [`Db::people`]).
    pub async fn visible_person(
        &self,
        visible: &aspire_core::access::Visible,
        id: PersonId,
    ) -> crate::Result<Option<Person>> {
        let cond = format!("{} AND p.id = ?", people_scope(visible));
        Ok(self.people_where(&cond, Sql::new("").int(id).args).await?.into_iter().next())
    }

    async fn people_where(&self, cond: &str, args: Vec<crate::sql::Arg>) -> crate::Result<Vec<Person>> {
        let mut people = self
            .fetch(
                &Sql {
                    text: format!(
                        "SELECT p.id, p.email, p.name, p.disabled, p.password_hash IS NOT NULL AS has_password, \
                         p.created_at FROM people p WHERE {cond} ORDER BY p.name, p.email"
                    ),
                    args,
                },
                "listing people",
                |r| {
                    Ok(Person {
                        id: present(r.person_id("id")?, "id")?,
                        email: present(r.text("email")?, "email")?,
                        name: present(r.text("name")?, "name")?,
                        disabled: r.flag("disabled")?.unwrap_or(false),
                        has_password: r.flag("has_password")?.unwrap_or(false),
                        locked_since: None,
                        created_at: present(r.instant("created_at")?, "created_at")?,
                        grants: Vec::new(),
                    })
                },
            )
            .await?;
        if people.is_empty() {
            return Ok(people);
        }
        let ids: Vec<String> = people.iter().map(|p| p.id.to_string()).collect();
        let grants = self
            .fetch(
                &Sql::new(format!(
                    "SELECT {GRANT_COLUMNS} {GRANT_JOINS} WHERE g.person_id IN ({}) ORDER BY g.id",
                    ids.join(", ")
                )),
                "reading roles",
                |r| {
                    let Some((id, grant)) = read_grant(r)? else { return Ok(None) };
                    Ok(Some((
                        present(r.person_id("person_id")?, "person_id")?,
                        GrantRow { id, grant, place: place_label(r, &grant)? },
                    )))
                },
            )
            .await?;
        for (pid, g) in grants.into_iter().flatten() {
            if let Some(p) = people.iter_mut().find(|p| p.id == pid) {
                p.grants.push(g);
            }
        }
        let keys: Vec<String> = people.iter().map(|p| format!("'{}'", sign_in::account_key(&p.email))).collect();
        let locks = self
            .fetch(
                &Sql::new(format!(
                    "SELECT account_key, locked_at FROM sign_in_locks WHERE account_key IN ({})",
                    keys.join(", ")
                )),
                "reading account locks",
                |r| Ok((present(r.text("account_key")?, "account_key")?, r.instant("locked_at")?)),
            )
            .await?;
        for p in &mut people {
            let key = sign_in::account_key(&p.email);
            p.locked_since = locks.iter().find(|(k, _)| *k == key).and_then(|(_, at)| *at);
        }
        Ok(people)
    }

    /// What the policy needs to know about a person: their roles and where their schools are.
    pub async fn principal(&self, person: PersonId) -> crate::Result<Principal> {
        let grants: Vec<Grant> = self
            .fetch(
                &Sql::new(format!("SELECT {GRANT_COLUMNS} {GRANT_JOINS} WHERE g.person_id = ?")).int(person),
                "reading roles",
                |r| Ok(read_grant(r)?.map(|(_, g)| g)),
            )
            .await?
            .into_iter()
            .flatten()
            .collect();
        let urns: BTreeSet<i64> = grants
            .iter()
            .filter_map(|g| if let Scope::School(u) = g.scope { Some(i64::from(u)) } else { None })
            .collect();
        let memberships = if urns.is_empty() { Vec::new() } else { self.memberships(&urns).await? };
        let mut la_schools = Vec::new();
        for g in &grants {
            if let Scope::LocalAuthority { programme, la } = g.scope {
                la_schools.extend(self.la_memberships(programme, la).await?);
            }
        }
        Ok(Principal { person, grants, memberships, la_schools })
    }

    /// The programmes and networks these schools are in.
    pub(crate) async fn memberships(&self, urns: &BTreeSet<i64>) -> crate::Result<Vec<Membership>> {
        let list: Vec<String> = urns.iter().map(i64::to_string).collect();
        Ok(self
            .fetch(
                &Sql::new(format!(
                    "SELECT programme_id, network_id, urn FROM enrolments WHERE urn IN ({})",
                    list.join(", ")
                )),
                "reading enrolments",
                |r| {
                    let (programme, network) = (r.programme_id("programme_id")?, r.network_id("network_id")?);
                    Ok(r.int("urn")?
                        .and_then(|u| Urn::try_from(u).ok())
                        .zip(programme)
                        .map(|(urn, programme)| Membership { urn, programme, network }))
                },
            )
            .await?
            .into_iter()
            .flatten()
            .collect())
    }
}

/// People holding a role inside what `visible` allows; people without roles only for those who
/// see everything.
fn people_scope(visible: &aspire_core::access::Visible) -> String {
    if visible.is_everything() {
        return "1 = 1".to_owned();
    }
    let direct = audit::scope_condition(visible, Some("g.programme_id"), Some("g.network_id"), Some("g.urn"));
    let through = audit::scope_condition(visible, Some("e.programme_id"), Some("e.network_id"), None);
    format!(
        "EXISTS (SELECT 1 FROM grants g WHERE g.person_id = p.id AND ({direct} OR \
         EXISTS (SELECT 1 FROM enrolments e WHERE e.urn = g.urn AND {through})))"
    )
}

async fn add_person_tx(tx: &mut Tx, actor: &Actor, email: &Email, name: &str) -> Result<PersonId, AccountError> {
    let exists = tx
        .fetch_one(&Sql::new("SELECT id FROM people WHERE email = ?").text(email.as_str()), "finding a person", |r| {
            r.person_id("id")
        })
        .await?
        .flatten();
    if exists.is_some() {
        return Err(AccountError::EmailTaken(email.clone()));
    }
    let id = tx
        .fetch_one(
            &Sql::new(
                "INSERT INTO people (email, name, disabled, failed_sign_ins, created_at) VALUES (?, ?, ?, 0, ?) RETURNING id",
            )
            .text(email.as_str())
            .text(name)
            .flag(false)
            .instant(Utc::now()),
            "adding a person",
            |r| r.person_id("id"),
        )
        .await?
        .flatten();
    let id = present(id, "people.id")?;
    audit::record(
        tx,
        actor,
        Event::new(AuditAction::PersonAdd, AuditRecord::Person, id)
            .after(serde_json::json!({ "email": email, "name": name })),
    )
    .await?;
    Ok(id)
}
