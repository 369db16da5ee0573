//! People and their roles, invitations and password resets, sign-in with throttling and
//! lock-out, server-side sessions, and the outbox of messages to send.
//!
//! Secrets are never stored: passwords as argon2id hashes, invitation/reset links and session
//! cookies as SHA-256 hashes of random 256-bit tokens.

use std::collections::BTreeSet;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use aspire_core::access::{Membership, Principal};
use aspire_core::people::{
    Email, Grant, NetworkId, PasswordError, PersonId, ProgrammeId, Role, Scope, check_new_password,
};
use aspire_core::urn::Urn;

use crate::audit::{self, Actor, Event};
use crate::sql::{RowGet, Sql, Tx};
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
    #[error("that role assignment no longer exists")]
    NoSuchGrant,
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

/// Why a sign-in was refused. The first says nothing about whether the email has an account.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the email address or password is not right")]
    Wrong,
    #[error("too many attempts: wait {0} seconds before trying again")]
    Throttled(u64),
    #[error("this account is locked after too many attempts until {0} (UTC); resetting the password unlocks it")]
    Locked(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// How sign-in failures are slowed and then stopped.
#[derive(Debug, Clone)]
pub struct SignInPolicy {
    /// Failures allowed before any wait.
    pub free_failures: u32,
    /// The wait after the first failure beyond those; it doubles with each further failure.
    pub first_wait: Duration,
    pub max_wait: Duration,
    /// Failures (attempts made during a wait count too) after which the account locks.
    pub lock_after: u32,
    pub lock_for: Duration,
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
            max_wait: Duration::from_secs(60),
            lock_after: 10,
            lock_for: Duration::from_secs(30 * 60),
            session_idle: Duration::from_secs(2 * 3600),
            session_max: Duration::from_secs(12 * 3600),
        }
    }
}

impl SignInPolicy {
    fn wait_after(&self, failures: u32) -> Option<Duration> {
        let beyond = failures.checked_sub(self.free_failures)?;
        Some(self.first_wait.saturating_mul(1 << beyond.min(16)).min(self.max_wait))
    }
}

/// How long links last. An invitation waits for a busy head teacher; a reset link is used at once.
pub const INVITATION_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
pub const RESET_LIFETIME: Duration = Duration::from_secs(2 * 3600);

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

/// A role a person holds, with the names of where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantRow {
    pub id: i64,
    pub grant: Grant,
    /// "Programme: TLIF 2017", "Network: Bradford North (TLIF 2017)", "School: 107345 Green Lane Primary".
    pub place: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: PersonId,
    pub email: String,
    pub name: String,
    pub disabled: bool,
    /// False until the invitation is accepted.
    pub has_password: bool,
    pub locked_until: Option<DateTime<Utc>>,
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
}

/// 256 random bits from the operating system, as 64 hex digits.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    // The OS generator failing leaves no safe way to make a secret: stop rather than go on.
    getrandom::fill(&mut b).expect("the operating system's random number generator failed");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|x| format!("{x:02x}")).collect()
}

fn hash_sync(password: &[u8]) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default().hash_password(password, &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Hashes a password with argon2id (19 MiB, 2 passes: the OWASP baseline) off the async threads.
pub async fn hash_password(password: String) -> Result<String, StoreError> {
    tokio::task::spawn_blocking(move || hash_sync(password.as_bytes()))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|problem| StoreError::Decode { doing: "hashing a password".into(), problem })
}

/// Checks a password against a stored hash, taking as long whether or not there is one (so the
/// time taken does not say whether an email has an account).
async fn verify_password(password: String, hash: Option<String>) -> bool {
    // A hash of a random password, made once, to spend the same effort when there is no account.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let dummy = DUMMY.get_or_init(|| hash_sync(random_token().as_bytes()).unwrap_or_default());
        let (h, real) = match &hash {
            Some(h) => (h.as_str(), true),
            None => (dummy.as_str(), false),
        };
        let ok = PasswordHash::new(h).is_ok_and(|p| Argon2::default().verify_password(password.as_bytes(), &p).is_ok());
        ok && real
    })
    .await
    .unwrap_or(false)
}

fn scope_columns(scope: Scope) -> (String, Option<ProgrammeId>, Option<NetworkId>, Option<i64>) {
    match scope {
        Scope::Platform => ("platform".into(), None, None, None),
        Scope::Programme(p) => (format!("programme:{p}"), Some(p), None, None),
        Scope::Network { programme, network } => (format!("network:{network}"), Some(programme), Some(network), None),
        Scope::School(u) => (format!("school:{u}"), None, None, Some(i64::from(u))),
    }
}

fn read_grant(r: &dyn RowGet) -> crate::Result<Option<(i64, Grant)>> {
    let role = r.text("role")?.and_then(|s| Role::parse(&s).ok());
    let scope = match (
        r.text("scope_key")?.as_deref().unwrap_or(""),
        r.int("programme_id")?,
        r.int("network_id")?,
        r.int("urn")?,
    ) {
        ("platform", ..) => Some(Scope::Platform),
        (k, Some(p), None, None) if k.starts_with("programme:") => Some(Scope::Programme(p)),
        (k, Some(programme), Some(network), None) if k.starts_with("network:") => {
            Some(Scope::Network { programme, network })
        }
        (k, _, _, Some(u)) if k.starts_with("school:") => Urn::try_from(u).ok().map(Scope::School),
        _ => None,
    };
    Ok(match (role, scope) {
        (Some(role), Some(scope)) => {
            Some((r.int("id")?.unwrap_or(0), Grant { role, scope, pupil_data: r.flag("pupil_data")?.unwrap_or(false) }))
        }
        _ => None,
    })
}

const GRANT_COLUMNS: &str = "g.id, g.person_id, g.role, g.scope_key, g.programme_id, g.network_id, g.urn, g.pupil_data, \
     p.name AS programme_name, n.name AS network_name, s.name AS school_name";
const GRANT_JOINS: &str = "FROM grants g LEFT JOIN programmes p ON p.id = g.programme_id \
     LEFT JOIN networks n ON n.id = g.network_id LEFT JOIN schools s ON s.urn = g.urn";

fn place_label(r: &dyn RowGet, g: &Grant) -> crate::Result<String> {
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
    })
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

    /// Gives a person a role.
    pub async fn add_grant(&self, actor: &Actor, person: PersonId, grant: &Grant) -> Result<i64, AccountError> {
        let mut tx = self.begin().await?;
        let id = add_grant_tx(&mut tx, actor, person, grant).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Takes a role away.
    pub async fn remove_grant(&self, actor: &Actor, grant_id: i64) -> Result<(), AccountError> {
        let mut tx = self.begin().await?;
        let found = tx
            .fetch_one(
                &Sql::new(format!("SELECT {GRANT_COLUMNS} {GRANT_JOINS} WHERE g.id = ?")).int(grant_id),
                "finding a role",
                |r| Ok((read_grant(r)?, r.int("person_id")?)),
            )
            .await?;
        let Some((Some((_, g)), person)) = found else { return Err(AccountError::NoSuchGrant) };
        tx.execute(&Sql::new("DELETE FROM grants WHERE id = ?").int(grant_id), "removing a role").await?;
        let (_, programme, _, urn) = scope_columns(g.scope);
        audit::record(
            &mut tx,
            actor,
            Event::new("role.remove", "person", person.unwrap_or(0))
                .programme(programme)
                .urn(urn.and_then(|u| Urn::try_from(u).ok()))
                .before(g),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A grant by id, with its person (for checking the policy before removing it).
    pub async fn grant(&self, grant_id: i64) -> crate::Result<Option<(PersonId, Grant)>> {
        Ok(self
            .fetch_one(
                &Sql::new(format!("SELECT {GRANT_COLUMNS} {GRANT_JOINS} WHERE g.id = ?")).int(grant_id),
                "finding a role",
                |r| Ok(read_grant(r)?.zip(r.int("person_id")?)),
            )
            .await?
            .flatten()
            .map(|((_, g), p)| (p, g)))
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
            Event::new("person.disable", "person", person)
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
                         p.locked_until, p.created_at FROM people p WHERE {cond} ORDER BY p.name, p.email"
                    ),
                    args,
                },
                "listing people",
                |r| {
                    Ok(Person {
                        id: r.int("id")?.unwrap_or(0),
                        email: r.text("email")?.unwrap_or_default(),
                        name: r.text("name")?.unwrap_or_default(),
                        disabled: r.flag("disabled")?.unwrap_or(false),
                        has_password: r.flag("has_password")?.unwrap_or(false),
                        locked_until: r.instant("locked_until")?,
                        created_at: r.instant("created_at")?.unwrap_or_default(),
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
                    Ok(Some((r.int("person_id")?.unwrap_or(0), GrantRow { id, grant, place: place_label(r, &grant)? })))
                },
            )
            .await?;
        for (pid, g) in grants.into_iter().flatten() {
            if let Some(p) = people.iter_mut().find(|p| p.id == pid) {
                p.grants.push(g);
            }
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
        Ok(Principal { person, grants, memberships })
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
                    Ok(r.int("urn")?.and_then(|u| Urn::try_from(u).ok()).map(|urn| Membership {
                        urn,
                        programme: r.int("programme_id").ok().flatten().unwrap_or(0),
                        network: r.int("network_id").ok().flatten(),
                    }))
                },
            )
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    /// Issues an invitation (or reset) link for a person and puts the email in the outbox.
    /// Returns the link. Earlier unused links of the same purpose stop working.
    pub async fn issue_link(
        &self,
        actor: &Actor,
        person: PersonId,
        purpose: TokenPurpose,
        base_url: &str,
    ) -> Result<String, AccountError> {
        let mut tx = self.begin().await?;
        let p = tx
            .fetch_one(&Sql::new("SELECT email, name FROM people WHERE id = ?").int(person), "finding a person", |r| {
                Ok((r.text("email")?.unwrap_or_default(), r.text("name")?.unwrap_or_default()))
            })
            .await?
            .ok_or_else(|| AccountError::NoSuchPerson(person.to_string()))?;
        let link = issue_link_tx(&mut tx, person, &p.0, &p.1, purpose, base_url).await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(
                if purpose == TokenPurpose::Invitation { "person.invite" } else { "password.reset_requested" },
                "person",
                person,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(link)
    }

    /// Asks for a password reset. Says nothing about whether the email has an account: the
    /// email goes out only if it does.
    pub async fn request_password_reset(
        &self,
        email: &str,
        client: Option<String>,
        base_url: &str,
    ) -> crate::Result<()> {
        let Ok(email) = Email::parse(email) else { return Ok(()) };
        let Some(p) = self.person_by_email(&email).await? else { return Ok(()) };
        if p.disabled {
            return Ok(());
        }
        let _ = self.issue_link(&Actor::system(client), p.id, TokenPurpose::Reset, base_url).await;
        Ok(())
    }

    /// The person a link belongs to, if it can still be used.
    pub async fn link_person(&self, token: &str, purpose: TokenPurpose) -> Result<Person, AccountError> {
        let (person, _) = check_token(self, token, purpose).await?;
        self.person(person).await?.ok_or(AccountError::TokenUnknown)
    }

    /// Sets a password through an invitation or reset link: checks the link and the password,
    /// stores the hash, uses up the link, unlocks the account and ends every other session.
    pub async fn set_password_with_link(
        &self,
        token: &str,
        purpose: TokenPurpose,
        password: &str,
        client: Option<String>,
    ) -> Result<PersonId, AccountError> {
        let (person, email) = check_token(self, token, purpose).await?;
        let email = Email::parse(&email).map_err(|_| AccountError::TokenUnknown)?;
        check_new_password(password, &email)?;
        let hash = hash_password(password.to_owned()).await?;
        let mut tx = self.begin().await?;
        let used = tx
            .execute(
                &Sql::new("UPDATE tokens SET used_at = ? WHERE token_sha256 = ? AND used_at IS NULL")
                    .instant(Utc::now())
                    .text(sha256_hex(token)),
                "using a link",
            )
            .await?;
        if used == 0 {
            return Err(AccountError::TokenUsed);
        }
        tx.execute(
            &Sql::new(
                "UPDATE people SET password_hash = ?, password_set_at = ?, failed_sign_ins = 0, \
                 last_failed_sign_in_at = NULL, locked_until = NULL WHERE id = ?",
            )
            .text(hash)
            .instant(Utc::now())
            .int(person),
            "setting a password",
        )
        .await?;
        tx.execute(&Sql::new("DELETE FROM sessions WHERE person_id = ?").int(person), "ending sessions").await?;
        audit::record(
            &mut tx,
            &Actor::person(person, email.as_str(), client),
            Event::new("password.set", "person", person).after(serde_json::json!({ "through": purpose.code() })),
        )
        .await?;
        tx.commit().await?;
        Ok(person)
    }

    /// Sets a person's password directly (the command line and the demo; people set their own
    /// through a link). Checks it like any new password and ends the person's sessions.
    pub async fn set_password(&self, actor: &Actor, person: PersonId, password: &str) -> Result<(), AccountError> {
        let p = self.person(person).await?.ok_or_else(|| AccountError::NoSuchPerson(person.to_string()))?;
        let email = Email::parse(&p.email).map_err(|_| AccountError::NoSuchPerson(p.email.clone()))?;
        check_new_password(password, &email)?;
        let hash = hash_password(password.to_owned()).await?;
        let mut tx = self.begin().await?;
        tx.execute(
            &Sql::new(
                "UPDATE people SET password_hash = ?, password_set_at = ?, failed_sign_ins = 0, \
                 last_failed_sign_in_at = NULL, locked_until = NULL WHERE id = ?",
            )
            .text(hash)
            .instant(Utc::now())
            .int(person),
            "setting a password",
        )
        .await?;
        tx.execute(&Sql::new("DELETE FROM sessions WHERE person_id = ?").int(person), "ending sessions").await?;
        audit::record(&mut tx, actor, Event::new("password.set", "person", person)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs a person in. Every attempt is counted before the password is checked, so that
    /// attempts sent in parallel are counted too: after `free_failures` failures the next attempt
    /// must wait (an attempt made while waiting is refused unchecked, and still counts), and
    /// after `lock_after` attempts the account locks. Success clears the count and starts a
    /// session.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<String>,
        policy: &SignInPolicy,
    ) -> Result<NewSession, SignInError> {
        let now = Utc::now();
        let Ok(email) = Email::parse(email) else {
            verify_password(password.to_owned(), None).await;
            return Err(SignInError::Wrong);
        };
        let row = self
            .fetch_one(
                &Sql::new(
                    "SELECT id, password_hash, disabled, last_failed_sign_in_at, locked_until FROM people WHERE email = ?",
                )
                .text(email.as_str()),
                "finding an account",
                |r| {
                    Ok((
                        r.int("id")?.unwrap_or(0),
                        r.text("password_hash")?,
                        r.flag("disabled")?.unwrap_or(false),
                        r.instant("last_failed_sign_in_at")?,
                        r.instant("locked_until")?,
                    ))
                },
            )
            .await?;
        let Some((id, hash, disabled, last_failed, locked_until)) = row else {
            verify_password(password.to_owned(), None).await;
            return Err(SignInError::Wrong);
        };
        let locked = |until: DateTime<Utc>| SignInError::Locked(until.format("%H:%M on %d %B %Y").to_string());
        match locked_until {
            Some(until) if until > now => return Err(locked(until)),
            Some(_) => {
                self.execute(
                    &Sql::new(
                        "UPDATE people SET failed_sign_ins = 0, locked_until = NULL WHERE id = ? AND locked_until <= ?",
                    )
                    .int(id)
                    .instant(now),
                    "ending a lock-out",
                )
                .await?;
            }
            None => {}
        }
        let attempt = self
            .fetch_one(
                &Sql::new(
                    "UPDATE people SET failed_sign_ins = failed_sign_ins + 1, last_failed_sign_in_at = ? WHERE id = ? \
                     RETURNING failed_sign_ins",
                )
                .instant(now)
                .int(id),
                "counting an attempt",
                |r| r.int("failed_sign_ins"),
            )
            .await?
            .flatten()
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(u32::MAX);
        let earlier = attempt.saturating_sub(1);
        let waiting = policy.wait_after(earlier).and_then(|w| {
            let ready = last_failed? + TimeDelta::from_std(w).ok()?;
            (now < ready).then(|| (ready - now).num_seconds().max(1) as u64)
        });
        let ok = attempt <= policy.lock_after
            && waiting.is_none()
            && !disabled
            && verify_password(password.to_owned(), hash).await;
        if ok {
            let mut tx = self.begin().await?;
            tx.execute(
                &Sql::new(
                    "UPDATE people SET failed_sign_ins = 0, last_failed_sign_in_at = NULL, locked_until = NULL WHERE id = ?",
                )
                .int(id),
                "clearing failures",
            )
            .await?;
            let s = start_session(&mut tx, id, policy).await?;
            audit::record(
                &mut tx,
                &Actor::person(id, email.as_str(), client),
                Event::new("session.start", "person", id),
            )
            .await?;
            tx.commit().await?;
            return Ok(s);
        }
        if attempt >= policy.lock_after {
            let until = now + TimeDelta::from_std(policy.lock_for).unwrap_or(TimeDelta::minutes(30));
            let mut tx = self.begin().await?;
            let newly = tx
                .execute(
                    &Sql::new("UPDATE people SET locked_until = ? WHERE id = ? AND (locked_until IS NULL OR locked_until <= ?)")
                        .instant(until)
                        .int(id)
                        .instant(now),
                    "locking an account",
                )
                .await?;
            if newly > 0 {
                audit::record(
                    &mut tx,
                    &Actor::system(client),
                    Event::new("person.lock", "person", id)
                        .after(serde_json::json!({ "locked_until": until, "attempts": attempt })),
                )
                .await?;
            }
            tx.commit().await?;
            return Err(locked(until));
        }
        match waiting {
            Some(secs) => Err(SignInError::Throttled(secs)),
            None => Err(SignInError::Wrong),
        }
    }

    /// Starts a session for a person without a password (the command line's `user` tools and
    /// tests use it; the web signs in through [`Db::sign_in`]).
    pub async fn start_session(&self, person: PersonId, policy: &SignInPolicy) -> crate::Result<NewSession> {
        let mut tx = self.begin().await?;
        let s = start_session(&mut tx, person, policy).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// The session a cookie belongs to, if it is still live. Refreshes its last-seen time at
    /// most once a minute, so that reading pages does not mean writing on every request.
    pub async fn session(&self, token: &str, policy: &SignInPolicy) -> crate::Result<Option<Session>> {
        let now = Utc::now();
        let idle_since = now - TimeDelta::from_std(policy.session_idle).unwrap_or(TimeDelta::hours(2));
        let hash = sha256_hex(token);
        let row = self
            .fetch_one(
                &Sql::new(
                    "SELECT s.person_id, s.csrf, s.last_seen_at, p.email, p.name FROM sessions s \
                     JOIN people p ON p.id = s.person_id \
                     WHERE s.token_sha256 = ? AND s.expires_at > ? AND s.last_seen_at > ? AND p.disabled = ?",
                )
                .text(hash.clone())
                .instant(now)
                .instant(idle_since)
                .flag(false),
                "finding a session",
                |r| {
                    Ok((
                        r.int("person_id")?.unwrap_or(0),
                        r.text("csrf")?.unwrap_or_default(),
                        r.instant("last_seen_at")?.unwrap_or_default(),
                        r.text("email")?.unwrap_or_default(),
                        r.text("name")?.unwrap_or_default(),
                    ))
                },
            )
            .await?;
        let Some((person, csrf, last_seen, email, name)) = row else { return Ok(None) };
        if now - last_seen > TimeDelta::minutes(1) {
            self.execute(
                &Sql::new("UPDATE sessions SET last_seen_at = ? WHERE token_sha256 = ?").instant(now).text(hash),
                "refreshing a session",
            )
            .await?;
        }
        let principal = self.principal(person).await?;
        Ok(Some(Session { person, email, name, csrf, principal }))
    }

    /// Signs out: the session ends on the server, so a copied cookie stops working too.
    pub async fn end_session(&self, token: &str, actor: &Actor) -> crate::Result<()> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                &Sql::new("DELETE FROM sessions WHERE token_sha256 = ?").text(sha256_hex(token)),
                "ending a session",
            )
            .await?;
        if n > 0 {
            audit::record(&mut tx, actor, Event::new("session.end", "person", actor.person.unwrap_or(0))).await?;
        }
        tx.commit().await
    }

    /// Removes sessions that have expired (run now and then; expired ones are refused anyway).
    pub async fn purge_sessions(&self, policy: &SignInPolicy) -> crate::Result<u64> {
        let now = Utc::now();
        let idle_since = now - TimeDelta::from_std(policy.session_idle).unwrap_or(TimeDelta::hours(2));
        self.execute(
            &Sql::new("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?")
                .instant(now)
                .instant(idle_since),
            "removing expired sessions",
        )
        .await
    }

    /// Messages, newest first.
    pub async fn outbox(&self, limit: usize) -> crate::Result<Vec<Message>> {
        self.fetch(
            &Sql::new(format!(
                "SELECT id, recipient, subject, body, created_at, sent_at, error FROM outbox ORDER BY id DESC LIMIT {}",
                limit.min(10_000)
            )),
            "reading the outbox",
            read_message,
        )
        .await
    }

    /// Messages not yet sent, oldest first.
    pub async fn unsent_messages(&self) -> crate::Result<Vec<Message>> {
        self.fetch(
            &Sql::new(
                "SELECT id, recipient, subject, body, created_at, sent_at, error FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 100",
            ),
            "reading the outbox",
            read_message,
        )
        .await
    }

    /// Claims an unsent message for sending: true if this caller got it (another instance
    /// sending the same outbox gets false), so each message goes out once.
    pub async fn claim_message(&self, id: i64) -> crate::Result<bool> {
        let n = self
            .execute(
                &Sql::new("UPDATE outbox SET sent_at = ?, error = NULL WHERE id = ? AND sent_at IS NULL")
                    .instant(Utc::now())
                    .int(id),
                "claiming a message",
            )
            .await?;
        Ok(n == 1)
    }

    /// Puts a claimed message back with the reason it could not be sent (it is tried again).
    pub async fn release_message(&self, id: i64, error: &str) -> crate::Result<()> {
        self.execute(
            &Sql::new("UPDATE outbox SET sent_at = NULL, error = ? WHERE id = ?").text(error).int(id),
            "returning a message to the outbox",
        )
        .await?;
        Ok(())
    }
}

/// People holding a role inside what `visible` allows; people without roles only for those who
/// see everything.
fn people_scope(visible: &aspire_core::access::Visible) -> String {
    if visible.all {
        return "1 = 1".to_owned();
    }
    let direct = audit::scope_condition(visible, Some("g.programme_id"), Some("g.network_id"), Some("g.urn"));
    let through = audit::scope_condition(visible, Some("e.programme_id"), Some("e.network_id"), None);
    format!(
        "EXISTS (SELECT 1 FROM grants g WHERE g.person_id = p.id AND ({direct} OR \
         EXISTS (SELECT 1 FROM enrolments e WHERE e.urn = g.urn AND {through})))"
    )
}

fn read_message(r: &dyn RowGet) -> crate::Result<Message> {
    Ok(Message {
        id: r.int("id")?.unwrap_or(0),
        recipient: r.text("recipient")?.unwrap_or_default(),
        subject: r.text("subject")?.unwrap_or_default(),
        body: r.text("body")?.unwrap_or_default(),
        created_at: r.instant("created_at")?.unwrap_or_default(),
        sent_at: r.instant("sent_at")?,
        error: r.text("error")?,
    })
}

async fn check_token(db: &Db, token: &str, purpose: TokenPurpose) -> Result<(PersonId, String), AccountError> {
    let token = token.trim();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AccountError::TokenUnknown);
    }
    let row = db
        .fetch_one(
            &Sql::new(
                "SELECT t.person_id, t.expires_at, t.used_at, p.email, p.disabled FROM tokens t JOIN people p ON p.id = t.person_id \
                 WHERE t.token_sha256 = ? AND t.purpose = ?",
            )
            .text(sha256_hex(token))
            .text(purpose.code()),
            "checking a link",
            |r| {
                Ok((
                    r.int("person_id")?.unwrap_or(0),
                    r.instant("expires_at")?.unwrap_or_default(),
                    r.instant("used_at")?,
                    r.text("email")?.unwrap_or_default(),
                    r.flag("disabled")?.unwrap_or(false),
                ))
            },
        )
        .await?;
    let Some((person, expires, used, email, disabled)) = row else { return Err(AccountError::TokenUnknown) };
    if used.is_some() {
        return Err(AccountError::TokenUsed);
    }
    if expires <= Utc::now() || disabled {
        return Err(AccountError::TokenExpired);
    }
    Ok((person, email))
}

async fn add_person_tx(tx: &mut Tx, actor: &Actor, email: &Email, name: &str) -> Result<PersonId, AccountError> {
    let exists = tx
        .fetch_one(&Sql::new("SELECT id FROM people WHERE email = ?").text(email.as_str()), "finding a person", |r| {
            r.int("id")
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
            |r| r.int("id"),
        )
        .await?
        .flatten()
        .unwrap_or(0);
    audit::record(
        tx,
        actor,
        Event::new("person.add", "person", id).after(serde_json::json!({ "email": email, "name": name })),
    )
    .await?;
    Ok(id)
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
        .flatten()
        .unwrap_or(0);
    audit::record(
        tx,
        actor,
        Event::new("role.add", "person", person)
            .programme(programme)
            .urn(urn.and_then(|u| Urn::try_from(u).ok()))
            .after(g),
    )
    .await?;
    Ok(id)
}

async fn issue_link_tx(
    tx: &mut Tx,
    person: PersonId,
    email: &str,
    name: &str,
    purpose: TokenPurpose,
    base_url: &str,
) -> Result<String, AccountError> {
    let now = Utc::now();
    tx.execute(
        &Sql::new("UPDATE tokens SET expires_at = ? WHERE person_id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?")
            .instant(now)
            .int(person)
            .text(purpose.code())
            .instant(now),
        "retiring older links",
    )
    .await?;
    let token = random_token();
    let (lifetime, path) = match purpose {
        TokenPurpose::Invitation => (INVITATION_LIFETIME, "invitation"),
        TokenPurpose::Reset => (RESET_LIFETIME, "password-reset"),
    };
    let expires = now + TimeDelta::from_std(lifetime).unwrap_or(TimeDelta::days(7));
    tx.execute(
        &Sql::new(
            "INSERT INTO tokens (token_sha256, person_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        )
        .text(sha256_hex(&token))
        .int(person)
        .text(purpose.code())
        .instant(now)
        .instant(expires),
        "making a link",
    )
    .await?;
    let link = format!("{}/{path}/{token}", base_url.trim_end_matches('/'));
    let (subject, body) = match purpose {
        TokenPurpose::Invitation => (
            "You are invited to Aspire".to_owned(),
            format!(
                "Dear {name},\n\nYou have been invited to Aspire, the school-improvement programme platform.\n\n\
                 To set your password and sign in, open this link:\n\n{link}\n\n\
                 The link works once and expires on {} (UTC). If you were not expecting this, you can ignore it.\n",
                expires.format("%d %B %Y at %H:%M")
            ),
        ),
        TokenPurpose::Reset => (
            "Reset your Aspire password".to_owned(),
            format!(
                "Dear {name},\n\nSomeone (we hope you) asked to reset the password of your Aspire account.\n\n\
                 To choose a new password, open this link:\n\n{link}\n\n\
                 The link works once and expires at {} (UTC). If you did not ask, ignore this email: your password is unchanged.\n",
                expires.format("%H:%M on %d %B %Y")
            ),
        ),
    };
    tx.execute(
        &Sql::new("INSERT INTO outbox (recipient, subject, body, created_at) VALUES (?, ?, ?, ?)")
            .text(email)
            .text(subject)
            .text(body)
            .instant(now),
        "queueing an email",
    )
    .await?;
    Ok(link)
}

async fn start_session(tx: &mut Tx, person: PersonId, policy: &SignInPolicy) -> crate::Result<NewSession> {
    let now = Utc::now();
    let token = random_token();
    let csrf = random_token();
    tx.execute(
        &Sql::new(
            "INSERT INTO sessions (token_sha256, person_id, csrf, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .text(sha256_hex(&token))
        .int(person)
        .text(csrf.clone())
        .instant(now)
        .instant(now)
        .instant(now + TimeDelta::from_std(policy.session_max).unwrap_or(TimeDelta::hours(12))),
        "starting a session",
    )
    .await?;
    Ok(NewSession { token, csrf, person })
}

impl Db {
    /// Adds people from a staff list in one transaction: all or none. Each row names a person
    /// and a role at a place; a person on several rows gets every role. New people get an
    /// invitation. Returns each row's person and whether they are new.
    pub async fn add_staff(
        &self,
        actor: &Actor,
        rows: &[(Email, String, Grant)],
        base_url: &str,
    ) -> Result<Vec<(PersonId, bool)>, AccountError> {
        let mut tx = self.begin().await?;
        let mut out = Vec::new();
        let mut invited: BTreeSet<PersonId> = BTreeSet::new();
        for (email, name, grant) in rows {
            let existing = tx
                .fetch_one(
                    &Sql::new("SELECT id FROM people WHERE email = ?").text(email.as_str()),
                    "finding a person",
                    |r| r.int("id"),
                )
                .await?
                .flatten();
            let (id, new) = match existing {
                Some(id) => (id, false),
                None => (add_person_tx(&mut tx, actor, email, name).await?, true),
            };
            match add_grant_tx(&mut tx, actor, id, grant).await {
                Ok(_) | Err(AccountError::GrantExists(_)) => {}
                Err(e) => return Err(e),
            }
            if new && invited.insert(id) {
                issue_link_tx(&mut tx, id, email.as_str(), name, TokenPurpose::Invitation, base_url).await?;
                audit::record(&mut tx, actor, Event::new("person.invite", "person", id)).await?;
            }
            out.push((id, new));
        }
        tx.commit().await?;
        Ok(out)
    }
}
