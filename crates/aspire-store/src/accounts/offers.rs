//! Roles offered to people who already have an account.
//!
//! Giving a role to an account someone else holds would let the giver attach any account to
//! their school (and then read it). So an invitation to an address that already has an account
//! becomes an offer: it is emailed to the owner, listed on their account page, and counts only
//! once they accept it. Whoever offers must be able to give the role directly (the caller checks
//! `Principal::may_grant`).

use super::grants::{LA_JOIN, LA_NAME};
use super::*;

/// A role offered to a person, waiting for their answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    pub id: i64,
    pub grant: Grant,
    /// "School: 105626 Alexandra Park Junior School" and the like.
    pub place: String,
    /// Who offered it (their email, or "command line").
    pub offered_by: String,
    pub created_at: DateTime<Utc>,
}

/// What offering a role did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offered {
    /// The offer was made and emailed.
    Made,
    /// The person already holds the role there, or has it on offer: nothing new.
    Already,
}

const OFFER_JOINS: &str = "FROM role_offers g LEFT JOIN programmes p ON p.id = g.programme_id \
     LEFT JOIN networks n ON n.id = g.network_id LEFT JOIN schools s ON s.urn = g.urn";

impl Db {
    /// Offers a role to a person who has an account; they accept or decline it on their account
    /// page.
    pub async fn offer_grant(&self, actor: &Actor, person: PersonId, grant: &Grant) -> Result<Offered, AccountError> {
        let mut tx = self.begin().await?;
        let made = offer_tx(&mut tx, actor, person, grant).await?;
        tx.commit().await?;
        Ok(made)
    }

    /// The roles on offer to a person, oldest first.
    pub async fn offers(&self, person: PersonId) -> crate::Result<Vec<Offer>> {
        Ok(self
            .fetch(
                &Sql::new(format!(
                    "SELECT g.id, g.role, g.scope_key, g.programme_id, g.network_id, g.urn, g.pupil_data, g.offered_by, \
                     g.created_at, p.name AS programme_name, n.name AS network_name, s.name AS school_name, {LA_NAME} \
                     {OFFER_JOINS} {LA_JOIN} WHERE g.person_id = ? AND g.answered_at IS NULL ORDER BY g.id"
                ))
                .int(person),
                "reading offered roles",
                |r| {
                    let Some((id, grant)) = read_grant(r)? else { return Ok(None) };
                    Ok(Some(Offer {
                        id,
                        place: place_label(r, &grant)?,
                        grant,
                        offered_by: present(r.text("offered_by")?, "offered_by")?,
                        created_at: present(r.instant("created_at")?, "created_at")?,
                    }))
                },
            )
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    /// The person's answer to an offer of theirs: accepting gives them the role.
    pub async fn answer_offer(
        &self,
        person: PersonId,
        offer: i64,
        accept: bool,
        client: Option<String>,
    ) -> Result<(), AccountError> {
        let Some(o) = self.offers(person).await?.into_iter().find(|o| o.id == offer) else {
            return Err(AccountError::NoSuchOffer);
        };
        let email = self.person(person).await?.map(|p| p.email).unwrap_or_default();
        let actor = Actor::person(person, &email, client);
        let mut tx = self.begin().await?;
        let answered = tx
            .execute(
                &Sql::new(
                    "UPDATE role_offers SET answered_at = ?, accepted = ? WHERE id = ? AND person_id = ? AND answered_at IS NULL",
                )
                .instant(Utc::now())
                .flag(accept)
                .int(offer)
                .int(person),
                "answering an offer",
            )
            .await?;
        if answered == 0 {
            return Err(AccountError::NoSuchOffer);
        }
        if accept {
            match add_grant_tx(&mut tx, &actor, person, &o.grant).await {
                Ok(_) | Err(AccountError::GrantExists(_)) => {}
                Err(e) => return Err(e),
            }
        }
        audit::record(
            &mut tx,
            &actor,
            role_event(if accept { AuditAction::RoleAccept } else { AuditAction::RoleDecline }, person, o.grant.scope)
                .after(serde_json::json!({ "role": o.grant, "offered_by": o.offered_by })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Withdraws an unanswered offer, made by mistake: it can no longer be accepted, and the
    /// person is told. Who may do it (whoever may give that role there) is decided before.
    pub async fn withdraw_offer(&self, actor: &Actor, person: PersonId, offer: i64) -> Result<(), AccountError> {
        let Some(o) = self.offers(person).await?.into_iter().find(|o| o.id == offer) else {
            return Err(AccountError::NoSuchOffer);
        };
        let someone = self.person(person).await?.ok_or_else(|| AccountError::NoSuchPerson(person.to_string()))?;
        let mut tx = self.begin().await?;
        let withdrawn = tx
            .execute(
                &Sql::new(
                    "UPDATE role_offers SET answered_at = ?, accepted = ? WHERE id = ? AND person_id = ? AND answered_at IS NULL",
                )
                .instant(Utc::now())
                .flag(false)
                .int(offer)
                .int(person),
                "withdrawing an offer",
            )
            .await?;
        if withdrawn == 0 {
            return Err(AccountError::NoSuchOffer);
        }
        let by = actor_name(&mut tx, actor).await?;
        let body = format!(
            "Dear {},\n\n{by} has withdrawn the role you were offered in Aspire, {} ({}): it can no longer be \
             accepted, and there is nothing for you to do.\n",
            someone.name,
            o.grant.role.label(),
            o.place
        );
        super::outbox::queue_tx(&mut tx, &someone.email, "A role offered to you in Aspire is withdrawn", &body, None)
            .await?;
        audit::record(
            &mut tx,
            actor,
            role_event(AuditAction::RoleOfferWithdraw, person, o.grant.scope)
                .before(serde_json::json!({ "role": o.grant, "offered_by": o.offered_by })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Who acts, as a letter names them: by name where they are a person, their label otherwise.
async fn actor_name(tx: &mut Tx, actor: &Actor) -> crate::Result<String> {
    Ok(match actor.person {
        Some(p) => tx
            .fetch_one(&Sql::new("SELECT name FROM people WHERE id = ?").int(p), "naming who acts", |r| r.text("name"))
            .await?
            .flatten()
            .unwrap_or_else(|| actor.label.clone()),
        None => actor.label.clone(),
    })
}

/// Makes an offer (unless the person holds the role there or has it on offer) and emails it.
pub(super) async fn offer_tx(tx: &mut Tx, actor: &Actor, person: PersonId, g: &Grant) -> Result<Offered, AccountError> {
    let (key, programme, network, urn) = scope_columns(g.scope);
    let held = tx
        .fetch_one(
            &Sql::new(
                "SELECT person_id AS x FROM grants WHERE person_id = ? AND role = ? AND scope_key = ? \
                 UNION ALL SELECT person_id AS x FROM role_offers WHERE person_id = ? AND role = ? AND scope_key = ? AND answered_at IS NULL",
            )
            .int(person)
            .text(g.role.code())
            .text(key.clone())
            .int(person)
            .text(g.role.code())
            .text(key.clone()),
            "checking roles",
            |r| r.int("x"),
        )
        .await?;
    if held.is_some() {
        return Ok(Offered::Already);
    }
    if let Some(why) = super::grants::adviser_inside(tx, person, g).await? {
        return Err(AccountError::AdviserInside(why));
    }

    let (email, name, has_password) = tx
        .fetch_one(
            &Sql::new("SELECT email, name, password_hash IS NOT NULL AS has_password FROM people WHERE id = ?")
                .int(person),
            "finding a person",
            |r| {
                Ok((
                    present(r.text("email")?, "email")?,
                    present(r.text("name")?, "name")?,
                    r.flag("has_password")?.unwrap_or(false),
                ))
            },
        )
        .await?
        .ok_or_else(|| AccountError::NoSuchPerson(person.to_string()))?;
    let by = actor_name(tx, actor).await?;
    let id = tx
        .fetch_one(
            &Sql::new(
                "INSERT INTO role_offers (person_id, role, scope_key, programme_id, network_id, urn, pupil_data, offered_by, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .int(person)
            .text(g.role.code())
            .text(key)
            .opt_int(programme)
            .opt_int(network)
            .opt_int(urn)
            .flag(g.pupil_data)
            .text(actor.label.clone())
            .instant(Utc::now()),
            "offering a role",
            |r| r.int("id"),
        )
        .await?
        .flatten();
    let place = tx
        .fetch_one(
            &Sql::new(format!(
                "SELECT g.id, g.role, g.scope_key, g.programme_id, g.network_id, g.urn, g.pupil_data, \
                 p.name AS programme_name, n.name AS network_name, s.name AS school_name, {LA_NAME} {OFFER_JOINS} {LA_JOIN} WHERE g.id = ?"
            ))
            .opt_int(id),
            "naming a place",
            |r| match read_grant(r)? {
                Some((_, grant)) => Ok(Some(place_label(r, &grant)?)),
                None => Ok(None),
            },
        )
        .await?
        .flatten()
        .unwrap_or_default();
    // Someone invited who has not chosen a password yet cannot sign in: they finish that first.
    let how = if has_password {
        "Sign in and accept or decline it on your account page"
    } else {
        "Your account is not set up yet: choose your password from the invitation email first (or ask for a new \
         link with \"Forgotten your password?\" on the sign-in page), then accept or decline it on your account page"
    };
    let body = format!(
        "Dear {name},\n\n{by} has offered you a role in Aspire: {} ({place}).\n\n\
         It counts only once you accept it. {how}:\n\n\
         {}/account\n\nIf you do not know why you were offered it, decline it.\n",
        g.role.label(),
        super::outbox::SITE_PLACEHOLDER
    );
    super::outbox::queue_tx(tx, &email, "You have been offered a role in Aspire", &body, None).await?;
    audit::record(tx, actor, role_event(AuditAction::RoleOffer, person, g.scope).after(g)).await?;
    Ok(Offered::Made)
}
