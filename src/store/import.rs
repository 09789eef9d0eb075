//! Export and import: the format is a JSON array of [`Subscription`]s and
//! user follows (`import_users`: an element with a `user` field; a file
//! without any, as older builds wrote, is still valid). Parsing with line
//! numbers and validation are pure; `Store::export_json` and
//! `Store::import_file` read and write the store.

use std::collections::{BTreeMap, HashMap, HashSet};

pub use super::import_parse::{parse, parse_file};
pub use super::import_users::ImportFile;
use super::import_users::{check_users, user_chunks, Element};
use super::types::{StoreError, Subscription};
use super::{sub_at, Plan, Store, TreeId, UserSub};
use crate::ids::{ChannelId, GuildId};
use crate::trakt::ShowRef;

/// Longest title accepted on import (Discord embed titles stop at 256).
pub const MAX_TITLE_CHARS: usize = 256;

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

    /// [`export`](Self::export), then every user follow, as a pretty JSON
    /// array (the import format).
    pub fn export_json(&self) -> Result<String, StoreError> {
        let mut all: Vec<Element> = self.export()?.into_iter().map(Element::Show).collect();
        let users = self.export_user_follows()?.into_iter();
        all.extend(users.map(|u| Element::User(u.into())));
        serde_json::to_string_pretty(&all).map_err(|e| super::corrupt("export", e))
    }

    /// Parse an export of both kinds ([`parse_file`]).
    pub fn parse_import_file(text: &str) -> Result<ImportFile, StoreError> {
        parse_file(text)
    }

    /// [`import_with`](Self::import_with) of a whole file: the show
    /// subscriptions, then the user follows (chunks of about `chunk`, never
    /// splitting a user; see `Store::import_user_chunk` for what each does).
    /// Everything is validated first; the same contract: idempotent,
    /// resumable, equal to a one-shot import. Returns the changes of both.
    pub fn import_file(
        &self,
        file: ImportFile,
        chunk: usize,
        mut progress: impl FnMut(ImportProgress),
    ) -> Result<usize, StoreError> {
        self.import_chunks(file.subs, file.users, chunk, None, &mut progress)
    }

    /// Parse an export. Malformed JSON, unknown fields, an invalid show or action
    /// list, an empty title, a zero id, a (channel, show) given twice or a channel
    /// in two guilds → [`StoreError::Import`] naming the line.
    pub fn parse_import(text: &str) -> Result<Vec<Subscription>, StoreError> {
        parse(text)
    }

    /// Merge `subs` into the store (in chunks, see [`import_with`](Self::import_with)): a (channel, show) not in the
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
        self.import_with(subs, IMPORT_CHUNK, |_| {})
    }

    /// [`import`](Self::import) written in transactions of about `chunk`
    /// subscriptions (`usize::MAX`: one transaction, the old behaviour, kept
    /// as the benchmark's baseline), each made durable before the next;
    /// `progress` hears after each durable chunk. Everything is validated
    /// first, so a bad file writes nothing. Subscriptions are sorted by show
    /// and a chunk never splits a show: every decision `import` makes
    /// (replace or skip, restart a stale show, drop pending entries) depends
    /// only on that show's subscriptions and state, so chunks are independent,
    /// a rerun after a crash skips what is already there, and the result
    /// equals a one-shot import.
    pub fn import_with(
        &self,
        subs: Vec<Subscription>,
        chunk: usize,
        mut progress: impl FnMut(ImportProgress),
    ) -> Result<usize, StoreError> {
        self.import_chunks(subs, Vec::new(), chunk, None, &mut progress)
    }

    /// [`import_with`](Self::import_with) that writes only `stop_after`
    /// chunks, as a crash would (tests).
    #[cfg(test)]
    pub(super) fn import_in_chunks(
        &self,
        subs: Vec<Subscription>,
        chunk: usize,
        stop_after: Option<usize>,
    ) -> Result<usize, StoreError> {
        self.import_chunks(subs, Vec::new(), chunk, stop_after, &mut |_| {})
    }

    /// [`import_file`](Self::import_file) that writes only `stop_after`
    /// chunks, as a crash would (tests).
    #[cfg(test)]
    pub(super) fn import_file_in_chunks(
        &self,
        file: ImportFile,
        chunk: usize,
        stop_after: Option<usize>,
    ) -> Result<usize, StoreError> {
        self.import_chunks(file.subs, file.users, chunk, stop_after, &mut |_| {})
    }

    fn import_chunks(
        &self,
        mut subs: Vec<Subscription>,
        mut users: Vec<UserSub>,
        chunk: usize,
        stop_after: Option<usize>,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<usize, StoreError> {
        let invalid = |index: usize, reason| StoreError::InvalidSubscription {
            index: index + 1,
            reason,
        };
        check_all(&subs).map_err(|(index, reason)| invalid(index, reason))?;
        check_users(&subs, &users)
            .map_err(|(index, reason)| invalid(subs.len() + index, reason))?;
        subs.sort_by(|a, b| (&a.show, a.channel).cmp(&(&b.show, b.channel)));
        users.sort_by(|a, b| (&a.user, a.channel).cmp(&(&b.user, b.channel)));
        let groups: Vec<&[Subscription]> = show_chunks(&subs, chunk.max(1)).collect();
        let user_groups = user_chunks(&users, chunk);
        let mut at = ImportProgress {
            chunk: 0,
            chunks: groups.len() + user_groups.len(),
            done: 0,
            total: subs.len() + users.len(),
            changed: 0,
        };
        let mut step =
            |at: &mut ImportProgress, n: usize, write: &dyn Fn() -> Result<usize, StoreError>| {
                if stop_after.is_some_and(|stop| at.chunk >= stop) {
                    return Ok(());
                }
                at.changed += write()?;
                self.durable()?;
                at.chunk += 1;
                at.done += n;
                progress(*at);
                Ok::<(), StoreError>(())
            };
        for group in groups {
            step(&mut at, group.len(), &|| self.import_chunk(group))?;
        }
        for group in user_groups {
            step(&mut at, group.len(), &|| self.import_user_chunk(group))?;
        }
        Ok(at.changed)
    }

    /// One chunk, in one transaction under the writer lock.
    fn import_chunk(&self, subs: &[Subscription]) -> Result<usize, StoreError> {
        let _w = self.lock();
        let mut plan = Plan::default();
        let mut changed = 0;
        let mut inactive: BTreeMap<ChannelId, HashSet<&ShowRef>> = BTreeMap::new();
        for sub in subs {
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
            let d = self.plan_drop_entries(&mut plan, channel, |e| {
                e.user.is_none() && shows.contains(&e.show)
            })?;
            dropped.push((channel, d));
        }
        self.apply(&plan)?;
        for (channel, d) in dropped {
            d.log(channel);
        }
        Ok(changed)
    }
}

/// How far an import got, after a chunk was made durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportProgress {
    /// Chunks written (1-based after the first).
    pub chunk: usize,
    /// Chunks in all.
    pub chunks: usize,
    /// Subscriptions in the chunks written.
    pub done: usize,
    /// Subscriptions in the file.
    pub total: usize,
    /// Subscriptions added or changed so far.
    pub changed: usize,
}

/// Subscriptions per import transaction: large enough to amortise the fsync,
/// small enough that sled's transaction stays small (one transaction for
/// 100 000 took minutes and gigabytes).
pub const IMPORT_CHUNK: usize = 2_000;

/// `subs` (sorted by show) cut into runs of about `chunk`, never inside a show.
fn show_chunks(subs: &[Subscription], chunk: usize) -> impl Iterator<Item = &[Subscription]> {
    let mut rest = subs;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = chunk.min(rest.len());
        while end < rest.len() && rest[end].show == rest[end - 1].show {
            end += 1;
        }
        let (head, tail) = rest.split_at(end);
        rest = tail;
        Some(head)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_never_split_a_show() {
        let sub = |show: &str, channel: u64| Subscription {
            slug: None,
            guild: GuildId(1),
            channel: ChannelId(channel),
            show: ShowRef::parse(show).unwrap(),
            title: show.to_owned(),
            actions: crate::trakt::ActionSet::all(),
            created_by: crate::ids::UserId(1),
            created_at: 1,
            state: super::super::types::SubState::Active,
            since: None,
            delivery: Default::default(),
            digest: true,
            digest_window: None,
        };
        let subs = vec![
            sub("a", 1),
            sub("a", 2),
            sub("a", 3),
            sub("b", 1),
            sub("c", 1),
            sub("c", 2),
        ];
        let sizes: Vec<Vec<usize>> = [1, 2, 4, 10]
            .iter()
            .map(|&n| show_chunks(&subs, n).map(<[_]>::len).collect())
            .collect();
        assert_eq!(sizes, [vec![3, 1, 2], vec![3, 3], vec![4, 2], vec![6]]);
    }

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
