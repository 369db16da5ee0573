//! Every address of the site, written once. The route table (`routes/mod.rs`) takes its patterns
//! from `route::*`, and handlers and templates build links with the functions, which fill the
//! same patterns, so a link cannot point at a route that is not there. Templates call them as
//! `{{ crate::urls::programme(programme.id) }}`.

use std::fmt::Display;

/// Fills a route pattern's `{placeholders}` in order.
fn fill(pattern: &str, values: &[&dyn Display]) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut values = values.iter();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        if let Some(v) = values.next() {
            out.push_str(&v.to_string());
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

macro_rules! urls {
    ($( $(#[$doc:meta])* $name:ident, $konst:ident = $pattern:literal $(, $arg:ident)* ;)+) => {
        /// The route patterns, as the router matches them.
        pub mod route {
            $(pub const $konst: &str = $pattern;)+
            /// Every pattern, for the test that each has its route.
            #[cfg(test)]
            pub const ALL: &[&str] = &[$($konst),+];
        }
        $(
            $(#[$doc])*
            #[allow(dead_code)]
            pub fn $name($($arg: impl Display),*) -> String {
                fill($pattern, &[$(&$arg),*])
            }
        )+
    };
}

urls! {
    home, HOME = "/";
    health, HEALTH = "/healthz";
    style, STYLE = "/static/style.css";
    schools, SCHOOLS = "/schools";
    schools_csv, SCHOOLS_CSV = "/schools.csv";
    school, SCHOOL = "/schools/{urn}", urn;
    imports, IMPORTS = "/imports";
    checker, CHECKER = "/eligibility";
    /// The public checker's answer for one school.
    answer, ANSWER = "/eligibility/{urn}", urn;
    join, JOIN = "/join";
    /// A programme's enquiry form.
    enquiry, ENQUIRY = "/join/{id}", programme;
    thanks, THANKS = "/join/{id}/thanks/{urn}", programme, urn;
    /// A request to speak to a head teacher of a school that took part.
    speak, SPEAK = "/join/{id}/speak", programme;
    /// A calendar feed (iCalendar), opened by its token.
    calendar_feed, CALENDAR_FEED = "/calendar/{token}", token;
    /// What the enquiry form keeps, why and for how long.
    privacy, PRIVACY = "/privacy";
    sign_in, SIGN_IN = "/sign-in";
    sign_out, SIGN_OUT = "/sign-out";
    account, ACCOUNT = "/account";
    /// An Achievement Adviser's days in a week, and their schools.
    week, WEEK = "/week";
    offer, OFFER = "/account/offers/{id}", offer;
    /// The signed-in person's calendar feeds (a new one is made here).
    feeds, FEEDS = "/account/feeds";
    revoke_feed, REVOKE_FEED = "/account/feeds/{id}/revoke", feed;
    /// A head teacher's offer to talk to schools thinking of joining.
    volunteer, VOLUNTEER = "/account/volunteer";
    invitation, INVITATION = "/invitation/{token}", token;
    reset_request, RESET_REQUEST = "/password-reset";
    reset, RESET = "/password-reset/{token}", token;
    programmes, PROGRAMMES = "/programmes";
    programme, PROGRAMME = "/programmes/{id}", programme;
    areas, AREAS = "/programmes/{id}/areas", programme;
    /// The address schools write to about a programme.
    contact, CONTACT = "/programmes/{id}/contact", programme;
    recruitment, RECRUITMENT = "/programmes/{id}/recruitment", programme;
    recruitment_csv, RECRUITMENT_CSV = "/programmes/{id}/recruitment.csv", programme;
    /// Decides the schools of the board that have no eligibility decision.
    recruitment_check, RECRUITMENT_CHECK = "/programmes/{id}/recruitment/eligibility", programme;
    stage, STAGE = "/programmes/{id}/schools/{urn}/stage", programme, urn;
    /// Marks an enquiry handled, with the reply sent.
    enquiry_handled, ENQUIRY_HANDLED = "/programmes/{id}/enquiries/{enquiry}/handled", programme, enquiry;
    networks, NETWORKS = "/programmes/{id}/networks", programme;
    form_networks, FORM_NETWORKS = "/programmes/{id}/networks/form", programme;
    publish, PUBLISH = "/programmes/{id}/networks/publish", programme;
    advisers, ADVISERS = "/programmes/{id}/networks/advisers", programme;
    lock, LOCK = "/programmes/{id}/networks/{network}/lock", programme, network;
    rename_network, RENAME_NETWORK = "/programmes/{id}/networks/{network}/rename", programme, network;
    unpublish_network, UNPUBLISH_NETWORK = "/programmes/{id}/networks/{network}/unpublish", programme, network;
    network, NETWORK = "/programmes/{id}/networks/{network}", programme, network;
    /// The programme year: its planned days.
    year, YEAR = "/programmes/{id}/year", programme;
    plan_year, PLAN_YEAR = "/programmes/{id}/year/plan", programme;
    /// A day added to a planned network's year.
    add_day, ADD_DAY = "/programmes/{id}/year/days", programme;
    /// Each school of the cohort with its dose per term, for the evaluation (CSV).
    doses_csv, DOSES_CSV = "/programmes/{id}/doses.csv", programme;
    /// The year in figures: attendance and reach per term, network and school.
    figures, FIGURES = "/programmes/{id}/figures", programme;
    /// A file of term dates and closure days, uploaded.
    term_dates, TERM_DATES = "/programmes/{id}/year/terms", programme;
    move_day, MOVE_DAY = "/programmes/{id}/year/{day}/move", programme, day;
    cancel_day, CANCEL_DAY = "/programmes/{id}/year/{day}/cancel", programme, day;
    /// A day's roll, on a phone on the day (the adviser and the team).
    roll, ROLL = "/programmes/{id}/year/{day}/roll", programme, day;
    /// A day recorded as held (or that record taken back), from its roll.
    day_held, DAY_HELD = "/programmes/{id}/year/{day}/held", programme, day;
    /// A planned day: when and where, its places, and its strategies and resources.
    day, DAY = "/programmes/{id}/year/{day}", programme, day;
    day_places, DAY_PLACES = "/programmes/{id}/year/{day}/places", programme, day;
    /// A file or a link added to a day (an upload).
    day_resources, DAY_RESOURCES = "/programmes/{id}/year/{day}/resources", programme, day;
    /// A day's file, downloaded.
    day_resource, DAY_RESOURCE = "/programmes/{id}/year/{day}/resources/{resource}", programme, day, resource;
    remove_resource, REMOVE_RESOURCE = "/programmes/{id}/year/{day}/resources/{resource}/remove", programme, day, resource;
    enrol, ENROL = "/programmes/{id}/schools", programme;
    /// A school's record in a programme.
    enrolment, ENROLMENT = "/programmes/{id}/schools/{urn}", programme, urn;
    set_network, SET_NETWORK = "/programmes/{id}/schools/{urn}/network", programme, urn;
    /// A school's year: its days and seats, staff release, reach and what it does next.
    school_year, SCHOOL_YEAR = "/programmes/{id}/schools/{urn}/year", programme, urn;
    nominate, NOMINATE = "/programmes/{id}/schools/{urn}/year/nominate", programme, urn;
    withdraw, WITHDRAW = "/programmes/{id}/schools/{urn}/year/withdraw", programme, urn;
    /// Members of the school's staff added (every adult, with or without an account).
    school_staff, SCHOOL_STAFF = "/programmes/{id}/schools/{urn}/year/staff", programme, urn;
    staff_member, STAFF_MEMBER = "/programmes/{id}/schools/{urn}/year/staff/{staff}", programme, urn, staff;
    /// Who of the school's staff was reached in a term, and how.
    reach, REACH = "/programmes/{id}/schools/{urn}/year/reach", programme, urn;
    /// The team's summary of every enrolled school's joining checklist.
    joining_summary, JOINING_SUMMARY = "/programmes/{id}/joining", programme;
    /// A school's joining checklist (and where its ticks are sent).
    joining, JOINING = "/programmes/{id}/schools/{urn}/joining", programme, urn;
    /// A local authority's schools in a programme, for its officers.
    local_authority, LOCAL_AUTHORITY = "/programmes/{id}/la/{code}", programme, la;
    people, PEOPLE = "/people";
    staff_import, STAFF_IMPORT = "/people/import";
    person, PERSON = "/people/{id}", person;
    roles, ROLES = "/people/{id}/roles", person;
    remove_role, REMOVE_ROLE = "/people/{id}/roles/{grant}/remove", person, grant;
    /// An unanswered offer of a role, withdrawn.
    withdraw_offer, WITHDRAW_OFFER = "/people/{id}/offers/{offer}/withdraw", person, offer;
    resend, RESEND = "/people/{id}/invitation", person;
    disabled, DISABLED = "/people/{id}/disabled", person;
    /// An administrator revokes one of a person's calendar feeds.
    person_feed_revoke, PERSON_FEED_REVOKE = "/people/{id}/feeds/{feed}/revoke", person, feed;
    audit, AUDIT = "/audit";
    audit_csv, AUDIT_CSV = "/audit.csv";
    outbox, OUTBOX = "/outbox";
    eligibility_list, ELIGIBILITY_LIST = "/programme/eligibility";
    eligibility_csv, ELIGIBILITY_CSV = "/programme/eligibility.csv";
    /// The schools ticked on the eligible list, added to a programme.
    eligibility_add, ELIGIBILITY_ADD = "/programme/eligibility/add";
    eligibility_xlsx, ELIGIBILITY_XLSX = "/programme/eligibility.xlsx";
    evaluation, EVALUATION = "/evaluation";
    cohort, COHORT = "/evaluation/{id}", cohort;
    cohort_csv, COHORT_CSV = "/evaluation/{id}/report.csv", cohort;
    cohort_xlsx, COHORT_XLSX = "/evaluation/{id}/report.xlsx", cohort;
    cohort_json, COHORT_JSON = "/evaluation/{id}/report.json", cohort;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_fill_their_route_patterns() {
        assert_eq!(programme(7), "/programmes/7");
        assert_eq!(stage(7, 105626), "/programmes/7/schools/105626/stage");
        assert_eq!(lock(3, 12), "/programmes/3/networks/12/lock");
        assert_eq!(home(), "/");
    }

    #[test]
    fn every_route_has_its_pattern_here_and_every_pattern_its_route() {
        let table: std::collections::BTreeSet<&str> = crate::routes::route_table().iter().map(|r| r.path).collect();
        let here: std::collections::BTreeSet<&str> = route::ALL.iter().copied().collect();
        assert_eq!(table, here, "the route table and urls.rs name the same addresses");
    }

    /// Links and redirects are built here, never written as literal addresses elsewhere.
    #[test]
    fn no_handler_or_template_writes_an_address_itself() {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).expect("read dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    files(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
                    out.push(p);
                }
            }
        }
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut all = Vec::new();
        files(&root.join("src/routes"), &mut all);
        files(&root.join("templates"), &mut all);
        let literal = ["href=\"/", "action=\"/", "format!(\"/", "Redirect::to(\"/", "url_with(\"/"];
        let mut found = Vec::new();
        for f in all {
            let text = std::fs::read_to_string(&f).expect("read");
            for (i, line) in text.lines().enumerate() {
                if literal.iter().any(|l| line.contains(l)) {
                    found.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
                }
            }
        }
        assert!(found.is_empty(), "addresses written by hand:\n{}", found.join("\n"));
    }
}
