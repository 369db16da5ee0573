//! Invitation and password-reset links: a random token, of which only a SHA-256 is stored.
//!
//! A link reaches its person in one of two ways. [`Db::send_link`] queues an email whose body
//! holds a placeholder; the link is made when the email is sent (see `outbox`), so no usable
//! link is ever stored. [`Db::issue_link`] makes a link at once and returns it, for the
//! operator's command line, which hands it over itself. Every unused link of a person and
//! purpose works until it expires; using one ends the others.

use super::*;

/// Where the link goes in a queued email's body, and when it expires.
pub const LINK_PLACEHOLDER: &str = "[[link]]";
pub const EXPIRY_PLACEHOLDER: &str = "[[expires]]";

impl TokenPurpose {
    pub(super) fn from_code(code: &str) -> Option<TokenPurpose> {
        match code {
            "invitation" => Some(TokenPurpose::Invitation),
            "reset" => Some(TokenPurpose::Reset),
            _ => None,
        }
    }

    fn lifetime(self) -> Duration {
        match self {
            TokenPurpose::Invitation => INVITATION_LIFETIME,
            TokenPurpose::Reset => RESET_LIFETIME,
        }
    }

    fn path(self) -> &'static str {
        match self {
            TokenPurpose::Invitation => "invitation",
            TokenPurpose::Reset => "password-reset",
        }
    }

    fn audit_action(self) -> AuditAction {
        match self {
            TokenPurpose::Invitation => AuditAction::PersonInvite,
            TokenPurpose::Reset => AuditAction::PasswordResetRequested,
        }
    }
}

impl Db {
    /// Makes a link for a person now and returns it (the command line shows it to the operator,
    /// who passes it on). Earlier unused links of the same purpose stop working. No email is
    /// queued: [`Db::send_link`] does that.
    pub async fn issue_link(
        &self,
        actor: &Actor,
        person: PersonId,
        purpose: TokenPurpose,
        base_url: &str,
    ) -> Result<String, AccountError> {
        let mut tx = self.begin().await?;
        person_contact(&mut tx, person).await?;
        retire_links(&mut tx, person, purpose).await?;
        let (link, _) = make_link_tx(&mut tx, person, purpose, base_url).await?;
        audit::record(&mut tx, actor, Event::new(purpose.audit_action(), AuditRecord::Person, person)).await?;
        tx.commit().await?;
        Ok(link)
    }

    /// Emails a person a link (an invitation, or a reset): the email is queued in the outbox and
    /// its link is made when it is sent. Earlier unused links of the same purpose stop working,
    /// so that a link sent again replaces one that may have gone astray.
    pub async fn send_link(&self, actor: &Actor, person: PersonId, purpose: TokenPurpose) -> Result<(), AccountError> {
        let mut tx = self.begin().await?;
        let (email, name) = person_contact(&mut tx, person).await?;
        retire_links(&mut tx, person, purpose).await?;
        queue_link_email_tx(&mut tx, person, &email, &name, purpose).await?;
        audit::record(&mut tx, actor, Event::new(purpose.audit_action(), AuditRecord::Person, person)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Asks for a password reset. Says nothing about whether the email has an account: the
    /// email goes out only if it does. Anyone can ask for anyone, so asking neither retires the
    /// links already sent (an unlock link would otherwise die each time someone asked) nor
    /// sends more than one email per account every [`RESET_QUIET`]; using any one link retires
    /// the rest.
    pub async fn request_password_reset(&self, email: &str, client: Option<String>) -> crate::Result<()> {
        let Ok(email) = Email::parse(email) else { return Ok(()) };
        let Some(p) = self.person_by_email(&email).await? else { return Ok(()) };
        if p.disabled {
            return Ok(());
        }
        let since = Utc::now() - TimeDelta::from_std(RESET_QUIET).unwrap_or(TimeDelta::minutes(15));
        let mut tx = self.begin().await?;
        let recent = tx
            .fetch_one(
                &Sql::new(
                    "SELECT id FROM outbox WHERE person_id = ? AND link_purpose = ? AND created_at >= ? \
                     ORDER BY id DESC LIMIT 1",
                )
                .int(p.id)
                .text(TokenPurpose::Reset.code())
                .instant(since),
                "looking for a recent reset email",
                |r| r.int("id"),
            )
            .await?
            .is_some();
        if recent {
            return Ok(());
        }
        queue_link_email_tx(&mut tx, p.id, &p.email, &p.name, TokenPurpose::Reset).await?;
        audit::record(
            &mut tx,
            &Actor::system(client),
            Event::new(TokenPurpose::Reset.audit_action(), AuditRecord::Person, p.id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The person a link belongs to, if it can still be used.
    pub async fn link_person(&self, token: &str, purpose: TokenPurpose) -> Result<Person, AccountError> {
        let (person, _) = check_token(self, token, purpose).await?;
        self.person(person).await?.ok_or(AccountError::TokenUnknown)
    }

    /// Sets a password through an invitation or reset link: checks the link and the password,
    /// stores the hash, uses up the link (and ends the person's other links of that purpose),
    /// unlocks the account and ends every other session.
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
        let now = Utc::now();
        let used = tx
            .execute(
                &Sql::new("UPDATE tokens SET used_at = ? WHERE token_sha256 = ? AND used_at IS NULL")
                    .instant(now)
                    .text(sha256_hex(token)),
                "using a link",
            )
            .await?;
        if used == 0 {
            return Err(AccountError::TokenUsed);
        }
        retire_links(&mut tx, person, purpose).await?;
        tx.execute(
            &Sql::new(
                "UPDATE people SET password_hash = ?, password_set_at = ?, failed_sign_ins = 0, \
                 last_failed_sign_in_at = NULL, locked_until = NULL WHERE id = ?",
            )
            .text(hash)
            .instant(now)
            .int(person),
            "setting a password",
        )
        .await?;
        super::sign_in::clear_failures_tx(&mut tx, &email).await?;
        tx.execute(&Sql::new("DELETE FROM sessions WHERE person_id = ?").int(person), "ending sessions").await?;
        audit::record(
            &mut tx,
            &Actor::person(person, email.as_str(), client),
            Event::new(AuditAction::PasswordSet, AuditRecord::Person, person)
                .after(serde_json::json!({ "through": purpose.code() })),
        )
        .await?;
        tx.commit().await?;
        Ok(person)
    }
}

/// A person's email and name.
async fn person_contact(tx: &mut Tx, person: PersonId) -> Result<(String, String), AccountError> {
    tx.fetch_one(&Sql::new("SELECT email, name FROM people WHERE id = ?").int(person), "finding a person", |r| {
        Ok((present(r.text("email")?, "email")?, present(r.text("name")?, "name")?))
    })
    .await?
    .ok_or_else(|| AccountError::NoSuchPerson(person.to_string()))
}

/// Ends a person's unused links of one purpose.
async fn retire_links(tx: &mut Tx, person: PersonId, purpose: TokenPurpose) -> crate::Result<()> {
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
    Ok(())
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
                    r.person_id("person_id")?,
                    r.instant("expires_at")?,
                    r.instant("used_at")?,
                    present(r.text("email")?, "email")?,
                    r.flag("disabled")?.unwrap_or(false),
                ))
            },
        )
        .await?;
    let Some((Some(person), expires, used, email, disabled)) = row else { return Err(AccountError::TokenUnknown) };
    if used.is_some() {
        return Err(AccountError::TokenUsed);
    }
    if expires.is_none_or(|e| e <= Utc::now()) || disabled {
        return Err(AccountError::TokenExpired);
    }
    Ok((person, email))
}

/// Makes a new token for a person and returns the link and when it expires. Only the token's
/// SHA-256 is stored.
pub(super) async fn make_link_tx(
    tx: &mut Tx,
    person: PersonId,
    purpose: TokenPurpose,
    base_url: &str,
) -> crate::Result<(String, DateTime<Utc>)> {
    let now = Utc::now();
    let token = random_token();
    let expires = now + TimeDelta::from_std(purpose.lifetime()).unwrap_or(TimeDelta::hours(2));
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
    Ok((format!("{}/{}/{token}", base_url.trim_end_matches('/'), purpose.path()), expires))
}

/// How a link's expiry is written in its email.
pub(super) fn expiry_text(purpose: TokenPurpose, expires: DateTime<Utc>) -> String {
    match purpose {
        TokenPurpose::Invitation => expires.format("%d %B %Y at %H:%M").to_string(),
        TokenPurpose::Reset => expires.format("%H:%M on %d %B %Y").to_string(),
    }
}

/// Queues the email that carries a link; the link itself is made when it is sent.
pub(super) async fn queue_link_email_tx(
    tx: &mut Tx,
    person: PersonId,
    email: &str,
    name: &str,
    purpose: TokenPurpose,
) -> crate::Result<()> {
    let (subject, body) = match purpose {
        TokenPurpose::Invitation => (
            "You are invited to Aspire".to_owned(),
            format!(
                "Dear {name},\n\nYou have been invited to Aspire, the school-improvement programme platform.\n\n\
                 To set your password and sign in, open this link:\n\n{LINK_PLACEHOLDER}\n\n\
                 The link works once and expires on {EXPIRY_PLACEHOLDER} (UTC). If you were not expecting this, you can ignore it.\n"
            ),
        ),
        TokenPurpose::Reset => (
            "Reset your Aspire password".to_owned(),
            format!(
                "Dear {name},\n\nSomeone (we hope you) asked to reset the password of your Aspire account.\n\n\
                 To choose a new password, open this link:\n\n{LINK_PLACEHOLDER}\n\n\
                 The link works once and expires at {EXPIRY_PLACEHOLDER} (UTC). If you did not ask, ignore this email: your password is unchanged.\n"
            ),
        ),
    };
    super::outbox::queue_tx(tx, email, &subject, &body, Some((person, purpose))).await
}
