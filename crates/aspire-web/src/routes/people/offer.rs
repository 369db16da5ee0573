//! What the People page's forms offer and accept: the places and roles the viewer may give
//! (a head teacher: school roles in their own schools, by name; the team: everything its
//! scope allows), so that no choice on the form ends in a refusal, and the checked grant
//! from what was sent.

use aspire_core::access::{Action, Decision, Place, Principal, Record};
use aspire_core::people::{Grant, Role, Scope};
use aspire_core::text::capitalise;
use aspire_core::urn::Urn;

use crate::{AppState, WebError};

/// The places a role can be given at, as offered in the forms: (value, label). Someone who
/// gives roles only in their own schools (a head teacher) is offered those schools by name; a
/// school by its URN is offered only to those who may give roles in a programme or everywhere.
pub(super) async fn where_options(state: &AppState, p: &Principal) -> Result<Vec<(String, String)>, WebError> {
    let mut out = Vec::new();
    if p.may(Action::Change, Record::Person, &Place::NOWHERE) {
        out.push(("platform".to_owned(), "Everywhere (administrators only)".to_owned()));
    }
    let all = p.visible(Action::Change, Record::Person);
    let mut wide = !out.is_empty();
    for prog in state.db.programmes(&all, &all).await? {
        if !p.may(Action::Change, Record::Person, &Place::programme(prog.id)) {
            continue;
        }
        wide = true;
        out.push((format!("programme:{}", prog.id), format!("Programme: {}", prog.name)));
        for n in state.db.networks(prog.id, &all).await? {
            out.push((format!("network:{}", n.id), format!("Network: {} ({})", n.name, prog.name)));
        }
        // The authorities of the programme's schools, for local authority officers.
        for la in state.db.programme_las(prog.id, &all).await? {
            out.push((
                format!("la:{}:{}", prog.id, la.la),
                format!("Local authority: {} ({}), in {}", la.name, la.la, prog.name),
            ));
        }
    }
    for u in own_schools(p) {
        let name = state.db.school_position(u).await?.and_then(|(n, _)| n).unwrap_or_else(|| format!("URN {u}"));
        out.push((format!("school:{u}"), format!("Your school: {name} (URN {u})")));
    }
    if wide {
        out.push(("school".to_owned(), "A school (give its URN)".to_owned()));
    }
    Ok(out)
}

/// The schools where the person holds a role that lets them change people there.
fn own_schools(p: &Principal) -> Vec<Urn> {
    let mut out: Vec<Urn> = p
        .grants
        .iter()
        .filter_map(|g| match g.scope {
            Scope::School(u) if aspire_core::access::capability(g.role, Action::Change, Record::Person) => Some(u),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The roles the viewer may give at one of the places offered (`places`, from
/// [`where_options`]), so that a form never offers a role that it would then refuse.
pub(super) fn grantable_roles(p: &Principal, places: &[(String, String)]) -> Vec<(&'static str, &'static str)> {
    use aspire_core::people::{NetworkId, ScopeKind};
    let team = p.grants.iter().any(|g| matches!(g.role, Role::Admin | Role::ProgrammeAdmin));
    let may = |role: Role| {
        places.iter().any(|(value, _)| {
            let (scope, place) = match (value.as_str(), value.split_once(':')) {
                ("platform", _) => (Scope::Platform, Place::NOWHERE),
                // Any school by its URN: school roles, which the team gives in its schools.
                ("school", _) => return role.is_school_role() && team,
                (_, Some(("programme", id))) => {
                    let Ok(id) = id.parse() else { return false };
                    if role.scope_kind() == ScopeKind::Network {
                        // Any of the programme's networks: the policy asks only which programme.
                        let n = NetworkId::new(0);
                        (Scope::Network { programme: id, network: n }, Place::network(id, n))
                    } else {
                        (Scope::Programme(id), Place::programme(id))
                    }
                }
                (_, Some(("school", u))) => {
                    let Ok(u) = Urn::parse(u) else { return false };
                    (Scope::School(u), Place::school(u))
                }
                (_, Some(("la", rest))) => {
                    let Some((programme, la)) = la_place(rest) else { return false };
                    (Scope::LocalAuthority { programme, la }, Place::programme(programme))
                }
                _ => return false,
            };
            Grant::new(role, scope, false).is_ok_and(|g| p.may_grant(&g, &place).allowed())
        })
    };
    Role::ALL.iter().copied().filter(|r| may(*r)).map(|r| (r.code(), r.label())).collect()
}

/// A local authority in a programme as the forms name it after `la:`: "<programme>:<LA code>".
fn la_place(rest: &str) -> Option<(aspire_core::people::ProgrammeId, aspire_core::codes::LaCode)> {
    let (id, code) = rest.split_once(':')?;
    Some((id.parse().ok()?, aspire_core::codes::LaCode::parse(code).ok()?))
}

/// Whether the viewer may give the pupil-data permission anywhere.
pub(super) fn gives_pupil_data(p: &Principal) -> bool {
    p.grants.iter().any(|g| matches!(g.role, Role::Admin | Role::ProgrammeAdmin))
}

/// Reads the role and place a form names, and checks the viewer may give it there.
/// Why a role cannot be given: a problem with what was typed (said to the person), or a
/// failure of ours (the 500 page; a database's words never reach a form).
pub(super) enum GrantProblem {
    /// The form field it is about ("role", "place" or "urn"), and what to do.
    Said(&'static str, String),
    Store(aspire_store::StoreError),
}

/// A problem with where the role is held (the usual one).
impl From<String> for GrantProblem {
    fn from(s: String) -> Self {
        GrantProblem::Said("place", s)
    }
}

impl From<&str> for GrantProblem {
    fn from(s: &str) -> Self {
        GrantProblem::Said("place", s.to_owned())
    }
}

impl From<aspire_store::StoreError> for GrantProblem {
    fn from(e: aspire_store::StoreError) -> Self {
        GrantProblem::Store(e)
    }
}

impl From<GrantProblem> for WebError {
    fn from(g: GrantProblem) -> Self {
        match g {
            GrantProblem::Said(_, s) => WebError::BadRequest(s),
            GrantProblem::Store(e) => e.into(),
        }
    }
}

pub(super) async fn grant_from_form(
    state: &AppState,
    p: &Principal,
    role: &str,
    place: &str,
    urn: Option<&str>,
    pupil_data: bool,
) -> Result<Grant, GrantProblem> {
    // The form offers a list: say so, rather than the codes the command line reads.
    let role = match role.trim() {
        "" => return Err(GrantProblem::Said("role", "Choose a role from the list.".into())),
        r => Role::parse(r)
            .map_err(|_| GrantProblem::Said("role", format!("'{r}' is not a role: choose one from the list.")))?,
    };
    let (scope, places) = match place.trim() {
        "platform" => (Scope::Platform, vec![Place::NOWHERE]),
        "school" => {
            let raw = urn.unwrap_or("").trim();
            let u = Urn::parse(raw).map_err(|e| GrantProblem::Said("urn", format!("School URN: {e}.")))?;
            if !state.db.known_urns(&[u].into()).await?.contains(&u) {
                return Err(GrantProblem::Said("urn", format!("URN {u} is not in the register.")));
            }
            (Scope::School(u), state.db.school_places(u).await?)
        }
        other => match other.split_once(':') {
            Some(("programme", id)) => {
                let id: aspire_core::people::ProgrammeId =
                    id.parse().map_err(|_| format!("'{other}' is not a place."))?;
                (Scope::Programme(id), vec![Place::programme(id)])
            }
            Some(("school", u)) => {
                let u = Urn::parse(u).map_err(|_| format!("'{other}' is not a place."))?;
                (Scope::School(u), vec![Place::school(u)])
            }
            Some(("network", id)) => {
                let id: aspire_core::people::NetworkId =
                    id.parse().map_err(|_| format!("'{other}' is not a place."))?;
                let n = state.db.network(id).await?.ok_or("There is no such network.")?;
                (Scope::Network { programme: n.programme, network: n.id }, vec![Place::network(n.programme, n.id)])
            }
            Some(("la", rest)) => {
                let (programme, la) = la_place(rest).ok_or_else(|| format!("'{other}' is not a place."))?;
                (Scope::LocalAuthority { programme, la }, vec![Place::programme(programme)])
            }
            _ => return Err(format!("'{other}' is not a place: choose where the role is held.").into()),
        },
    };
    let grant = Grant::new(role, scope, pupil_data).map_err(|e| format!("{}.", capitalise(&e.to_string())))?;
    let mut why = "you cannot give this role here";
    for pl in &places {
        match p.may_grant(&grant, pl) {
            Decision::Allow => return Ok(grant),
            Decision::Deny(w) => why = w,
        }
    }
    Err(format!("{}.", capitalise(why)).into())
}
