//! `discord.shards`: `"auto"` (Discord's recommended count, from
//! `GET /gateway/bot`) or a fixed number of gateway shards.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// The most shards `discord.shards` accepts (far beyond what one process
/// should run; Discord recommends one shard per 1000 guilds).
pub const MAX_SHARDS: u32 = 1024;

/// How many gateway shards the bot runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shards {
    /// As many as Discord recommends (`GET /gateway/bot`).
    #[default]
    Auto,
    /// Exactly this many (1 to [`MAX_SHARDS`]).
    Fixed(u32),
}

impl Shards {
    /// Parses the TOML value: `"auto"` or an integer from 1 to [`MAX_SHARDS`].
    fn from_number(n: i64) -> Result<Self, String> {
        match u32::try_from(n) {
            Ok(n) if (1..=MAX_SHARDS).contains(&n) => Ok(Shards::Fixed(n)),
            _ => Err(format!(
                "must be \"auto\" or a number of shards from 1 to {MAX_SHARDS}, not {n}"
            )),
        }
    }

    fn from_text(text: &str) -> Result<Self, String> {
        if text.trim().eq_ignore_ascii_case("auto") {
            Ok(Shards::Auto)
        } else {
            Err(format!(
                "must be \"auto\" or a number of shards from 1 to {MAX_SHARDS}, not {text:?}"
            ))
        }
    }
}

impl fmt::Display for Shards {
    /// As TOML: `"auto"` or the number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shards::Auto => f.write_str("\"auto\""),
            Shards::Fixed(n) => write!(f, "{n}"),
        }
    }
}

impl<'de> Deserialize<'de> for Shards {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ShardsVisitor;

        impl Visitor<'_> for ShardsVisitor {
            type Value = Shards;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "\"auto\" or a number of shards from 1 to {MAX_SHARDS}")
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Shards, E> {
                Shards::from_number(n).map_err(E::custom)
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Shards, E> {
                Shards::from_number(i64::try_from(n).unwrap_or(i64::MAX)).map_err(E::custom)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Shards, E> {
                Shards::from_text(text).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(ShardsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Wrap {
        shards: Shards,
    }

    fn parse(value: &str) -> Result<Shards, String> {
        toml::from_str::<Wrap>(&format!("shards = {value}"))
            .map(|w| w.shards)
            .map_err(|e| e.message().to_owned())
    }

    #[test]
    fn auto_and_positive_numbers_parse() {
        assert_eq!(parse("\"auto\""), Ok(Shards::Auto));
        assert_eq!(parse("\"AUTO\""), Ok(Shards::Auto));
        assert_eq!(parse("1"), Ok(Shards::Fixed(1)));
        assert_eq!(parse("2"), Ok(Shards::Fixed(2)));
        assert_eq!(parse("1024"), Ok(Shards::Fixed(MAX_SHARDS)));
        assert_eq!(Shards::default(), Shards::Auto);
    }

    #[test]
    fn zero_negative_huge_and_other_values_are_refused() {
        for bad in [
            "0",
            "-1",
            "1025",
            "99999999999",
            "\"two\"",
            "\"\"",
            "1.5",
            "true",
        ] {
            assert!(parse(bad).is_err(), "{bad} parsed");
        }
        let message = parse("0").expect_err("0");
        assert!(message.contains("from 1 to 1024"), "{message}");
    }

    #[test]
    fn displays_as_toml() {
        assert_eq!(Shards::Auto.to_string(), "\"auto\"");
        assert_eq!(Shards::Fixed(3).to_string(), "3");
        assert_eq!(parse(&Shards::Fixed(3).to_string()), Ok(Shards::Fixed(3)));
    }
}
