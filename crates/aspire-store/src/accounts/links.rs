//! Invitation and password-reset links: a random token, of which only a SHA-256 is stored.

use super::*;

impl Db {
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

pub(super) async fn issue_link_tx(
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
