//! Pure: what the bot puts in a forum or media channel. Each followed show
//! gets one post (a thread of the forum) titled with the show, tagged with
//! the forum's tag named like the show (case-insensitive), else with a tag
//! named "Trakt", else with none. Moderated tags (only members with Manage
//! Threads may apply them) are never chosen. A forum that requires a tag on
//! each post and has neither is refused at `/follow` (the bot would be
//! refused every post there). Also what Discord says about a channel
//! (`GET /channels/{id}`) as far as the bot uses it. No I/O: the REST calls
//! are in `rest::forum`.

use serde::{Deserialize, Serialize};

use crate::format::AllowedMentions;

/// Discord's channel type of a forum.
pub const FORUM: u8 = 15;
/// Discord's channel type of a media channel (a forum of media posts).
pub const MEDIA: u8 = 16;
/// Channel flag: every post needs a tag.
pub const REQUIRE_TAG: u64 = 1 << 4;
/// The tag chosen when none is named like the show.
pub const FALLBACK_TAG: &str = "Trakt";
/// Discord's limit on a thread's name.
pub const MAX_POST_NAME: usize = 100;

/// Discord's error code for a post that needs a tag (40067).
pub const TAG_REQUIRED_CODE: u64 = 40067;

/// A forum's tag.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ForumTag {
    #[serde(with = "snowflake")]
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub moderated: bool,
}

/// A thread's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ThreadState {
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub locked: bool,
}

/// A channel as `GET /channels/{id}` describes it (the parts used here).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ChannelInfo {
    #[serde(rename = "type")]
    pub kind: u8,
    #[serde(default)]
    pub flags: u64,
    #[serde(default)]
    pub available_tags: Vec<ForumTag>,
    #[serde(default)]
    pub thread_metadata: Option<ThreadState>,
}

impl ChannelInfo {
    pub fn is_locked(&self) -> bool {
        self.thread_metadata.is_some_and(|t| t.locked)
    }
}

/// Is a channel of Discord type `kind` a forum (or media channel)?
pub fn is_forum(kind: u8) -> bool {
    kind == FORUM || kind == MEDIA
}

/// A forum that requires a tag has none the bot could use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagRequired;

/// The tag a post about `title` gets in a forum with `tags`.
pub fn choose_tag(
    tags: &[ForumTag],
    required: bool,
    title: &str,
) -> Result<Option<u64>, TagRequired> {
    let usable = || tags.iter().filter(|t| !t.moderated);
    let named = |name: &str| {
        let name = name.trim().to_lowercase();
        usable()
            .find(|t| t.name.trim().to_lowercase() == name)
            .map(|t| t.id)
    };
    match named(title).or_else(|| named(FALLBACK_TAG)) {
        Some(tag) => Ok(Some(tag)),
        None if required => Err(TagRequired),
        None => Ok(None),
    }
}

/// The post's name: the show's title, cut to Discord's 100 characters.
pub fn post_name(title: &str) -> String {
    let title = title.trim();
    if title.is_empty() {
        return FALLBACK_TAG.to_owned();
    }
    if title.chars().count() <= MAX_POST_NAME {
        return title.to_owned();
    }
    let mut name: String = title.chars().take(MAX_POST_NAME - 1).collect();
    name.push('…');
    name
}

/// `POST /channels/{forum}/threads`: a forum post and its first message.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PostRequest {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub applied_tags: Vec<String>,
    pub message: StarterMessage,
}

/// A post's first message: what the post is for (mentions disabled).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StarterMessage {
    pub content: String,
    pub allowed_mentions: AllowedMentions,
}

/// The request that opens the post about `title`, tagged with `tag`.
pub fn post_request(title: &str, tag: Option<u64>) -> PostRequest {
    let shown = crate::format::escape_markdown(title.trim());
    PostRequest {
        name: post_name(title),
        applied_tags: tag.map(|t| t.to_string()).into_iter().collect(),
        message: StarterMessage {
            content: format!("📺 Trakt activity about **{shown}** is posted in this post."),
            allowed_mentions: AllowedMentions::default(),
        },
    }
}

/// What `/follow` answers for a forum whose posts need a tag it does not have.
pub fn tag_required_text(place: &str) -> String {
    format!(
        "Posts in {place} need a tag, and it has none I can use: create a tag named **{FALLBACK_TAG}** (or one named like the show, not moderated), then /follow again. Nothing was changed."
    )
}

/// Discord sends snowflakes as strings.
mod snowflake {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(id: u64, name: &str, moderated: bool) -> ForumTag {
        ForumTag {
            id,
            name: name.to_owned(),
            moderated,
        }
    }

    #[test]
    fn the_tag_named_like_the_show_wins_then_trakt_then_none() {
        let tags = [
            tag(1, "trakt", false),
            tag(2, "The Walking Dead ", false),
            tag(3, "Severance", true),
        ];
        assert_eq!(choose_tag(&tags, false, "the walking dead"), Ok(Some(2)));
        assert_eq!(choose_tag(&tags, false, "Breaking Bad"), Ok(Some(1)));
        // A moderated tag is never chosen.
        assert_eq!(choose_tag(&tags, true, "Severance"), Ok(Some(1)));
        assert_eq!(choose_tag(&tags[1..], false, "Breaking Bad"), Ok(None));
        assert_eq!(
            choose_tag(&tags[1..], true, "Breaking Bad"),
            Err(TagRequired)
        );
        assert_eq!(choose_tag(&[], false, "x"), Ok(None));
    }

    #[test]
    fn the_post_is_named_after_the_show_within_discords_limit() {
        assert_eq!(post_name(" The Walking Dead "), "The Walking Dead");
        let long = "x".repeat(150);
        let name = post_name(&long);
        assert_eq!(name.chars().count(), MAX_POST_NAME);
        assert!(name.ends_with('…'));
        assert_eq!(post_name("  "), "Trakt");
        let body = serde_json::to_value(post_request("*Dexter*", Some(7))).expect("json");
        assert_eq!(body["name"], "*Dexter*");
        assert_eq!(body["applied_tags"], serde_json::json!(["7"]));
        assert_eq!(
            body["message"]["allowed_mentions"],
            serde_json::json!({"parse": []})
        );
        let content = body["message"]["content"].as_str().expect("content");
        assert!(content.contains("**\\*Dexter\\***"), "{content}");
        let untagged = serde_json::to_value(post_request("Dexter", None)).expect("json");
        assert!(untagged.get("applied_tags").is_none());
    }

    #[test]
    fn reads_a_channel() {
        let json = r#"{"id":"5","type":15,"flags":16,"available_tags":[{"id":"9","name":"Trakt","moderated":false,"emoji_id":null,"emoji_name":null}]}"#;
        let c: ChannelInfo = serde_json::from_str(json).expect("forum");
        assert!(is_forum(c.kind) && c.flags & REQUIRE_TAG != 0);
        assert_eq!(c.available_tags[0].id, 9);
        let json = r#"{"id":"6","type":11,"thread_metadata":{"archived":true,"locked":true,"auto_archive_duration":60}}"#;
        let t: ChannelInfo = serde_json::from_str(json).expect("thread");
        assert!(t.is_locked());
        assert!(!is_forum(t.kind));
    }
}
