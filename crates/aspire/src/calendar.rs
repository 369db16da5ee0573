//! `aspire calendar`: bank holidays in England and Wales.

use std::io::Write as _;
use std::process::ExitCode;

use aspire_core::calendar::bank_holidays::{FIRST_YEAR, LAST_YEAR, bank_holidays_between};

#[derive(Debug, clap::Subcommand)]
pub enum CalendarCommand {
    /// List the bank holidays in England and Wales, one a line (date and name).
    BankHolidays {
        /// First year.
        #[arg(long, default_value_t = FIRST_YEAR)]
        from: i32,
        /// Last year.
        #[arg(long, default_value_t = LAST_YEAR)]
        to: i32,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Csv,
}

pub fn run(cmd: &CalendarCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CalendarCommand::BankHolidays { from, to, format } => {
            if from > to {
                eprintln!("--from ({from}) is after --to ({to}): give the earlier year first.");
                return Ok(ExitCode::FAILURE);
            }
            if *from < FIRST_YEAR || *to > LAST_YEAR {
                eprintln!(
                    "Bank holidays are known for {FIRST_YEAR} to {LAST_YEAR} only (later changes are \
                     made by proclamation): choose years in that range."
                );
                return Ok(ExitCode::FAILURE);
            }
            let mut out = std::io::stdout().lock();
            if *format == ListFormat::Csv {
                writeln!(out, "date,name")?;
            }
            for h in bank_holidays_between(*from, *to) {
                match format {
                    ListFormat::Csv => writeln!(out, "{},{}", h.date, h.name)?,
                    ListFormat::Text => writeln!(out, "{}  {}  {}", h.date, h.date.format("%a"), h.name)?,
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
