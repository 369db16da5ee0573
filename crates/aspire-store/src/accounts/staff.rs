//! Staff lists: many people and roles added in one transaction.

use super::*;

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
                super::links::issue_link_tx(&mut tx, id, email.as_str(), name, TokenPurpose::Invitation, base_url)
                    .await?;
                audit::record(&mut tx, actor, Event::new("person.invite", "person", id)).await?;
            }
            out.push((id, new));
        }
        tx.commit().await?;
        Ok(out)
    }
}
