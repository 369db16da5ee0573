//! Eligibility pages: the public checker and the programme team's list.

pub mod add;
pub mod checker;
pub mod map;
pub mod programme;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use aspire_import::{ImportOptions, LoadedRuleSet, bundled_ids, load_rule_set};
use aspire_store::{Db, EligibilityRow, Scope};

use crate::WebError;
use aspire_core::text::capitalise;

/// The rule set and date a page is about, from `?rules=...&as_of=...`.
pub struct Choice {
    pub rules: LoadedRuleSet,
    /// As given, or today brought inside the rule set's period.
    pub as_of: NaiveDate,
}

pub const DEFAULT_RULES: &str = "tlif-2017";

/// A choice of rule set or date that cannot be used: the field, a sentence, and the rule set
/// the page can still describe (the one chosen, when it loaded, else the default).
pub struct ChoiceProblem {
    pub field: &'static str,
    pub message: String,
    pub rules: Option<Box<LoadedRuleSet>>,
}

impl From<ChoiceProblem> for WebError {
    /// Where the choice came in a link rather than a form: an error page that says it.
    fn from(p: ChoiceProblem) -> WebError {
        WebError::BadRequest(format!("{}.", p.message))
    }
}

/// Only bundled rule sets can be chosen on the web: a path would read the server's files.
pub fn choose(params: &HashMap<String, String>) -> Result<Choice, ChoiceProblem> {
    let today = chrono::Local::now().date_naive();
    let load = |id: &str| load_rule_set(id, &ImportOptions::new(today)).ok();
    let id = params.get("rules").map(|s| s.trim()).filter(|s| !s.is_empty()).unwrap_or(DEFAULT_RULES);
    if !bundled_ids().contains(&id) {
        return Err(ChoiceProblem {
            field: "rules",
            message: format!("There is no rule set called '{id}': choose one of {}", bundled_ids().join(", ")),
            rules: load(DEFAULT_RULES).map(Box::new),
        });
    }
    let rules = load_rule_set(id, &ImportOptions::new(today)).map_err(|e| ChoiceProblem {
        field: "rules",
        message: format!("The rule set {id} cannot be used ({e}): choose another"),
        rules: load(DEFAULT_RULES).map(Box::new),
    })?;
    let given = params.get("as_of").map(|s| s.trim()).filter(|s| !s.is_empty());
    let as_of = match given {
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                return Err(ChoiceProblem {
                    field: "as_of",
                    message: format!("'{s}' is not a date: write it as YYYY-MM-DD, for example 2017-09-01"),
                    rules: Some(Box::new(rules)),
                });
            }
        },
        None => {
            let r = &rules.rules;
            let d = today.max(r.valid_from);
            r.valid_to.map_or(d, |to| d.min(to))
        }
    };
    if let Err(why) = rules.rules.covers(as_of) {
        return Err(ChoiceProblem {
            field: "as_of",
            message: format!("{}: choose a date inside its period", capitalise(&why)),
            rules: Some(Box::new(rules)),
        });
    }
    Ok(Choice { rules, as_of })
}

/// (rule set, version, date, newest import) -> decisions.
type CacheKey = (String, u32, NaiveDate, i64);

type Cached = Option<(CacheKey, Arc<Vec<EligibilityRow>>)>;

#[derive(Debug, Clone, Default)]
pub struct Cache(Arc<Mutex<Cached>>);

impl Cache {
    /// Every school's decision, from the cache when nothing has been imported since.
    pub async fn all(&self, db: &Db, choice: &Choice) -> Result<Arc<Vec<EligibilityRow>>, WebError> {
        let newest = db.register_generation().await?;
        let key = (choice.rules.rules.id.clone(), choice.rules.rules.version, choice.as_of, newest);
        if let Ok(guard) = self.0.lock()
            && let Some((k, rows)) = guard.as_ref()
            && *k == key
        {
            return Ok(rows.clone());
        }
        let rows = Arc::new(db.eligibility(&choice.rules, choice.as_of, Scope::All).await?);
        if let Ok(mut guard) = self.0.lock() {
            *guard = Some((key, rows.clone()));
        }
        Ok(rows)
    }
}
