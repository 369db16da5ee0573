//! `aspire programme`: programmes made from the bundled templates, their areas, and the
//! recruitment pipeline's stages from the command line.

use aspire_core::text::printable;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::NaiveDate;

use aspire_app::recruitment::EnrolRequest;
use aspire_core::access::Visible;
use aspire_core::recruitment::Stage;
use aspire_core::urn::Urn;
use aspire_store::{Actor, Db, NewProgramme, ProgrammeArea};

#[derive(Debug, clap::Subcommand)]
pub enum ProgrammeCommand {
    /// List the bundled programme templates.
    Templates,
    /// Create a programme from a template:
    /// `aspire programme create --template tlif-2017 --starts 2017-11-01 "TLIF North"`.
    Create {
        /// The programme's name.
        name: String,
        /// Template id (see `aspire programme templates`).
        #[arg(long)]
        template: String,
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        starts: String,
        /// Last day (default: the end of July of the template's last school year).
        #[arg(long)]
        ends: Option<String>,
        /// Eligibility rule set (default: the template's).
        #[arg(long)]
        rules: Option<String>,
        /// An area it recruits in, with the networks planned there: `--area "Bradford:3"`
        /// (repeat for more).
        #[arg(long = "area")]
        areas: Vec<String>,
    },
    /// List programmes with their schools and networks.
    List,
    /// Add schools to a programme (at the enrolled stage unless --stage says otherwise).
    Enrol {
        /// Programme number.
        programme: aspire_core::people::ProgrammeId,
        /// URNs of schools in the register.
        #[arg(required = true)]
        urns: Vec<String>,
        #[arg(long, default_value = "enrolled")]
        stage: String,
    },
    /// Decide, under the programme's rule set, every school in it that has no eligibility
    /// decision yet (schools with one keep theirs).
    CheckEligibility {
        /// Programme number.
        programme: aspire_core::people::ProgrammeId,
    },
    /// Mark an enquiry handled, sending a reply to the enquirer with --reply.
    HandleEnquiry {
        /// Programme number.
        programme: aspire_core::people::ProgrammeId,
        /// The enquiry's number (on the board).
        enquiry: i64,
        /// The reply to send by email, in the team's words.
        #[arg(long)]
        reply: Option<String>,
    },
    /// Set the address the public writes to about a programme (shown on its join pages, and
    /// told of each enquiry).
    Contact {
        /// Programme number.
        programme: aspire_core::people::ProgrammeId,
        /// The programme team's shared address, such as programme@provider.example.
        email: String,
    },
    /// Move a school to another stage: enquiry, applied, enrolled, withdrawn (with --reason),
    /// completed.
    Stage {
        /// Programme number.
        programme: aspire_core::people::ProgrammeId,
        urn: String,
        stage: String,
        #[arg(long)]
        reason: Option<String>,
    },
}

fn date(what: &str, s: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .with_context(|| format!("{what} '{s}' is not a date: write it as YYYY-MM-DD, e.g. 2017-11-01"))
}

/// "Bradford:3" (or "Bradford", one network).
pub async fn run(db: &Db, cmd: &ProgrammeCommand) -> anyhow::Result<ExitCode> {
    let actor = Actor::command_line();
    match cmd {
        ProgrammeCommand::Templates => {
            for t in aspire_import::templates()? {
                println!(
                    "{:<22} {} (version {}): {} year(s), {}",
                    t.id,
                    t.name,
                    t.version,
                    t.years,
                    t.network_sizes_text()
                );
                println!("{:<22} rule set: {}", "", t.rule_set.as_deref().unwrap_or("none"));
            }
        }
        ProgrammeCommand::Create { name, template, starts, ends, rules, areas } => {
            let t = aspire_import::load_template(template)?;
            let starts_on = date("--starts", starts)?;
            let ends_on = match ends {
                Some(e) => date("--ends", e)?,
                None => t.ends_on(starts_on).context("the template's length gives no end date")?,
            };
            let rule_set = rules.clone().or_else(|| t.rule_set.clone());
            if let Some(r) = &rule_set
                && !aspire_import::bundled_ids().contains(&r.as_str())
            {
                bail!(
                    "there is no bundled rule set called '{r}'. Rule sets: {}",
                    aspire_import::bundled_ids().join(", ")
                );
            }
            // Every argument is checked before anything is written, every problem said at once.
            let choices = db.area_choices().await?;
            let areas: Vec<ProgrammeArea> =
                aspire_core::recruitment::read_area_lines(areas.iter().map(String::as_str), &choices)
                    .map_err(|problems| {
                        anyhow::anyhow!(
                            "--area: {}",
                            problems.iter().map(|p| p.replacen("Line", "area", 1)).collect::<Vec<_>>().join("; ")
                        )
                    })?
                    .into_iter()
                    .map(|l| ProgrammeArea { area: l.area.name, planned_networks: l.planned_networks })
                    .collect();
            let new = NewProgramme {
                name: name.clone(),
                template: Some(t.id.clone()),
                rule_set,
                starts_on: Some(starts_on),
                ends_on: Some(ends_on),
            };
            let id = db.create_programme(&actor, &new).await?;
            if !areas.is_empty() {
                db.set_programme_areas(&actor, id, &areas).await?;
            }
            println!("Created programme {id}, {}, from {} ({starts_on} to {ends_on}).", new.name, t.name);
            if let Some(created) = db.programme(id).await?
                && let Some(w) = aspire_app::recruitment::rule_set_warning(&created, chrono::Local::now().date_naive())
            {
                println!("Warning: {w}");
            }
            for e in t.plan(starts_on) {
                println!("  {:<12} {}", e.term.label(), e.name);
            }
        }
        ProgrammeCommand::List => {
            let all = Visible::everything();
            let list = db.programmes(&all, &all).await?;
            if list.is_empty() {
                println!("No programme yet: aspire programme create --template tlif-2017 --starts YYYY-MM-DD NAME");
            }
            for p in list {
                let dates = match (p.starts_on, p.ends_on) {
                    (Some(s), Some(e)) => format!("{s} to {e}"),
                    (Some(s), None) => format!("from {s}"),
                    _ => "dates not set".into(),
                };
                let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
                println!(
                    "{:>4}  {:<36} {dates}; {}, {}; template {}",
                    p.id,
                    printable(&p.name),
                    plural(p.schools, "school", "schools"),
                    plural(p.networks, "network", "networks"),
                    p.template.as_deref().unwrap_or("none")
                );
            }
        }
        ProgrammeCommand::Enrol { programme, urns, stage } => {
            let req = EnrolRequest { urns: urns.clone(), stage: stage.clone() };
            let today = chrono::Local::now().date_naive();
            let done = aspire_app::recruitment::enrol(db, &actor, *programme, &req, today).await?;
            println!("{} school(s) added to programme {programme} ({} already in it).", done.added, done.already);
        }
        ProgrammeCommand::Stage { programme, urn, stage, reason } => {
            let urn = Urn::parse(urn).map_err(|e| anyhow::anyhow!("{e}"))?;
            let to = Stage::parse(stage).map_err(|e| anyhow::anyhow!("{e}"))?;
            let preview =
                aspire_app::recruitment::preview_stage_move(db, *programme, urn, to, reason.as_deref()).await?;
            aspire_app::recruitment::move_stage(db, &actor, *programme, urn, to, reason.as_deref()).await?;
            println!("URN {urn} is now {to} in programme {programme}.");
            // Enrolling a school not known to be eligible is allowed, and said.
            if to == Stage::Enrolled && aspire_app::recruitment::needs_confirmation(&preview.enrolment, to) {
                for line in &preview.changes {
                    println!("  Note: {}", printable(line));
                }
            }
        }
        ProgrammeCommand::HandleEnquiry { programme, enquiry, reply } => {
            let text = reply.as_deref().unwrap_or("");
            let sent = aspire_app::board::handle_enquiry(db, &actor, *programme, *enquiry, text).await?;
            let how = if sent { "the reply is in the outbox" } else { "no reply sent" };
            println!("Enquiry {enquiry} of programme {programme} is handled; {how}.");
        }
        ProgrammeCommand::Contact { programme, email } => {
            let Ok(address) = aspire_core::people::Email::parse(email.trim()) else {
                eprintln!(
                    "'{}' is not an email address: nothing was changed; give the team's shared address, such as programmes@provider.example",
                    aspire_core::text::printable(email)
                );
                return Ok(ExitCode::FAILURE);
            };
            match db.set_programme_contact(&actor, *programme, &address).await {
                Ok(()) => {
                    println!("Programme {programme}'s contact address is now {address}.");
                    if let Some(d) = address.personal_provider() {
                        eprintln!(
                            "warning: {d} is a personal mailbox: the public pages show this address to anyone, so a shared team address is better"
                        );
                    }
                }
                Err(aspire_store::ProgrammeError::Store(e)) => return Err(e.into()),
                Err(e) => {
                    eprintln!("programme {programme}: {e}; nothing was changed");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        ProgrammeCommand::CheckEligibility { programme } => {
            let today = chrono::Local::now().date_naive();
            let done = aspire_app::board::check_undecided(db, &actor, *programme, today).await?;
            println!(
                "{} school(s) of programme {programme} now have an eligibility decision; {} could not be decided.",
                done.decided, done.left
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {}
