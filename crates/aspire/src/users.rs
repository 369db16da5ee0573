//! `aspire user`: the first administrator, and people managed from the command line. Each
//! change is in the audit log as made by "command line (login)".

use aspire_core::text::printable;
use std::process::ExitCode;

use anyhow::{Context as _, bail};

use aspire_app::people::{IfAccountExists, Invitation, Invited};
use aspire_core::access::Visible;
use aspire_core::people::{Email, Grant, Role, Scope};
use aspire_core::urn::Urn;
use aspire_store::{Actor, Db, TokenPurpose};

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Add a person with a role and print their invitation link (also put in the outbox).
    ///
    /// The first administrator: `aspire user add --role admin ada@example.org`.
    Add {
        /// Their email address (their sign-in name).
        email: String,
        /// Their name as others see it (default: the part of the address before the @).
        #[arg(long)]
        name: Option<String>,
        /// The role: admin, programme-admin, achievement-adviser, evaluator, head-teacher,
        /// senior-leader, strand-lead, teaching-learning-lead, afl-lead,
        /// achievement-team-leader, teacher, governor or la-officer.
        #[arg(long)]
        role: String,
        /// Programme number, for programme roles.
        #[arg(long)]
        programme: Option<aspire_core::people::ProgrammeId>,
        /// Network number, for Achievement Advisers.
        #[arg(long)]
        network: Option<aspire_core::people::NetworkId>,
        /// School URN, for school roles.
        #[arg(long)]
        urn: Option<String>,
        /// DfE local authority code (such as 380), for local authority officers (with --programme).
        #[arg(long)]
        la: Option<String>,
        /// Also give the pupil-level data permission.
        #[arg(long)]
        pupil_data: bool,
        /// The address people use to reach the service, for the link.
        #[arg(long, env = "ASPIRE_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
    /// List everyone with their roles.
    List,
    /// Print a new invitation link (no password yet) or password-reset link for a person.
    Link {
        email: String,
        #[arg(long, env = "ASPIRE_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
}

impl UserCommand {
    /// Adding a person may start a new database (the first administrator); the rest act on one.
    pub fn may_create_database(&self) -> bool {
        matches!(self, UserCommand::Add { .. })
    }
}

pub async fn run(db: &Db, cmd: &UserCommand) -> anyhow::Result<ExitCode> {
    let actor = Actor::command_line();
    match cmd {
        UserCommand::Add { email, name, role, programme, network, urn, la, pupil_data, public_url } => {
            let email = Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let role = Role::parse(role).map_err(|e| anyhow::anyhow!("{e}"))?;
            let scope = match role.scope_kind() {
                aspire_core::people::ScopeKind::Platform => Scope::Platform,
                aspire_core::people::ScopeKind::Programme => {
                    let id = programme.context("a programme role needs --programme N")?;
                    if db.programme(id).await?.is_none() {
                        bail!("there is no programme {id}");
                    }
                    Scope::Programme(id)
                }
                aspire_core::people::ScopeKind::Network => {
                    let id = network.context("an Achievement Adviser needs --network N")?;
                    let n = db.network(id).await?.with_context(|| format!("there is no network {id}"))?;
                    Scope::Network { programme: n.programme, network: n.id }
                }
                aspire_core::people::ScopeKind::LocalAuthority => {
                    let id = programme.context("a local authority officer needs --programme N and --la CODE")?;
                    if db.programme(id).await?.is_none() {
                        bail!("there is no programme {id}");
                    }
                    let code = la.as_deref().context("a local authority officer needs --la CODE (such as 380)")?;
                    let la = aspire_core::codes::LaCode::parse(code).map_err(|e| anyhow::anyhow!("{e}"))?;
                    Scope::LocalAuthority { programme: id, la }
                }
                aspire_core::people::ScopeKind::School => {
                    let u = Urn::parse(urn.as_deref().context("a school role needs --urn URN")?)
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    if !db.known_urns(&[u].into()).await?.contains(&u) {
                        bail!("URN {u} is not in the register: import the school's GIAS record first");
                    }
                    Scope::School(u)
                }
            };
            let name = match name.as_deref().map(str::trim) {
                Some("") => bail!("--name is empty: give the person's name, or leave it out"),
                Some(n) => n.to_owned(),
                None => email.as_str().split('@').next().unwrap_or_default().to_owned(),
            };
            let grant = Grant::new(role, scope, *pupil_data).map_err(|e| anyhow::anyhow!("{e}"))?;
            let invitation = Invitation {
                email: email.clone(),
                name: name.clone(),
                grant,
                if_exists: IfAccountExists::Give,
                link_for: Some(public_url.clone()),
            };
            match aspire_app::people::invite(db, &actor, &invitation).await? {
                Invited::Given(p) | Invited::Offered(p) => {
                    println!("{} ({email}) now also holds {}.", p.name, role.label());
                }
                Invited::Added { link, .. } => {
                    println!("Added {name} ({email}) as {}.", role.label());
                    println!("Their invitation link (valid for 7 days, works once):\n{}", link.unwrap_or_default());
                    println!(
                        "An invitation email with a link of its own waits in the outbox; it goes out when a mail relay is set (serve --smtp-url)."
                    );
                }
            }
        }
        UserCommand::List => {
            let everyone = Visible::everything();
            let people = db.people(&everyone, None).await?;
            if people.is_empty() {
                println!("No one yet: aspire user add --role admin EMAIL");
            }
            for p in people {
                let state = if p.disabled {
                    "turned off"
                } else if p.has_password {
                    "active"
                } else {
                    "invited"
                };
                println!("{:<40} {:<28} {state}", printable(&p.email), printable(&p.name));
                for g in p.grants {
                    println!(
                        "    {} — {}{}",
                        g.grant.role.label(),
                        printable(&g.place),
                        if g.grant.pupil_data { " (pupil data)" } else { "" }
                    );
                }
            }
        }
        UserCommand::Link { email, public_url } => {
            let email = Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let p = db.person_by_email(&email).await?.with_context(|| format!("there is no account for {email}"))?;
            let purpose = if p.has_password { TokenPurpose::Reset } else { TokenPurpose::Invitation };
            let link = db.issue_link(&actor, p.id, purpose, public_url).await?;
            println!("{link}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
