//! Inviting a person: an address new to Aspire becomes an account holding the role, with an
//! invitation link emailed through the outbox; an address that has an account already is
//! offered the role (the web) or given it (the operator at the command line). A role given to
//! someone the viewer sees is held at once only at a place where they hold a role already.

use aspire_core::people::{Email, Grant, PersonId};
use aspire_store::{AccountError, Actor, Db, Person, StoreError, TokenPurpose};

/// What to do when the address invited has an account already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfAccountExists {
    /// Offer the role, which counts once its owner accepts it, so that no one can attach
    /// another person's account to their school.
    Offer,
    /// Give the role at once: the operator, who may give any role anywhere.
    Give,
}

/// Someone to invite, with the role they are to hold.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub email: Email,
    /// Their name as others see it.
    pub name: String,
    pub grant: Grant,
    pub if_exists: IfAccountExists,
    /// Also make an invitation link to hand over directly (the command line prints it), on
    /// this address of the service.
    pub link_for: Option<String>,
}

/// What inviting did.
#[derive(Debug, Clone)]
pub enum Invited {
    /// A new account, its invitation email in the outbox.
    Added { person: PersonId, link: Option<String> },
    /// The existing account was offered the role.
    Offered(Person),
    /// The existing account was given the role.
    Given(Person),
}

/// Why the person cannot be invited.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("{0}")]
    Account(#[from] AccountError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What giving a role to someone with an account did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleGiven {
    /// Held at once: they hold a role at that place already (a head changing a colleague's role
    /// in their own school).
    Given,
    /// Offered by email: a place where they hold no role counts only once they accept it.
    Offered,
    /// On offer to them already, unanswered.
    OnOffer,
}

/// Gives a person with an account a role: at once where they already hold a role at the same
/// place, else as an offer they accept, so that no one attaches another person's account to a
/// place of their choosing.
pub async fn give_role(db: &Db, actor: &Actor, person: &Person, grant: &Grant) -> Result<RoleGiven, AccountError> {
    if person.grants.iter().any(|g| g.grant.scope == grant.scope) {
        db.add_grant(actor, person.id, grant).await?;
        return Ok(RoleGiven::Given);
    }
    Ok(match db.offer_grant(actor, person.id, grant).await? {
        aspire_store::Offered::Made => RoleGiven::Offered,
        aspire_store::Offered::Already => RoleGiven::OnOffer,
    })
}

/// Invites a person (see the module's comment).
pub async fn invite(db: &Db, actor: &Actor, inv: &Invitation) -> Result<Invited, InviteError> {
    if let Some(existing) = db.person_by_email(&inv.email).await? {
        return Ok(match inv.if_exists {
            IfAccountExists::Offer => {
                db.offer_grant(actor, existing.id, &inv.grant).await?;
                Invited::Offered(existing)
            }
            IfAccountExists::Give => {
                db.add_grant(actor, existing.id, &inv.grant).await?;
                Invited::Given(existing)
            }
        });
    }
    let person = db.add_person(actor, &inv.email, &inv.name, std::slice::from_ref(&inv.grant)).await?;
    // The email first: queueing it ends older links, and a link handed over must still work.
    db.send_link(actor, person, TokenPurpose::Invitation).await?;
    let link = match &inv.link_for {
        Some(base) => Some(db.issue_link(actor, person, TokenPurpose::Invitation, base).await?),
        None => None,
    };
    Ok(Invited::Added { person, link })
}
