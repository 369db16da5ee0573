//! Staff lists: many people and roles added in one transaction.

use super::*;

/// What a staff list's row did for its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffOutcome {
    /// A new account, with the role, and an invitation emailed.
    Invited,
    /// A role given to an account the same list created.
    Added,
    /// The address already had an account: the role is offered, to be accepted by its owner.
    Offered,
    /// The person already holds (or has on offer) the role there.
    Already,
}

impl Db {
    /// Adds people from a staff list in one transaction: all or none. Each row names a person
    /// and a role at a place; a person on several rows gets every role. New people get the role
    /// and an invitation; an address that already has an account is offered the role, which
    /// counts once its owner accepts it (see `offers`). Returns each row's person and outcome.
    pub async fn add_staff(
        &self,
        actor: &Actor,
        rows: &[(Email, String, Grant)],
    ) -> Result<Vec<(PersonId, StaffOutcome)>, AccountError> {
        let mut tx = self.begin().await?;
        let mut out = Vec::new();
        let mut created: BTreeSet<PersonId> = BTreeSet::new();
        for (email, name, grant) in rows {
            let existing = tx
                .fetch_one(
                    &Sql::new("SELECT id FROM people WHERE email = ?").text(email.as_str()),
                    "finding a person",
                    |r| r.person_id("id"),
                )
                .await?
                .flatten();
            let outcome = match existing {
                Some(id) if !created.contains(&id) => match super::offers::offer_tx(&mut tx, actor, id, grant).await? {
                    super::offers::Offered::Made => (id, StaffOutcome::Offered),
                    super::offers::Offered::Already => (id, StaffOutcome::Already),
                },
                Some(id) => match add_grant_tx(&mut tx, actor, id, grant).await {
                    Ok(_) => (id, StaffOutcome::Added),
                    Err(AccountError::GrantExists(_)) => (id, StaffOutcome::Already),
                    Err(e) => return Err(e),
                },
                None => {
                    let id = add_person_tx(&mut tx, actor, email, name).await?;
                    add_grant_tx(&mut tx, actor, id, grant).await?;
                    created.insert(id);
                    super::links::queue_link_email_tx(&mut tx, id, email.as_str(), name, TokenPurpose::Invitation)
                        .await?;
                    audit::record(&mut tx, actor, Event::new(AuditAction::PersonInvite, AuditRecord::Person, id))
                        .await?;
                    (id, StaffOutcome::Invited)
                }
            };
            out.push(outcome);
        }
        tx.commit().await?;
        Ok(out)
    }
}
