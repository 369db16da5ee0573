//! Use cases against real databases (a SQLite file, and PostgreSQL when
//! ASPIRE_TEST_POSTGRES_URL is set), without HTTP or a terminal.

mod board;
mod calendar;
mod days;
mod enrolment;
mod evaluation;
mod join;
mod joining;
mod networks;
mod people;
mod programme_year;
mod reach;
mod recruitment;
mod school_year;
