//! One way for every form, as GOV.UK services do it: a form sent with mistakes comes back with
//! every problem at once, in an error summary at the top whose links go to each field, the
//! message beside the field, the field marked, what was typed kept, and "Error: " before the
//! page title. Handlers collect problems in a [`FormState`] and show the page again; templates
//! draw fields with the macros in `templates/forms.html`.

use std::collections::BTreeMap;

/// A problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's `id` (and `name`), which the summary links to.
    pub field: String,
    pub message: String,
}

/// What a form was sent with, and what is wrong with it.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    values: BTreeMap<String, String>,
    errors: Vec<FieldError>,
}

impl FormState {
    /// An empty form (the page shown for the first time).
    pub fn new() -> FormState {
        FormState::default()
    }

    /// Keeps what was typed, to show it again.
    pub fn keep(&mut self, field: &str, value: &str) -> &mut FormState {
        self.values.insert(field.to_owned(), value.to_owned());
        self
    }

    /// Records a problem with a field. The message is a sentence for the person, never a
    /// database's or library's words.
    pub fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError { field: field.to_owned(), message: message.into() });
    }

    /// What was typed in a field ("" when nothing).
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }

    /// Whether the form was sent with this field (else the page fills it from what is stored).
    pub fn has(&self, field: &str) -> bool {
        self.values.contains_key(field)
    }

    /// Whether a select's option was the one chosen.
    pub fn chosen(&self, field: &str, option: &str) -> bool {
        self.value(field) == option
    }

    /// The first problem with a field.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// Puts the problems in the order of the page's fields (those of other fields last), so
    /// that the summary reads as the form does however they were found.
    pub fn order(&mut self, fields: &[&str]) {
        self.errors.sort_by_key(|e| fields.iter().position(|f| *f == e.field).unwrap_or(fields.len()));
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_kept_in_order_with_what_was_typed() {
        let mut f = FormState::new();
        f.keep("name", "Bradford 2027").keep("starts_on", "2027-13-01");
        assert!(!f.has_errors());
        f.problem("starts_on", "Enter the start date as a real date, for example 2027-09-01");
        f.problem("template", "Choose a template");
        assert_eq!(f.value("name"), "Bradford 2027");
        assert_eq!(f.value("missing"), "");
        assert_eq!(f.error("starts_on"), Some("Enter the start date as a real date, for example 2027-09-01"));
        assert_eq!(f.errors().iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["starts_on", "template"]);
        assert!(f.chosen("name", "Bradford 2027"));
    }
}
