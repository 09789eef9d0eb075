//! Export and import: the format is a JSON array of [`Subscription`]s.
//! Parsing with line numbers and validation are pure; `Store::export` and
//! `Store::import` read and write the store.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::value::RawValue;

use super::types::{StoreError, Subscription};
use super::{sub_at, Plan, Store, TreeId};
use crate::ids::{ChannelId, GuildId};
use crate::trakt::ShowRef;

/// Longest title accepted on import (Discord embed titles stop at 256).
pub const MAX_TITLE_CHARS: usize = 256;

/// Parse an export: a JSON array of subscriptions. Errors name the line.
pub fn parse(text: &str) -> Result<Vec<Subscription>, StoreError> {
    let raws: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| json_error(&e, 1, 1))?;
    let mut subs = Vec::with_capacity(raws.len());
    let mut lines = Vec::with_capacity(raws.len());
    for raw in raws {
        let (line, column) = position_of(text, raw.get());
        let sub: Subscription =
            serde_json::from_str(raw.get()).map_err(|e| json_error(&e, line, column))?;
        subs.push(sub);
        lines.push(line);
    }
    check_all(&subs).map_err(|(index, reason)| StoreError::Import {
        line: lines.get(index).copied().unwrap_or(1),
        reason,
    })?;
    Ok(subs)
}

/// Check every subscription and the set as a whole: `Err((index, reason))`
/// names the first bad one (0-based).
pub fn check_all(subs: &[Subscription]) -> Result<(), (usize, String)> {
    let mut seen: HashMap<(ChannelId, &ShowRef), usize> = HashMap::new();
    let mut guild_of: HashMap<ChannelId, GuildId> = HashMap::new();
    for (index, sub) in subs.iter().enumerate() {
        check_one(sub).map_err(|reason| (index, reason))?;
        if let Some(first) = seen.insert((sub.channel, &sub.show), index) {
            return Err((
                index,
                format!(
                    "channel {} follows `{}` twice (also subscription #{})",
                    sub.channel,
                    sub.show,
                    first + 1
                ),
            ));
        }
        let guild = *guild_of.entry(sub.channel).or_insert(sub.guild);
        if guild != sub.guild {
            return Err((
                index,
                format!(
                    "channel {} is in guild {guild} elsewhere in the file, not guild {}",
                    sub.channel, sub.guild
                ),
            ));
        }
    }
    Ok(())
}

/// Check one subscription on its own (the typed fields may have been built in code,
/// bypassing the parsers).
pub fn check_one(sub: &Subscription) -> Result<(), String> {
    if sub.guild.0 == 0 || sub.channel.0 == 0 || sub.created_by.0 == 0 {
        return Err("a Discord id (guild, channel, created_by) is 0".to_owned());
    }
    match ShowRef::parse(&sub.show.to_string()) {
        Ok(show) if show == sub.show => {}
        Ok(_) => return Err(format!("the show `{}` is not in canonical form", sub.show)),
        Err(e) => return Err(e.to_string()),
    }
    if sub.actions.is_empty() {
        return Err("no actions".to_owned());
    }
    let title = sub.title.trim();
    if title.is_empty() {
        return Err("the title is empty".to_owned());
    }
    let chars = sub.title.chars().count();
    if chars > MAX_TITLE_CHARS {
        return Err(format!(
            "the title is {chars} characters long; at most {MAX_TITLE_CHARS} are allowed"
        ));
    }
    Ok(())
}

/// A title that passes [`check_one`]: trimmed, the show's name when blank, at
/// most [`MAX_TITLE_CHARS`] characters.
pub fn clean_title(title: &str, show: &ShowRef) -> String {
    let title = title.trim();
    if title.is_empty() {
        return show.to_string();
    }
    title.chars().take(MAX_TITLE_CHARS).collect()
}

/// 1-based line and column where `part` (a sub-slice of `text`) starts.
fn position_of(text: &str, part: &str) -> (usize, usize) {
    let offset = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    let Some(before) = text.get(..offset) else {
        return (1, 1);
    };
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    (line, column)
}

/// A serde error inside an element that starts at (`line`, `column`) of the whole text.
fn json_error(e: &serde_json::Error, line: usize, column: usize) -> StoreError {
    let text = e.to_string();
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(message, _)| message);
    let (at_line, at_column) = if e.line() <= 1 {
        (line, column + e.column().saturating_sub(1))
    } else {
        (line + e.line() - 1, e.column())
    };
    StoreError::Import {
        line: at_line,
        reason: format!("{message} (column {at_column})"),
    }
}

impl Store {
    /// Every subscription, ordered by guild, channel, show.
    pub fn export(&self) -> Result<Vec<Subscription>, StoreError> {
        let mut out = self
            .tree(TreeId::Subs)
            .iter()
            .values()
            .map(|v| sub_at(&v?))
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| (a.guild, a.channel, &a.show).cmp(&(b.guild, b.channel, &b.show)));
        Ok(out)
    }

    /// [`export`](Self::export) as a pretty JSON array (the import format).
    pub fn export_json(&self) -> Result<String, StoreError> {
        let subs = self.export()?;
        serde_json::to_string_pretty(&subs).map_err(|e| super::corrupt("export", e))
    }

    /// Parse an export. Malformed JSON, unknown fields, an invalid show or action
    /// list, an empty title, a zero id, a (channel, show) given twice or a channel
    /// in two guilds → [`StoreError::Import`] naming the line.
    pub fn parse_import(text: &str) -> Result<Vec<Subscription>, StoreError> {
        parse(text)
    }

    /// Merge `subs` into the store in one transaction: a (channel, show) not in the
    /// store is added as given; one already there is replaced by the given one
    /// (the file wins). Idempotent. Returns how many subscriptions were added or
    /// changed (0 when importing the same file again). Nothing is written when any
    /// subscription is invalid ([`StoreError::InvalidSubscription`]). Watermarks are
    /// not set: the poller starts imported shows as it starts any show without one.
    /// A subscription the file makes active again whose show no other channel
    /// actively follows clears the show's stale watermark, like a
    /// [`follow`](Store::follow) without Trakt's clock, so nothing from the
    /// pause is fetched.
    /// A subscription imported as not active drops its channel's pending entries
    /// for the show, like an unfollow.
    pub fn import(&self, subs: Vec<Subscription>) -> Result<usize, StoreError> {
        check_all(&subs).map_err(|(index, reason)| StoreError::InvalidSubscription {
            index: index + 1,
            reason,
        })?;
        let _w = self.lock();
        let mut plan = Plan::default();
        let mut changed = 0;
        let mut inactive: BTreeMap<ChannelId, HashSet<&ShowRef>> = BTreeMap::new();
        for sub in &subs {
            let old = self.get_sub(&sub.show, sub.channel)?;
            if old.as_ref() == Some(sub) {
                continue;
            }
            changed += 1;
            Self::plan_put_sub(&mut plan, sub, old.as_ref())?;
            let was_active = old.as_ref().is_some_and(|o| o.state.is_active());
            if sub.state.is_active() && !was_active {
                // No Trakt clock here: a stale watermark is cleared instead.
                self.plan_start(&mut plan, &sub.show, sub.channel, None, true)?;
            }
            if !sub.state.is_active() {
                inactive.entry(sub.channel).or_default().insert(&sub.show);
            }
        }
        let mut dropped = Vec::new();
        for (channel, shows) in inactive {
            let d = self.plan_drop_entries(&mut plan, channel, |s| shows.contains(s))?;
            dropped.push((channel, d));
        }
        self.apply(&plan)?;
        for (channel, d) in dropped {
            d.log(channel);
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(text: &str) -> (usize, String) {
        match parse(text).unwrap_err() {
            StoreError::Import { line, reason } => (line, reason),
            other => panic!("unexpected {other}"),
        }
    }

    const GOOD: &str = r#"[
  {
    "guild": 1,
    "channel": 2,
    "show": "fargo",
    "title": "Fargo",
    "actions": "seen,shout",
    "created_by": 3,
    "created_at": 100,
    "state": { "status": "active" }
  },
  {
    "guild": 1,
    "channel": 2,
    "show": "153021",
    "title": "The Walking Dead",
    "actions": "all",
    "created_by": 3,
    "created_at": 100,
    "state": { "status": "disabled", "reason": "403", "since": 5 }
  }
]"#;

    #[test]
    fn parses_a_good_file() {
        let subs = parse(GOOD).unwrap();
        assert_eq!(subs.len(), 2);
        assert_eq!(subs[1].show, ShowRef::Tvdb(153021));
        assert_eq!(subs[0].actions.to_string(), "seen,shout");
    }

    #[test]
    fn errors_name_the_line() {
        let (line, reason) = line_of(&GOOD.replace("\"fargo\"", "\"a/b\""));
        assert_eq!(line, 5, "{reason}");
        assert!(reason.contains("`/`"), "{reason}");

        let (line, reason) = line_of(&GOOD.replace("\"all\"", "\"seen,bogus\""));
        assert_eq!(line, 17, "{reason}");
        assert!(reason.contains("bogus"), "{reason}");

        let (line, reason) = line_of(&GOOD.replace("\"title\": \"Fargo\",", ""));
        assert_eq!(line, 11, "{reason}");
        assert!(reason.contains("missing field `title`"), "{reason}");

        let (line, reason) = line_of(&GOOD.replace(
            "\"created_at\": 100,\n    \"state\": { \"status\": \"active\" }",
            "\"created_at\": 100, \"colour\": 1,\n    \"state\": { \"status\": \"active\" }",
        ));
        assert_eq!(line, 9, "{reason}");
        assert!(reason.contains("unknown field `colour`"), "{reason}");

        let (line, _) = line_of("[\n{\n");
        assert_eq!(line, 3);
        let (line, reason) = line_of("{}");
        assert_eq!(line, 1);
        assert!(reason.contains("sequence"), "{reason}");
    }

    #[test]
    fn refuses_duplicates_and_bad_values() {
        let dup = GOOD.replace("\"153021\"", "\"fargo\"");
        let (line, reason) = line_of(&dup);
        assert_eq!(line, 12);
        assert!(reason.contains("twice"), "{reason}");

        let (line, reason) = line_of(&GOOD.replace("\"The Walking Dead\"", "\"  \""));
        assert_eq!(line, 12);
        assert!(reason.contains("title"), "{reason}");

        let moved = GOOD.replacen("\"guild\": 1", "\"guild\": 9", 1);
        let (line, reason) = line_of(&moved);
        assert_eq!(line, 12);
        assert!(reason.contains("guild"), "{reason}");

        let (_, reason) = line_of(&GOOD.replace("\"channel\": 2", "\"channel\": 0"));
        assert!(reason.contains("is 0"), "{reason}");
    }

    #[test]
    fn clean_titles_always_pass() {
        let show = ShowRef::Slug("fargo".into());
        assert_eq!(clean_title("  ", &show), "fargo");
        assert_eq!(clean_title(" Fargo ", &show), "Fargo");
        let long = clean_title(&"é".repeat(300), &show);
        assert_eq!(long.chars().count(), MAX_TITLE_CHARS);
        let mut sub = parse(GOOD).unwrap().remove(0);
        sub.title = long;
        assert_eq!(check_one(&sub), Ok(()));
    }

    #[test]
    fn check_one_catches_values_built_in_code() {
        let mut sub = parse(GOOD).unwrap().remove(0);
        sub.show = ShowRef::Slug("A/B".into());
        assert!(check_one(&sub).is_err());
        sub.show = ShowRef::Slug("123".into());
        assert!(check_one(&sub).unwrap_err().contains("canonical"));
        sub.show = ShowRef::Tvdb(1);
        sub.actions = crate::trakt::ActionSet::none();
        assert!(check_one(&sub).is_err());
    }
}
