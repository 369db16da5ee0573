//! Recruitment as the public sees it: the programmes open to schools, where they recruit, and
//! the networks they have published. All of it is public by design (the "join" page), so it is
//! read whole, for anyone.

use aspire_core::access::Visible;
use aspire_store::{Db, Programme, ProgrammeArea, StoreError};

/// A programme recruiting in named areas, with its published networks (name, schools).
#[derive(Debug, Clone)]
pub struct OpenProgramme {
    pub programme: Programme,
    pub areas: Vec<ProgrammeArea>,
    pub published: Vec<(String, usize)>,
}

/// Every programme that names the areas it recruits in: what `/join` offers.
pub async fn open_programmes(db: &Db) -> Result<Vec<OpenProgramme>, StoreError> {
    let public = Visible::everything();
    let mut out = Vec::new();
    for programme in db.programmes(&public, &public).await? {
        let areas = db.programme_areas(programme.id).await?;
        if areas.is_empty() {
            continue;
        }
        // Only published networks are public.
        let published = db
            .networks(programme.id, &public)
            .await?
            .into_iter()
            .filter(|n| n.published_at.is_some())
            .map(|n| (n.name, n.schools))
            .collect();
        out.push(OpenProgramme { programme, areas, published });
    }
    Ok(out)
}
