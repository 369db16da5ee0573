//! Server-side sessions: the cookie holds a random token, the database its SHA-256.

use super::*;

impl Db {
    /// Starts a session for a person without a password (the command line's `user` tools and
    /// tests use it; the web signs in through [`Db::sign_in`]).
    pub async fn start_session(&self, person: PersonId, policy: &SignInPolicy) -> crate::Result<NewSession> {
        let mut tx = self.begin().await?;
        let s = start_session_tx(&mut tx, person, policy).await?;
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
                        present(r.person_id("person_id")?, "person_id")?,
                        present(r.text("csrf")?, "csrf")?,
                        present(r.instant("last_seen_at")?, "last_seen_at")?,
                        present(r.text("email")?, "email")?,
                        present(r.text("name")?, "name")?,
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
            audit::record(
                &mut tx,
                actor,
                Event::new(
                    AuditAction::SessionEnd,
                    AuditRecord::Person,
                    actor.person.map_or_else(String::new, |p| p.to_string()),
                ),
            )
            .await?;
        }
        tx.commit().await
    }

    /// Removes sessions that have expired (run now and then; expired ones are refused anyway).
    /// Also forgets failed sign-ins older than the policy's attack window.
    pub async fn purge_sessions(&self, policy: &SignInPolicy) -> crate::Result<u64> {
        let now = Utc::now();
        let idle_since = now - TimeDelta::from_std(policy.session_idle).unwrap_or(TimeDelta::hours(2));
        let n = self
            .execute(
                &Sql::new("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?")
                    .instant(now)
                    .instant(idle_since),
                "removing expired sessions",
            )
            .await?;
        self.purge_sign_in_attempts(policy).await?;
        Ok(n)
    }
}

pub(super) async fn start_session_tx(
    tx: &mut Tx,
    person: PersonId,
    policy: &SignInPolicy,
) -> crate::Result<NewSession> {
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
