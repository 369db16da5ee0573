//! Passwords and signing in, with failures slowed per address and client (see
//! [`SignInPolicy`]).
//!
//! Every answer is the same for an address with an account and one without: both are counted,
//! slowed and locked alike, and a password is checked against a hash every time (a stand-in
//! hash when there is no account, or when the attempt is refused anyway), so that neither the
//! answer nor its timing says which addresses have accounts.

use super::*;

/// The key failures are counted under: the SHA-256 of the address, normalised. Whatever is not
/// an address (often a password typed in the wrong box) shares one key, so that no trace of it
/// is kept, not even a hash that a dictionary could reverse.
pub(crate) fn account_key(typed: &str) -> String {
    match Email::parse(typed) {
        Ok(e) => sha256_hex(e.as_str()),
        Err(_) => sha256_hex("(not an address)"),
    }
}

/// The network a client address stands for when requests are counted: an IPv4 address itself,
/// an IPv6 address its /64 (one household, school or server is given a whole /64, so counting
/// each address apart would give one machine endless fresh "clients").
pub fn client_network(ip: std::net::IpAddr) -> std::net::IpAddr {
    use std::net::{IpAddr, Ipv6Addr};
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 64) - 1))),
        },
    }
}

/// [`client_network`] of an address given as text ("192.0.2.1", "2001:db8::1"), as the key
/// requests are counted under; text that is not an address is kept as it is.
pub fn client_key(client: &str) -> String {
    match client.parse::<std::net::IpAddr>() {
        Ok(ip) => match client_network(ip) {
            std::net::IpAddr::V6(net) => format!("{net}/64"),
            v4 => v4.to_string(),
        },
        Err(_) => client.to_owned(),
    }
}

impl Db {
    /// Sets a person's password directly (the command line and the demo; people set their own
    /// through a link). Checks it like any new password, ends the person's sessions and lifts a
    /// lock.
    pub async fn set_password(&self, actor: &Actor, person: PersonId, password: &str) -> Result<(), AccountError> {
        let p = self.person(person).await?.ok_or_else(|| AccountError::NoSuchPerson(person.to_string()))?;
        let email = Email::parse(&p.email).map_err(|_| AccountError::NoSuchPerson(p.email.clone()))?;
        check_new_password(password, &email)?;
        let hash = hash_password(password.to_owned()).await?;
        let mut tx = self.begin().await?;
        tx.execute(
            &Sql::new("UPDATE people SET password_hash = ?, password_set_at = ? WHERE id = ?")
                .text(hash)
                .instant(Utc::now())
                .int(person),
            "setting a password",
        )
        .await?;
        clear_failures_tx(&mut tx, &email).await?;
        tx.execute(&Sql::new("DELETE FROM sessions WHERE person_id = ?").int(person), "ending sessions").await?;
        audit::record(&mut tx, actor, Event::new(AuditAction::PasswordSet, AuditRecord::Person, person)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs a person in.
    ///
    /// An attempt is checked only if it claims the client's turn (the wait after its previous
    /// failures has passed), and claiming the turn counts it as a failure until the password
    /// proves right: of parallel attempts, one is checked per turn, and attempts refused
    /// unchecked do not count, so that they cannot add up to a lock. Success clears this
    /// client's count and starts a session;
    /// a failure that completes the picture of an attack (see [`SignInPolicy`]) locks the
    /// account and emails its owner a reset link.
    pub async fn sign_in(
        &self,
        typed: &str,
        password: &str,
        client: Option<String>,
        policy: &SignInPolicy,
    ) -> Result<NewSession, SignInError> {
        let now = Utc::now();
        let key = account_key(typed);
        let from = client.as_deref().map(client_key).unwrap_or_default();
        let email = Email::parse(typed).ok();
        let account = match &email {
            Some(e) => self
                .fetch_one(
                    &Sql::new("SELECT id, password_hash, disabled FROM people WHERE email = ?").text(e.as_str()),
                    "finding an account",
                    |r| Ok((r.person_id("id")?, r.text("password_hash")?, r.flag("disabled")?.unwrap_or(false))),
                )
                .await?
                .and_then(|(id, hash, disabled)| id.map(|id| (id, hash, disabled))),
            None => None,
        };
        let locked = self
            .fetch_one(
                &Sql::new("SELECT account_key FROM sign_in_locks WHERE account_key = ?").text(key.clone()),
                "checking for a lock",
                |r| r.text("account_key"),
            )
            .await?
            .is_some();
        let forget_before = now - TimeDelta::from_std(policy.forget_after).unwrap_or(TimeDelta::hours(1));
        let day_before = now - TimeDelta::from_std(policy.attack_window).unwrap_or(TimeDelta::days(1));
        // Every client has a row before its turn is claimed, so that the claim is one atomic
        // update whether or not it has failed before.
        self.execute(
            &Sql::new(
                "INSERT INTO sign_in_attempts (account_key, client, failures, first_failed_at, last_failed_at, \
                 day_failures, day_started_at) VALUES (?, ?, 0, ?, ?, 0, ?) ON CONFLICT (account_key, client) DO NOTHING",
            )
            .text(key.clone())
            .text(from.clone())
            .instant(now)
            .instant(now)
            .instant(now),
            "counting an attempt",
        )
        .await?;
        let before = self
            .fetch_one(
                &Sql::new("SELECT failures, last_failed_at FROM sign_in_attempts WHERE account_key = ? AND client = ?")
                    .text(key.clone())
                    .text(from.clone()),
                "counting an attempt",
                |r| Ok((r.int("failures")?, r.instant("last_failed_at")?)),
            )
            .await?;
        let failures = match before {
            Some((Some(n), Some(last))) if last >= forget_before => u32::try_from(n).unwrap_or(u32::MAX - 1) + 1,
            _ => 1,
        };
        // The turn: free attempts, then one attempt each time the wait after the previous
        // failures has passed. Of attempts sent together, only the one that claims the turn is
        // checked, and only a checked attempt counts as a failure (towards the wait and towards
        // an attack): attempts refused unchecked say nothing about the password. Waiting an hour
        // restarts the wait, but not the day's count that an attack is judged on.
        let next_turn = now + TimeDelta::from_std(policy.wait_after(failures)).unwrap_or(TimeDelta::minutes(15));
        let turn = !locked
            && self
                .execute(
                    &Sql::new(
                        "UPDATE sign_in_attempts SET \
                         failures = CASE WHEN last_failed_at < ? THEN 1 ELSE failures + 1 END, \
                         first_failed_at = CASE WHEN last_failed_at < ? THEN ? ELSE first_failed_at END, \
                         last_failed_at = ?, \
                         day_failures = CASE WHEN day_started_at IS NULL OR day_started_at < ? THEN 1 ELSE day_failures + 1 END, \
                         day_started_at = CASE WHEN day_started_at IS NULL OR day_started_at < ? THEN ? ELSE day_started_at END, \
                         turn_until = ? \
                         WHERE account_key = ? AND client = ? AND (turn_until IS NULL OR turn_until <= ?)",
                    )
                    .instant(forget_before)
                    .instant(forget_before)
                    .instant(now)
                    .instant(now)
                    .instant(day_before)
                    .instant(day_before)
                    .instant(now)
                    .instant(next_turn)
                    .text(key.clone())
                    .text(from.clone())
                    .instant(now),
                    "taking a turn",
                )
                .await?
                == 1;
        let hash = match &account {
            Some((_, hash, false)) if turn => hash.clone(),
            _ => None,
        };
        let right = verify_password(password.to_owned(), hash).await;
        if right && let Some((id, _, _)) = account {
            let mut tx = self.begin().await?;
            tx.execute(
                &Sql::new("DELETE FROM sign_in_attempts WHERE account_key = ? AND client = ?")
                    .text(key.clone())
                    .text(from),
                "clearing failures",
            )
            .await?;
            let s = super::sessions::start_session_tx(&mut tx, id, policy).await?;
            let address = email.as_ref().map_or("", |e| e.as_str());
            audit::record(
                &mut tx,
                &Actor::person(id, address, client),
                Event::new(AuditAction::SessionStart, AuditRecord::Person, id),
            )
            .await?;
            tx.commit().await?;
            return Ok(s);
        }
        let refusal = if locked {
            SignInError::Locked
        } else if !turn {
            let wait = self.turn_wait(&key, &from, now).await?;
            SignInError::Throttled(wait.max(1))
        } else {
            SignInError::Wrong
        };
        let reason = match refusal {
            SignInError::Locked => "locked",
            SignInError::Throttled(_) => "too many attempts",
            _ => "wrong address or password",
        };
        let mut tx = self.begin().await?;
        // The address typed is not logged: it is sometimes a password typed in the wrong box.
        let (entity, known) = match &account {
            Some((id, ..)) => (id.to_string(), true),
            None => (String::new(), false),
        };
        audit::record(
            &mut tx,
            &Actor::system(client.clone()),
            Event::new(AuditAction::SessionRefused, AuditRecord::Person, &entity)
                .after(serde_json::json!({ "reason": reason, "account": if known { "known" } else { "unknown" } })),
        )
        .await?;
        if !locked && let Some(lock) = attack(&mut tx, &key, now, policy).await? {
            let inserted = tx
                .execute(
                    &Sql::new(
                        "INSERT INTO sign_in_locks (account_key, locked_at, failures, clients) VALUES (?, ?, ?, ?) \
                         ON CONFLICT (account_key) DO NOTHING",
                    )
                    .text(key.clone())
                    .instant(now)
                    .int(i64::from(lock.0))
                    .int(i64::from(lock.1)),
                    "locking an account",
                )
                .await?;
            if inserted == 1 {
                audit::record(
                    &mut tx,
                    &Actor::system(client),
                    Event::new(AuditAction::PersonLock, AuditRecord::Person, &entity)
                        .after(serde_json::json!({ "failures": lock.0, "clients": lock.1 })),
                )
                .await?;
                if let (Some((id, _, false)), Some(e)) = (&account, &email) {
                    let name = self.person(*id).await?.map(|p| p.name).unwrap_or_default();
                    queue_unlock_email(&mut tx, *id, e.as_str(), &name).await?;
                }
            }
        }
        tx.commit().await?;
        Err(refusal)
    }

    /// Seconds until the client's next turn for an address.
    async fn turn_wait(&self, key: &str, client: &str, now: DateTime<Utc>) -> crate::Result<u64> {
        let until = self
            .fetch_one(
                &Sql::new("SELECT turn_until FROM sign_in_attempts WHERE account_key = ? AND client = ?")
                    .text(key)
                    .text(client),
                "reading a turn",
                |r| r.instant("turn_until"),
            )
            .await?
            .flatten();
        Ok(until.map_or(1, |u| (u - now).num_seconds().max(1) as u64))
    }

    /// Forgets failures older than the attack window (run now and then with the session purge).
    pub(super) async fn purge_sign_in_attempts(&self, policy: &SignInPolicy) -> crate::Result<u64> {
        let before = Utc::now() - TimeDelta::from_std(policy.attack_window).unwrap_or(TimeDelta::days(1));
        let n = self
            .execute(
                &Sql::new("DELETE FROM sign_in_attempts WHERE last_failed_at < ?").instant(before),
                "forgetting old failures",
            )
            .await?;
        Ok(n)
    }
}

/// (failures, clients) when the failures for an address within the attack window amount to an
/// attack: many, from several clients.
async fn attack(
    tx: &mut Tx,
    key: &str,
    now: DateTime<Utc>,
    policy: &SignInPolicy,
) -> crate::Result<Option<(u32, u32)>> {
    let since = now - TimeDelta::from_std(policy.attack_window).unwrap_or(TimeDelta::days(1));
    let row = tx
        .fetch_one(
            &Sql::new(
                "SELECT CAST(COALESCE(SUM(day_failures), 0) AS BIGINT) AS failures, COUNT(*) AS clients \
                 FROM sign_in_attempts WHERE account_key = ? AND day_started_at >= ? AND day_failures > 0",
            )
            .text(key)
            .instant(since),
            "looking for an attack",
            |r| Ok((r.int("failures")?, r.int("clients")?)),
        )
        .await?;
    let Some((Some(failures), Some(clients))) = row else { return Ok(None) };
    let (failures, clients) = (u32::try_from(failures).unwrap_or(u32::MAX), u32::try_from(clients).unwrap_or(u32::MAX));
    Ok((failures >= policy.attack_failures && clients >= policy.attack_clients).then_some((failures, clients)))
}

/// Forgets an address's failures and lifts its lock (a new password has been chosen).
pub(super) async fn clear_failures_tx(tx: &mut Tx, email: &Email) -> crate::Result<()> {
    let key = account_key(email.as_str());
    for table in ["sign_in_attempts", "sign_in_locks"] {
        tx.execute(&Sql::new(format!("DELETE FROM {table} WHERE account_key = ?")).text(key.clone()), "lifting a lock")
            .await?;
    }
    Ok(())
}

/// The email to the owner of a locked account, with a reset link made when it is sent.
async fn queue_unlock_email(tx: &mut Tx, person: PersonId, email: &str, name: &str) -> crate::Result<()> {
    use super::links::{EXPIRY_PLACEHOLDER, LINK_PLACEHOLDER};
    let body = format!(
        "Dear {name},\n\nMany wrong passwords have been tried for your Aspire account, from several places, so it \
         has been locked to keep it safe. Your password has not been changed.\n\n\
         To unlock the account, choose a new password with this link:\n\n{LINK_PLACEHOLDER}\n\n\
         The link works once and expires at {EXPIRY_PLACEHOLDER} (UTC). If it expires, use \"Forgotten your \
         password?\" on the sign-in page. If you see this more than once, tell the programme team.\n"
    );
    super::outbox::queue_tx(
        tx,
        email,
        "Your Aspire account has been locked",
        &body,
        Some((person, TokenPurpose::Reset)),
    )
    .await
}
