//! The admin token and the webhook secret. Given on the command line (or in
//! the environment) they are used as they are; absent, a random pair is made
//! on first start and kept in the data directory, so that a restart keeps the
//! secret the payment provider signs with, and `demo-app load` finds both.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file, in the data directory, that keeps generated secrets.
const FILE: &str = "dev-secrets.json";

/// The credentials the service checks.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Secrets {
    /// `X-Admin-Token` of the admin routes.
    pub admin_token: String,
    /// The key payment webhooks are signed with.
    pub webhook_secret: String,
}

/// Where a secret came from, for the banner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The command line or the environment.
    Given,
    /// Generated on a first start and kept in the data directory.
    Kept,
}

fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// The secrets kept in `data_dir`, if there are any.
pub fn kept(data_dir: &Path) -> Option<Secrets> {
    let text = std::fs::read_to_string(path(data_dir)).ok()?;
    serde_json::from_str(&text).ok()
}

/// 24 random bytes as hex.
fn random() -> std::io::Result<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    Ok(hex::encode(bytes))
}

/// The given secrets, the kept ones for those not given, and new ones (then
/// kept, readable by the owner only) when neither exists.
pub fn resolve(
    data_dir: &Path,
    admin_token: Option<&str>,
    webhook_secret: Option<&str>,
) -> std::io::Result<(Secrets, Origin, Origin)> {
    let origin = |given: Option<&str>| {
        if given.is_some() {
            Origin::Given
        } else {
            Origin::Kept
        }
    };
    let origins = (origin(admin_token), origin(webhook_secret));
    if let (Some(admin_token), Some(webhook_secret)) = (admin_token, webhook_secret) {
        let secrets = Secrets {
            admin_token: admin_token.to_owned(),
            webhook_secret: webhook_secret.to_owned(),
        };
        return Ok((secrets, origins.0, origins.1));
    }
    let kept = match kept(data_dir) {
        Some(kept) => kept,
        None => {
            let made = Secrets {
                admin_token: random()?,
                webhook_secret: random()?,
            };
            write_private(
                &path(data_dir),
                serde_json::to_string_pretty(&made)?.as_bytes(),
            )?;
            made
        }
    };
    let secrets = Secrets {
        admin_token: admin_token.map_or(kept.admin_token, str::to_owned),
        webhook_secret: webhook_secret.map_or(kept.webhook_secret, str::to_owned),
    };
    Ok((secrets, origins.0, origins.1))
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_kept_and_given_ones_win() {
        let dir = std::env::temp_dir().join(format!("demo-secrets-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a directory");
        let (first, token, secret) = resolve(&dir, None, None).expect("made");
        assert_eq!((token, secret), (Origin::Kept, Origin::Kept));
        assert_eq!(first.admin_token.len(), 48);
        assert_ne!(first.admin_token, first.webhook_secret);
        let (again, _, _) = resolve(&dir, None, None).expect("read back");
        assert_eq!(again, first);
        assert_eq!(kept(&dir), Some(first.clone()));
        let (mixed, token, secret) = resolve(&dir, Some("t"), None).expect("mixed");
        assert_eq!((token, secret), (Origin::Given, Origin::Kept));
        assert_eq!(mixed.admin_token, "t");
        assert_eq!(mixed.webhook_secret, first.webhook_secret);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
