//! A local authority's view of a programme: its schools taking part, their stages and networks,
//! and the counts by stage and by network. Read only; who may see it is decided before.

use aspire_core::access::Visible;
use aspire_core::codes::LaCode;
use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::Stage;
use aspire_store::{Db, Enrolment, StoreError};

/// What an authority's page shows.
#[derive(Debug, Clone)]
pub struct LaOverview {
    pub la: LaCode,
    /// The authority's name as the register gives it ("LA 353" when no school names it).
    pub name: String,
    pub schools: Vec<Enrolment>,
    /// Every stage, in the pipeline's order, with how many of the schools are at it.
    pub by_stage: Vec<(Stage, usize)>,
    /// Each network holding the authority's schools, with how many; "Not yet in a network" last.
    pub by_network: Vec<(String, usize)>,
}

/// The authority's schools in the programme that `visible` allows, with their counts.
pub async fn overview(
    db: &Db,
    programme: ProgrammeId,
    la: LaCode,
    visible: &Visible,
) -> Result<LaOverview, StoreError> {
    let schools = db.la_enrolments(programme, la, visible).await?;
    let name = schools.iter().find_map(|s| s.la_name.clone()).unwrap_or_else(|| format!("LA {la}"));
    let by_stage = Stage::ALL.iter().map(|&st| (st, schools.iter().filter(|s| s.status == st).count())).collect();
    let mut by_network: Vec<(String, usize)> = Vec::new();
    for s in schools.iter().filter(|s| s.network.is_some()) {
        let n = s.network_name.clone().unwrap_or_default();
        match by_network.iter_mut().find(|(name, _)| *name == n) {
            Some((_, c)) => *c += 1,
            None => by_network.push((n, 1)),
        }
    }
    by_network.sort();
    let outside = schools.iter().filter(|s| s.network.is_none()).count();
    if outside > 0 {
        by_network.push(("Not yet in a network".to_owned(), outside));
    }
    Ok(LaOverview { la, name, schools, by_stage, by_network })
}
