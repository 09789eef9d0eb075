//! Stopping the bot: one cancellation token that every loop watches, and the
//! fatal reason, if any, that made the bot stop (so `main` can exit non-zero
//! with one clear line instead of retrying for ever).

use std::sync::{Arc, OnceLock};

use tokio_util::sync::CancellationToken;

/// A reason to stop that no retry can fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Fatal {
    #[error("Discord refused the bot token: check discord.token / DISCORD_TOKEN")]
    DiscordTokenRefused,
}

/// Shared by every part of the running bot. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    token: CancellationToken,
    fatal: Arc<OnceLock<Fatal>>,
}

impl Shutdown {
    /// A handle around an existing token (the caller may cancel it too).
    pub fn new(token: CancellationToken) -> Self {
        Shutdown {
            token,
            fatal: Arc::default(),
        }
    }

    /// The token every loop selects on.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Stop everything because of `why`; the first reason recorded wins.
    pub fn fail(&self, why: Fatal) {
        let _ = self.fatal.set(why);
        self.token.cancel();
    }

    /// The fatal reason, when the bot stopped because of one.
    pub fn fatal(&self) -> Option<Fatal> {
        self.fatal.get().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_fatal_reason_is_kept_and_cancels() {
        let s = Shutdown::default();
        assert_eq!(s.fatal(), None);
        s.fail(Fatal::DiscordTokenRefused);
        assert!(s.token().is_cancelled());
        assert_eq!(s.fatal(), Some(Fatal::DiscordTokenRefused));
    }
}
