//! Receipts for public forms: the page after an enquiry or a request to speak to a head
//! teacher says "sent" only to whoever sent it. Each kept submission gets a random token,
//! carried in the redirect and held here (in memory) for an hour; a page asked for without a
//! valid token says nothing was sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a receipt opens its page.
const KEPT: Duration = Duration::from_secs(3600);
/// The most receipts held at once (the oldest go first beyond it).
const MOST: usize = 10_000;

/// Tokens for submissions just sent, each naming what it was for (e.g. `enquiry/3/100001`).
#[derive(Debug, Clone, Default)]
pub struct Receipts(Arc<Mutex<HashMap<String, (String, Instant)>>>);

impl Receipts {
    /// A new token for `what`, valid for an hour.
    pub fn issue(&self, what: &str) -> String {
        let token = aspire_store::random_token();
        let mut held = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        held.retain(|_, (_, at)| now.duration_since(*at) < KEPT);
        if held.len() >= MOST
            && let Some(oldest) = held.iter().min_by_key(|(_, (_, at))| *at).map(|(k, _)| k.clone())
        {
            held.remove(&oldest);
        }
        held.insert(token.clone(), (what.to_owned(), now));
        token
    }

    /// Whether `token` was issued for `what` within the hour.
    pub fn valid(&self, token: Option<&str>, what: &str) -> bool {
        let Some(token) = token.filter(|t| !t.is_empty()) else { return false };
        let held = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        held.get(token).is_some_and(|(w, at)| w == what && at.elapsed() < KEPT)
    }
}
