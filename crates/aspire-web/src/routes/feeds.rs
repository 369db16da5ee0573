//! Calendar feeds on the account page: a person makes an address their calendar program
//! subscribes to (their own days, a school's, a network's or a whole programme's, as their roles
//! allow), sees it once, and revokes it. Only a hash of the address is kept, so it is shown once.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use aspire_core::access::{Action, Place, Principal, Record};
use aspire_core::people::{ProgrammeId, Role, Scope};
use aspire_store::FeedScope;

use crate::auth::Viewer;
use crate::extract::Path;
use crate::urls;
use crate::{AppState, WebError};

/// A feed the person may make: its form value and what it shows.
pub struct FeedChoice {
    pub value: String,
    pub label: String,
}

/// One of the person's feeds.
pub struct FeedRow {
    pub id: i64,
    /// Its owner's name for it.
    pub name: String,
    pub label: String,
    pub made: String,
    pub revoked: Option<String>,
}

/// The feeds section of the account page.
pub struct Feeds {
    pub choices: Vec<FeedChoice>,
    pub rows: Vec<FeedRow>,
    /// The address just made, shown this once.
    pub made: Option<String>,
    pub problem: Option<String>,
    /// The problem is with the name typed, not the calendar chosen.
    pub name_problem: bool,
    /// What a refused form had chosen and typed, shown again.
    pub kept_feed: String,
    pub kept_name: String,
}

/// A refused new feed: why, and what the form held.
pub struct Refused {
    pub problem: String,
    /// "feed" or "name": the field the problem is with.
    pub field: &'static str,
    pub feed: String,
    pub name: String,
}

fn value_of(p: ProgrammeId, scope: FeedScope) -> String {
    match scope {
        FeedScope::Person => format!("person:{p}"),
        FeedScope::School(u) => format!("school:{p}:{u}"),
        FeedScope::Network(n) => format!("network:{p}:{n}"),
        FeedScope::Programme => format!("programme:{p}"),
    }
}

/// The feeds a person's roles allow, with their labels, each once.
async fn choices(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<(String, ProgrammeId, FeedScope, String)>, WebError> {
    let programmes: BTreeMap<ProgrammeId, String> = state
        .db
        .programmes(
            &principal.visible(Action::View, Record::Programme),
            &principal.visible(Action::View, Record::Enrolment),
        )
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let name = |p: ProgrammeId| programmes.get(&p).cloned().unwrap_or_else(|| format!("programme {p}"));
    let mut out: Vec<(String, ProgrammeId, FeedScope, String)> = Vec::new();
    let mut add = |p: ProgrammeId, scope: FeedScope, label: String| {
        let value = value_of(p, scope);
        if !out.iter().any(|(v, ..)| *v == value) {
            out.push((value, p, scope, label));
        }
    };
    for g in &principal.grants {
        match g.scope {
            Scope::Platform if g.role == Role::Admin => {
                for (p, n) in &programmes {
                    add(*p, FeedScope::Programme, format!("Every day of {n}"));
                }
            }
            Scope::Programme(p) => {
                add(p, FeedScope::Person, format!("Days I am registered for or lead, {}", name(p)));
                add(p, FeedScope::Programme, format!("Every day of {}", name(p)));
            }
            Scope::Network { programme, network } => {
                add(programme, FeedScope::Person, format!("Days I am registered for or lead, {}", name(programme)));
                let n = state.db.network(network).await?.map(|n| n.name).unwrap_or_else(|| network.to_string());
                add(
                    programme,
                    FeedScope::Network(network),
                    format!("Every day of the network {n}, {}", name(programme)),
                );
            }
            Scope::School(u) => {
                let school =
                    state.db.school_names(&[u]).await?.get(&u).cloned().unwrap_or_else(|| format!("School {u}"));
                for m in principal.memberships.iter().filter(|m| m.urn == u) {
                    add(
                        m.programme,
                        FeedScope::Person,
                        format!("Days I am registered for or lead, {}", name(m.programme)),
                    );
                    add(m.programme, FeedScope::School(u), format!("{school}'s days, {}", name(m.programme)));
                }
            }
            // A local authority's officer: each of its schools' days.
            Scope::LocalAuthority { programme, la } => {
                let theirs: Vec<_> = principal
                    .la_schools
                    .iter()
                    .filter(|s| s.la == la && s.school.programme == programme)
                    .map(|s| s.school.urn)
                    .collect();
                let names = state.db.school_names(&theirs).await?;
                for u in theirs {
                    let school = names.get(&u).cloned().unwrap_or_else(|| format!("School {u}"));
                    add(programme, FeedScope::School(u), format!("{school}'s days, {}", name(programme)));
                }
            }
            _ => {}
        }
    }
    // Only what the policy lets the person see (a role's place may have changed since).
    out.retain(|(_, p, scope, _)| {
        let (record, place) = match scope {
            FeedScope::School(u) => {
                let network = principal
                    .memberships
                    .iter()
                    .chain(principal.la_schools.iter().map(|s| &s.school))
                    .find(|m| m.urn == *u && m.programme == *p)
                    .and_then(|m| m.network);
                (Record::Enrolment, Place::enrolment(*p, network, *u))
            }
            FeedScope::Network(n) => (Record::Network, Place::network(*p, *n)),
            FeedScope::Person | FeedScope::Programme => (Record::Programme, Place::programme(*p)),
        };
        principal.may(Action::View, record, &place)
    });
    Ok(out)
}

/// The section for the account page.
pub async fn section(
    state: &AppState,
    principal: &Principal,
    made: Option<String>,
    refused: Option<Refused>,
) -> Result<Feeds, WebError> {
    let offered = choices(state, principal).await?;
    let labels: BTreeMap<String, String> = offered.iter().map(|(v, _, _, l)| (v.clone(), l.clone())).collect();
    let rows = state
        .db
        .feeds_of(principal.person)
        .await?
        .into_iter()
        .map(|f| FeedRow {
            id: f.id,
            name: f.name.clone().unwrap_or_else(|| format!("Feed made {}", f.created_at.format("%-d %B %Y %H:%M"))),
            label: labels
                .get(&value_of(f.programme, f.scope))
                .cloned()
                .unwrap_or_else(|| "A feed your roles no longer open".to_owned()),
            made: f.created_at.format("%-d %B %Y").to_string(),
            revoked: f.revoked_at.map(|r| r.format("%-d %B %Y").to_string()),
        })
        .collect();
    Ok(Feeds {
        choices: offered.into_iter().map(|(value, _, _, label)| FeedChoice { value, label }).collect(),
        rows,
        made,
        kept_feed: refused.as_ref().map(|r| r.feed.clone()).unwrap_or_default(),
        kept_name: refused.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
        name_problem: refused.as_ref().is_some_and(|r| r.field == "name"),
        problem: refused.map(|r| r.problem),
    })
}

#[derive(Debug, Deserialize)]
pub struct NewFeedForm {
    #[serde(default)]
    feed: String,
    /// The owner's name for it, to tell it from their other feeds (optional).
    #[serde(default)]
    name: String,
}

/// Makes a feed the person's roles allow, and shows its address once on the account page.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<NewFeedForm>,
) -> Result<Response, WebError> {
    let s = viewer.signed_in()?;
    let offered = choices(&state, &s.principal).await?;
    let refused = |field: &'static str, problem: &str| Refused {
        problem: problem.to_owned(),
        field,
        feed: f.feed.clone(),
        name: f.name.clone(),
    };
    let Some((_, programme, scope, _)) = offered.into_iter().find(|(v, ..)| *v == f.feed) else {
        let body =
            super::account::render(&state, &viewer, None, Some(refused("feed", "Choose a calendar from the list")))
                .await?;
        return Ok((axum::http::StatusCode::BAD_REQUEST, body).into_response());
    };
    let name = f.name.split_whitespace().collect::<Vec<_>>().join(" ");
    let problem =
        if name.chars().count() > 60 {
            Some("Give the feed a name of at most 60 characters, or none".to_owned())
        } else if !name.is_empty()
            && state.db.feeds_of(s.person).await?.iter().any(|x| {
                x.revoked_at.is_none() && x.name.as_deref().is_some_and(|n| n.trim().eq_ignore_ascii_case(&name))
            })
        {
            Some(format!("You already have a feed named {name}: give this one another name, or none"))
        } else {
            None
        };
    if let Some(problem) = problem {
        let body = super::account::render(&state, &viewer, None, Some(refused("name", &problem))).await?;
        return Ok((axum::http::StatusCode::BAD_REQUEST, body).into_response());
    }
    let token = state
        .db
        .create_feed(&viewer.actor(), s.person, programme, scope, Some(f.name.as_str()))
        .await
        .map_err(super::programmes::bad)?;
    let address =
        format!("{}{}", state.config.public_url.trim_end_matches('/'), urls::calendar_feed(format!("{token}.ics")));
    Ok(super::account::render(&state, &viewer, Some(address), None).await?.into_response())
}

/// Revokes one of the person's feeds: its address opens nothing from then on.
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(feed): Path<i64>,
) -> Result<Response, WebError> {
    let s = viewer.signed_in()?;
    if state.db.revoke_feed(&viewer.actor(), s.person, feed).await? {
        Ok(Redirect::to(&format!("{}#feeds", urls::account())).into_response())
    } else {
        Err(WebError::NotFound("That calendar feed is not yours, or was revoked already.".into()))
    }
}

/// A person's feeds still open, as an administrator sees them on the person's page (to revoke
/// one, for example when a device was lost): what each shows and when it was made.
pub async fn open_feeds_of(
    state: &AppState,
    viewer: &Principal,
    person: aspire_core::people::PersonId,
) -> Result<Vec<FeedRow>, WebError> {
    let names: BTreeMap<ProgrammeId, String> = state
        .db
        .programmes(&viewer.visible(Action::View, Record::Programme), &viewer.visible(Action::View, Record::Enrolment))
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let name = |p: ProgrammeId| names.get(&p).cloned().unwrap_or_else(|| format!("programme {p}"));
    Ok(state
        .db
        .feeds_of(person)
        .await?
        .into_iter()
        .filter(|f| f.revoked_at.is_none())
        .map(|f| FeedRow {
            id: f.id,
            name: f.name.clone().unwrap_or_else(|| format!("Feed made {}", f.created_at.format("%-d %B %Y %H:%M"))),
            label: match f.scope {
                FeedScope::Person => format!("Their own days, {}", name(f.programme)),
                FeedScope::School(u) => format!("School {u}'s days, {}", name(f.programme)),
                FeedScope::Network(n) => format!("Network {n}'s days, {}", name(f.programme)),
                FeedScope::Programme => format!("Every day of {}", name(f.programme)),
            },
            made: f.created_at.format("%-d %B %Y").to_string(),
            revoked: None,
        })
        .collect())
}

/// An administrator revokes another person's feed (their own are revoked on their account).
pub async fn revoke_for(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((person, feed)): Path<(aspire_core::people::PersonId, i64)>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Person, &Place::NOWHERE)?;
    if state.db.revoke_feed(&viewer.actor(), person, feed).await? {
        Ok(Redirect::to(&format!("{}#feeds", urls::person(person))).into_response())
    } else {
        Err(WebError::NotFound("That calendar feed is not this person's, or was revoked already.".into()))
    }
}
