//! Passwords: argon2id hashes made and checked on blocking threads, never on the async ones.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use super::random_token;
use crate::StoreError;

pub(super) fn hash_sync(password: &[u8]) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default().hash_password(password, &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Hashes a password with argon2id (19 MiB, 2 passes: the OWASP baseline) off the async threads.
pub async fn hash_password(password: String) -> Result<String, StoreError> {
    tokio::task::spawn_blocking(move || hash_sync(password.as_bytes()))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|problem| StoreError::Decode { doing: "hashing a password".into(), problem })
}

/// Checks a password against a stored hash, taking as long whether or not there is one (so the
/// time taken does not say whether an email has an account).
pub(super) async fn verify_password(password: String, hash: Option<String>) -> bool {
    // A hash of a random password, made once, to spend the same effort when there is no account.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let dummy = DUMMY.get_or_init(|| hash_sync(random_token().as_bytes()).unwrap_or_default());
        let (h, real) = match &hash {
            Some(h) => (h.as_str(), true),
            None => (dummy.as_str(), false),
        };
        let ok = PasswordHash::new(h).is_ok_and(|p| Argon2::default().verify_password(password.as_bytes(), &p).is_ok());
        ok && real
    })
    .await
    .unwrap_or(false)
}
