//! What the audit log records: the action taken (`AuditAction`) and the kind of record it was
//! taken on (`AuditRecord`). Each has a code, which is what the log stores: a code, once written,
//! never changes (databases hold them), and one read back that this program does not know is an
//! error, never taken for another.

use std::fmt;
use std::str::FromStr;

/// A code read from the log that names no action or record kind this program knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{code}' is not an audit {kind} this program knows")]
pub struct UnknownCode {
    /// "action" or "record kind".
    pub kind: &'static str,
    pub code: String,
}

/// One enum per column: its variants with their codes, `ALL`, `as_str`, `FromStr`, `Display` and
/// serialisation as the code.
macro_rules! codes {
    ($(#[$doc:meta])* $name:ident, $kind:literal, { $($(#[$vdoc:meta])* $variant:ident = $code:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The code stored in the log.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownCode;

            fn from_str(s: &str) -> Result<$name, UnknownCode> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err(UnknownCode { kind: $kind, code: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

codes!(
    /// What was done.
    AuditAction, "action", {
        CohortReplace = "cohort.replace",
        CohortSave = "cohort.save",
        EnquiryAdd = "enquiry.add",
        /// Enquiries' contact details removed at the end of the period the privacy notice states.
        EnquiryContactsRemoved = "enquiry.contacts_removed",
        /// An enquiry marked handled by the team, with or without a reply sent.
        EnquiryHandle = "enquiry.handle",
        EnrolmentAdd = "enrolment.add",
        EnrolmentEligibility = "enrolment.eligibility",
        EnrolmentNetwork = "enrolment.network",
        EnrolmentStage = "enrolment.stage",
        /// A day added to a network's year by the team, after its year was planned.
        EventAdd = "event.add",
        /// A planned day of the programme year cancelled, with its reason.
        EventCancel = "event.cancel",
        /// A planned day recorded as held (or that record taken back).
        EventHeld = "event.held",
        /// A planned day of the programme year moved to another date.
        EventMove = "event.move",
        /// The places at a planned day's venue set (and those waiting given the new places).
        EventPlaces = "event.places",
        /// A person registered for a planned day (or put on its waiting list).
        EventRegister = "event.register",
        /// A file or link added to a planned day's resources.
        EventResourceAdd = "event.resource_add",
        /// A file or link removed from a planned day's resources.
        EventResourceRemove = "event.resource_remove",
        /// Marks recorded on a planned day's roll.
        EventRoll = "event.roll",
        /// A registration withdrawn, and the places it freed given to those waiting.
        EventWithdraw = "event.withdraw",
        /// A network's year planned: its Network Days and its schools' Development Days.
        EventsPlan = "events.plan",
        /// The audit log downloaded as CSV.
        ExportAuditCsv = "export.audit_csv",
        /// A programme's recruitment downloaded as CSV (it holds contacts' details).
        ExportRecruitmentCsv = "export.recruitment_csv",
        /// A calendar feed's address made for a person.
        FeedCreate = "feed.create",
        /// A calendar feed's address revoked by its owner: it opens nothing from then on.
        FeedRevoke = "feed.revoke",
        /// A request to speak to a volunteer head teacher, passed on through the outbox.
        HeadRequest = "head.request",
        /// A head teacher offered (or stopped offering) to talk to schools thinking of joining.
        HeadVolunteer = "head.volunteer",
        ImportWrite = "import.write",
        /// A reminder of the joining checklist's open items sent to a school's head.
        JoiningRemind = "joining.remind",
        JoiningTick = "joining.tick",
        JoiningUntick = "joining.untick",
        NetworkCreate = "network.create",
        NetworkLock = "network.lock",
        NetworkRename = "network.rename",
        /// The first day a network's events may be held.
        NetworkStart = "network.start",
        /// A network taken off the public pages.
        NetworkUnpublish = "network.unpublish",
        NetworksAdvisers = "networks.advisers",
        NetworksForm = "networks.form",
        NetworksPublish = "networks.publish",
        /// A reset link was emailed (asked for, or sent when an account was locked).
        PasswordResetRequested = "password.reset_requested",
        PasswordSet = "password.set",
        PersonAdd = "person.add",
        PersonDisable = "person.disable",
        /// An invitation link was made or emailed.
        PersonInvite = "person.invite",
        PersonLock = "person.lock",
        ProgrammeAreas = "programme.areas",
        /// The address the public writes to about a programme.
        ProgrammeContact = "programme.contact",
        ProgrammeCreate = "programme.create",
        RoleAccept = "role.accept",
        RoleAdd = "role.add",
        RoleDecline = "role.decline",
        RoleOffer = "role.offer",
        /// An unanswered offer of a role withdrawn by whoever may give it.
        RoleOfferWithdraw = "role.offer_withdraw",
        RoleRemove = "role.remove",
        SessionEnd = "session.end",
        SessionRefused = "session.refused",
        SessionStart = "session.start",
        /// Members of a school's staff listed for its whole-school reach.
        StaffAdd = "staff.add",
        /// A member of staff marked as having left the school.
        StaffLeave = "staff.leave",
        /// A member of staff linked to the person with an account they are, or the link taken away.
        StaffLink = "staff.link",
        /// Staff recorded as reached by the programme in a term, and how.
        StaffReach = "staff.reach",
        /// A member of staff taken off the list, with their reach records (added in error).
        StaffRemove = "staff.remove",
        /// Term dates and closure days entered for an LA or a school, replacing those stored
        /// for the academic years named.
        TermDatesReplace = "term_dates.replace",
    }
);

codes!(
    /// The kind of record an action was taken on.
    AuditRecord, "record kind", {
        AuditLog = "audit_log",
        Cohort = "cohort",
        Enquiry = "enquiry",
        Enrolment = "enrolment",
        Event = "event",
        Import = "import",
        Network = "network",
        Person = "person",
        Programme = "programme",
        /// The term dates of an LA ("la:380") or a school ("school:107242").
        TermDates = "term_dates",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_itself() {
        for a in AuditAction::ALL {
            assert_eq!(a.as_str().parse::<AuditAction>(), Ok(*a));
            assert_eq!(a.to_string(), a.as_str());
        }
        for r in AuditRecord::ALL {
            assert_eq!(r.as_str().parse::<AuditRecord>(), Ok(*r));
        }
    }

    #[test]
    fn codes_are_distinct_and_in_order() {
        for w in AuditAction::ALL.windows(2) {
            assert!(w[0].as_str() < w[1].as_str(), "{} before {}", w[0], w[1]);
        }
        for w in AuditRecord::ALL.windows(2) {
            assert!(w[0].as_str() < w[1].as_str(), "{} before {}", w[0], w[1]);
        }
    }

    #[test]
    fn an_unknown_code_is_an_error_naming_it() {
        let e = "person.teleport".parse::<AuditAction>().expect_err("unknown");
        assert_eq!(e.to_string(), "'person.teleport' is not an audit action this program knows");
        assert!("".parse::<AuditRecord>().is_err());
    }
}
