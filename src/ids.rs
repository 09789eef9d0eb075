//! Typed identifiers used across the crate, so a channel id can never be passed
//! where a guild id is expected. Discord snowflakes are `u64`s on the wire.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! snowflake {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// The raw numeric value.
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

snowflake!(
    /// A Discord guild (server).
    GuildId
);
snowflake!(
    /// A Discord text channel.
    ChannelId
);
snowflake!(
    /// A Discord user.
    UserId
);
snowflake!(
    /// A Discord role (a follow's ping).
    RoleId
);
snowflake!(
    /// A Discord message.
    MessageId
);
snowflake!(
    /// A pending delivery in the outbox; monotonic across restarts.
    OutboxId
);
