//! Passwords and signing in.

use super::*;

impl Db {
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
            let s = super::sessions::start_session_tx(&mut tx, id, policy).await?;
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
}
