//! `aspire joining remind`: sends, through the outbox, a reminder to the head of every
//! enrolled school with steps of joining still open, a set number of days after enrolment and
//! at most once a week per school (`aspire_app::joining::remind`).

use std::process::ExitCode;

use clap::Subcommand;

use aspire_store::{Actor, Db};

#[derive(Debug, Subcommand)]
pub enum JoiningCommand {
    /// Remind heads of the steps of joining still open (run it daily; each school hears at most
    /// once a week). The emails wait in the outbox until the server sends them.
    Remind {
        /// Days after a school's enrolment before its first reminder.
        #[arg(long, default_value_t = aspire_core::joining::DEFAULT_REMIND_AFTER_DAYS, value_parser = clap::value_parser!(i64).range(0..=365))]
        after_days: i64,
    },
}

pub async fn run(db: &Db, cmd: &JoiningCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        JoiningCommand::Remind { after_days } => {
            let done = aspire_app::joining::remind(db, &Actor::command_line(), *after_days, chrono::Utc::now()).await?;
            for (programme, urn, open) in &done.sent {
                crate::say!("reminded the head of {urn} in programme {programme}: {open} steps open");
            }
            for (programme, urn) in &done.no_head {
                crate::say!(
                    "not reminded: {urn} in programme {programme} has steps open but no head teacher with an account (invite one on the People page)"
                );
            }
            crate::say!("{} reminders put in the outbox", done.sent.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}
