//! The programme year in figures: attendance on the days' rolls and whole-school reach, rolled
//! up per term for the programme, per network and per school (and per person, for those who may
//! see people), over the schools the reader sees. Every share carries what it is a share of:
//! the marks taken, the staff listed, the schools with a staff list.

use std::collections::{BTreeMap, BTreeSet};

use aspire_core::access::Visible;
use aspire_core::attendance::Tally;
use aspire_core::people::{NetworkId, PersonId, ProgrammeId};
use aspire_core::template::Term;
use aspire_core::urn::Urn;
use aspire_store::Db;

use crate::programme_year::PlanError;
use crate::reach::{ProgrammeReach, programme_reach};

/// Attendance and reach of a programme's year.
#[derive(Debug, Clone, Default)]
pub struct YearFigures {
    /// The terms of any network's year, in order.
    pub terms: Vec<Term>,
    /// Marks on the rolls of days not cancelled, for the schools read.
    pub attendance: BTreeMap<Term, Tally>,
    pub network_attendance: BTreeMap<(NetworkId, Term), Tally>,
    pub school_attendance: BTreeMap<(Urn, Term), Tally>,
    /// Per person and the school they were marked for, over the year; empty unless asked for.
    pub person_attendance: BTreeMap<(PersonId, Urn), Tally>,
    pub reach: ProgrammeReach,
}

/// The figures of a programme's year over the schools in `visible` that are in a network;
/// `people`: whether to tally each person's marks too.
pub async fn year_figures(
    db: &Db,
    programme: ProgrammeId,
    visible: &Visible,
    people: bool,
) -> Result<YearFigures, PlanError> {
    db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let reach = programme_reach(db, programme, visible).await?;
    let schools: BTreeSet<Urn> = reach.schools.keys().copied().collect();
    let all = Visible::everything();
    let days: BTreeMap<i64, (NetworkId, Term)> = db
        .programme_events(programme, &all)
        .await?
        .into_iter()
        .filter(|e| e.status == aspire_store::EventStatus::Planned)
        .map(|e| (e.id, (e.network, e.term)))
        .collect();
    let mut out = YearFigures::default();
    // A mark counts for the school it was taken for, in the network of the day.
    for m in db.roll_marks(programme, &all).await? {
        let Some((network, term)) = days.get(&m.day).copied() else { continue };
        if !schools.contains(&m.urn) {
            continue;
        }
        out.attendance.entry(term).or_default().add(m.mark);
        out.network_attendance.entry((network, term)).or_default().add(m.mark);
        out.school_attendance.entry((m.urn, term)).or_default().add(m.mark);
        if people {
            out.person_attendance.entry((m.person, m.urn)).or_default().add(m.mark);
        }
    }
    let terms: BTreeSet<Term> = out.attendance.keys().chain(reach.programme.keys()).copied().collect();
    out.terms = terms.into_iter().collect();
    out.reach = reach;
    Ok(out)
}
