//! Passwords and auth tokens.
//!
//! Passwords are stored as argon2id PHC strings. Auth tokens are `0_<payload hex>_<hmac hex>` where the payload is
//! `v1|<account id>|<admin 0/1>|<expiry ms>` and the MAC is HMAC-SHA256 under a per-installation key kept in the data
//! directory (`auth.key`, created on first start). Tokens carry no server-side session: a token is valid while it
//! verifies, has not expired, and its account still exists and is not deleted (checked per request by the caller).
//! What does not belong here: SOAP parsing (see `http`) and account lookups (see `cx`).

use std::fs;
use std::io::Write;
use std::path::Path;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use hmac::{Hmac, Mac};
use inboxd_model::{AccountId, Timestamp};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const KEY_FILE: &str = "auth.key";
const KEY_LEN: usize = 32;

/// Why a token or password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("malformed or forged auth token")]
    Invalid,
    #[error("auth token expired")]
    Expired,
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("auth key file: {0}")]
    KeyFile(String),
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Checks a password against a stored argon2 hash; a malformed hash never verifies.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub account: AccountId,
    pub admin: bool,
    pub expires: Timestamp,
}

/// The installation's token signing key.
#[derive(Clone)]
pub struct TokenKey([u8; KEY_LEN]);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    /// Loads `DIR/auth.key`, creating it (mode 0600) with a fresh random key if absent.
    pub fn load_or_create(dir: &Path) -> Result<Self, AuthError> {
        let path = dir.join(KEY_FILE);
        let err = |e: std::io::Error| AuthError::KeyFile(format!("{}: {e}", path.display()));
        if let Ok(bytes) = fs::read(&path) {
            let key: [u8; KEY_LEN] = bytes
                .try_into()
                .map_err(|_| AuthError::KeyFile(format!("{}: wrong length", path.display())))?;
            return Ok(Self(key));
        }
        let mut key = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut key);
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut file = opts.open(&path).map_err(err)?;
        file.write_all(&key).map_err(err)?;
        file.sync_all().map_err(err)?;
        Ok(Self(key))
    }

    /// A key from raw bytes (tests).
    pub fn from_bytes(key: [u8; KEY_LEN]) -> Self {
        Self(key)
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail for a 32-byte key.
        <HmacSha256 as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }

    /// Issues a token for `claims`.
    pub fn issue(&self, claims: &TokenClaims) -> String {
        let payload = format!(
            "v1|{}|{}|{}",
            claims.account,
            u8::from(claims.admin),
            claims.expires.as_millis()
        );
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let tag = mac.finalize().into_bytes();
        format!("0_{}_{}", hex(payload.as_bytes()), hex(&tag))
    }

    /// Verifies a token's signature and expiry at `now`.
    pub fn verify(&self, token: &str, now: Timestamp) -> Result<TokenClaims, AuthError> {
        let rest = token.trim().strip_prefix("0_").ok_or(AuthError::Invalid)?;
        let (payload_hex, tag_hex) = rest.split_once('_').ok_or(AuthError::Invalid)?;
        let payload = unhex(payload_hex).ok_or(AuthError::Invalid)?;
        let tag = unhex(tag_hex).ok_or(AuthError::Invalid)?;
        let mut mac = self.mac();
        mac.update(&payload);
        mac.verify_slice(&tag).map_err(|_| AuthError::Invalid)?;
        let claims = parse_payload(&payload).ok_or(AuthError::Invalid)?;
        if claims.expires <= now {
            return Err(AuthError::Expired);
        }
        Ok(claims)
    }
}

fn parse_payload(payload: &[u8]) -> Option<TokenClaims> {
    let text = std::str::from_utf8(payload).ok()?;
    let mut parts = text.split('|');
    if parts.next()? != "v1" {
        return None;
    }
    let account = AccountId::new(parts.next()?);
    let admin = match parts.next()? {
        "1" => true,
        "0" => false,
        _ => return None,
    };
    let expires = Timestamp::from_millis(parts.next()?.parse().ok()?);
    parts.next().is_none().then_some(TokenClaims {
        account,
        admin,
        expires,
    })
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(expires: u64) -> TokenClaims {
        TokenClaims {
            account: AccountId::new("acct-1"),
            admin: false,
            expires: Timestamp(expires),
        }
    }

    #[test]
    fn token_round_trip() {
        let key = TokenKey::from_bytes([7; 32]);
        let token = key.issue(&claims(10_000));
        assert_eq!(key.verify(&token, Timestamp(5_000)), Ok(claims(10_000)));
    }

    #[test]
    fn expired_token_is_refused() {
        let key = TokenKey::from_bytes([7; 32]);
        let token = key.issue(&claims(10_000));
        assert_eq!(
            key.verify(&token, Timestamp(10_000)),
            Err(AuthError::Expired)
        );
    }

    #[test]
    fn forged_tokens_are_refused() {
        let key = TokenKey::from_bytes([7; 32]);
        let other = TokenKey::from_bytes([8; 32]);
        let token = other.issue(&claims(10_000));
        assert_eq!(key.verify(&token, Timestamp(0)), Err(AuthError::Invalid));
        // Flip the admin bit in the payload while keeping the old MAC.
        let good = key.issue(&claims(10_000));
        let forged = good.replacen(&hex(b"|0|"), &hex(b"|1|"), 1);
        assert_ne!(forged, good);
        assert_eq!(key.verify(&forged, Timestamp(0)), Err(AuthError::Invalid));
        for junk in ["", "0_", "0_zz_zz", "garbage", "0_7631_"] {
            assert_eq!(
                key.verify(junk, Timestamp(0)),
                Err(AuthError::Invalid),
                "{junk:?}"
            );
        }
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("s3cret").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("s3cret", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("s3cret", "not a hash"));
    }

    #[test]
    fn key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = TokenKey::load_or_create(dir.path()).unwrap();
        let b = TokenKey::load_or_create(dir.path()).unwrap();
        assert_eq!(a.0, b.0);
    }
}
