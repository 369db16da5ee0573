//! The programme year in figures (`aspire_app::figures`): attendance and whole-school reach per
//! term for the programme, per network and per school, over the schools the viewer sees; and,
//! for those who see people, each person's marks. The guard has asked to view the programme.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;

use aspire_core::access::{Action, Place, Record};
use aspire_core::attendance::Tally;
use aspire_core::people::{NetworkId, ProgrammeId};
use aspire_core::reach::ReachTotal;
use aspire_core::text::capitalise;
use aspire_store::Programme;

use crate::auth::Viewer;
use crate::extract::Path;
use crate::routes::page;
use crate::routes::programmes::find_programme;
use crate::{AppState, WebError};

/// Above this many schools, the schools' table waits for a network to be chosen.
const SCHOOLS_AT_ONCE: usize = 60;

/// One row of figures: attendance (marks taken, came) and reach.
struct Row {
    /// What the row is of: a term, "network, term", "school, term".
    cells: Vec<String>,
    marked: u32,
    came: u32,
    attendance: String,
    schools: String,
    /// For one school: whether it has a staff list.
    listed: bool,
    staff: String,
    reached: String,
    reach: String,
}

fn share(part: u32, whole: u32) -> String {
    match whole {
        0 => "no figure".to_owned(),
        _ => format!("{:.0}%", f64::from(part) * 100.0 / f64::from(whole)),
    }
}

fn row(cells: Vec<String>, t: Option<&Tally>, r: Option<&ReachTotal>) -> Row {
    let t = t.cloned().unwrap_or_default();
    let r = r.cloned().unwrap_or_default();
    let came = t.present + t.late;
    // No staff list, no figure: a dash, never a zero.
    let counted = |n: u32| if r.with_list > 0 { n.to_string() } else { "–".to_owned() };
    Row {
        cells,
        marked: t.marked(),
        came,
        attendance: share(came, t.marked()),
        schools: format!("{} of {}", r.with_list, r.schools),
        listed: r.with_list > 0,
        staff: counted(r.staff),
        reached: counted(r.reached),
        reach: share(r.reached, r.staff),
    }
}

struct PersonRow {
    name: String,
    school: String,
    present: u32,
    late: u32,
    absent: u32,
    apologies: u32,
    attendance: String,
}

#[derive(Template)]
#[template(path = "figures.html")]
struct FiguresPage {
    programme: Programme,
    programme_rows: Vec<Row>,
    network_rows: Vec<Row>,
    school_rows: Vec<Row>,
    /// Networks to choose for the schools' table (id, name, chosen).
    networks: Vec<(i64, String, bool)>,
    /// Why the schools' table is empty, when it is.
    schools_wait: Option<String>,
    people: Vec<PersonRow>,
    see_people: bool,
    /// Whether the viewer sees every school of the programme (else the figures are of theirs).
    whole: bool,
    network_chosen: bool,
    set_aside: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Html<String>, WebError> {
    let wanted = q.get("network").map(String::as_str).unwrap_or("");
    let here = Place::programme(id);
    let p = viewer.require(Action::View, Record::Programme, &here)?;
    let programme = find_programme(&state, id).await?;
    let visible = p.visible(Action::View, Record::Enrolment);
    // Each person's marks, for those who see the programme's people (the team).
    let see_people = p.may(Action::View, Record::Person, &here);
    let figures = aspire_app::figures::year_figures(&state.db, id, &visible, see_people)
        .await
        .map_err(|e| WebError::BadRequest(format!("{}.", capitalise(e.to_string().trim_end_matches('.')))))?;
    let mut network_ids: Vec<NetworkId> = figures.reach.networks.keys().copied().collect();
    network_ids.sort();
    let mut names: BTreeMap<NetworkId, String> = state
        .db
        .networks(id, &p.visible(Action::View, Record::Network))
        .await?
        .into_iter()
        .map(|n| (n.id, n.name))
        .collect();
    // A reader who sees schools but not networks (an LA officer) reads their networks' names.
    for n in &network_ids {
        if !names.contains_key(n) {
            names.extend(state.db.network(*n).await?.map(|x| (x.id, x.name)));
        }
    }
    let name = |n: &NetworkId| names.get(n).cloned().unwrap_or_else(|| format!("Network {n}"));
    let chosen = network_ids.iter().copied().find(|n| n.to_string() == wanted);
    let set_aside = (!wanted.is_empty() && chosen.is_none())
        .then(|| format!("There is no network '{wanted}' here to show, so every network is shown."));
    let programme_rows = figures
        .terms
        .iter()
        .map(|t| row(vec![t.label()], figures.attendance.get(t), figures.reach.programme.get(t)))
        .collect();
    let mut network_rows = Vec::new();
    for n in &network_ids {
        for t in &figures.terms {
            let r = figures.reach.networks.get(n).and_then(|x| x.get(t));
            let a = figures.network_attendance.get(&(*n, *t));
            if r.is_some() || a.is_some() {
                network_rows.push(row(vec![name(n), t.label()], a, r));
            }
        }
    }
    let shown: Vec<_> = figures.reach.schools.iter().filter(|(_, (n, _))| chosen.is_none_or(|c| c == *n)).collect();
    let every: Vec<_> = figures.reach.schools.keys().copied().collect();
    let school_names = state.db.school_names(&every).await?;
    let school_name = |u: &aspire_core::urn::Urn| school_names.get(u).cloned().unwrap_or_else(|| format!("School {u}"));
    let (school_rows, schools_wait) = if chosen.is_none() && shown.len() > SCHOOLS_AT_ONCE {
        let wait = format!("{} schools: choose a network to see its schools' figures.", shown.len());
        (Vec::new(), Some(wait))
    } else {
        // By network, then school, by name.
        let mut ordered = shown.clone();
        ordered.sort_by_key(|(u, (n, _))| (name(n), school_name(u)));
        let mut rows = Vec::new();
        for (u, (n, terms)) in ordered {
            let school = school_name(u);
            for (t, r) in terms {
                let mut total = ReachTotal::default();
                total.add(r);
                let a = figures.school_attendance.get(&(*u, *t));
                rows.push(row(vec![school.clone(), name(n), t.label()], a, Some(&total)));
            }
        }
        (rows, None)
    };
    let mut people = Vec::new();
    let people_names: BTreeMap<aspire_core::people::PersonId, String> = match see_people {
        true => state.db.people(&p.visible(Action::View, Record::Person), None).await?,
        false => Vec::new(),
    }
    .into_iter()
    .map(|x| (x.id, x.name))
    .collect();
    // Marked for a school of the network chosen, when one is.
    for ((person, urn), t) in &figures.person_attendance {
        let network = figures.reach.schools.get(urn).map(|(n, _)| *n);
        if chosen.is_some() && network != chosen {
            continue;
        }
        let name = people_names.get(person).cloned().unwrap_or_else(|| format!("Person {person}"));
        people.push(PersonRow {
            name,
            school: school_name(urn),
            present: t.present,
            late: t.late,
            absent: t.absent,
            apologies: t.apologies,
            attendance: share(t.present + t.late, t.marked()),
        });
    }
    people.sort_by(|a, b| a.name.cmp(&b.name).then(a.school.cmp(&b.school)));
    page(FiguresPage {
        programme,
        programme_rows,
        network_rows,
        school_rows,
        networks: network_ids.iter().map(|n| (i64::from(*n), name(n), Some(*n) == chosen)).collect(),
        schools_wait,
        people,
        see_people,
        whole: p.may(Action::View, Record::Enrolment, &here),
        network_chosen: chosen.is_some(),
        set_aside,
    })
}
