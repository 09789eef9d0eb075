//! Packing embeds into as few messages as Discord allows (≤ 10 embeds and
//! ≤ 6000 counted characters each, order kept), and the JSON body of a
//! create-message request: embeds, link buttons, mentions always disabled,
//! optional nonce.

use serde::{Deserialize, Serialize};

use super::buttons::ActionRow;
use super::embed::Embed;
use super::limits;

/// One Discord message worth of embeds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub embeds: Vec<Embed>,
}

impl Message {
    /// The characters Discord counts for this message (all embeds together).
    pub fn char_count(&self) -> usize {
        self.embeds.iter().map(Embed::char_count).sum()
    }

    /// The `POST /channels/{id}/messages` body. Mentions are always disabled.
    /// With a nonce, `enforce_nonce` is set so Discord refuses a duplicate; a
    /// nonce that Discord would refuse (empty or over 25 characters) is replaced
    /// by a short deterministic hash of it (see [`fit_nonce`]).
    pub fn to_request(&self, nonce: Option<String>) -> CreateMessage {
        let nonce = nonce.map(|n| fit_nonce(&n));
        CreateMessage {
            content: None,
            flags: 0,
            embeds: self.embeds.clone(),
            components: Vec::new(),
            allowed_mentions: AllowedMentions::none(),
            enforce_nonce: nonce.is_some(),
            nonce,
        }
    }
}

/// The create-message request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateMessage {
    /// Only ever a role mention ([`super::ping`]); left out when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Message flags ([`super::ping`]: suppress notifications); left out when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub flags: u64,
    pub embeds: Vec<Embed>,
    /// Link buttons ([`super::buttons`]); left out when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ActionRow>,
    pub allowed_mentions: AllowedMentions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub enforce_nonce: bool,
}

impl CreateMessage {
    /// The same body with these components (link buttons only).
    pub fn with_components(mut self, components: Vec<ActionRow>) -> Self {
        self.components = components;
        self
    }
}

/// Which mentions in the message may ping.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AllowedMentions {
    pub parse: Vec<MentionKind>,
    /// The roles that may ping (ids as strings); left out when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl AllowedMentions {
    /// Nothing pings: `{"parse": []}`.
    pub fn none() -> Self {
        AllowedMentions {
            parse: Vec::new(),
            roles: Vec::new(),
        }
    }
}

/// A kind of mention Discord can be told to parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MentionKind {
    Users,
    Roles,
    Everyone,
}

/// Whether Discord accepts `nonce` as a string nonce (1 to 25 characters).
pub fn nonce_is_valid(nonce: &str) -> bool {
    (1..=limits::NONCE).contains(&nonce.chars().count())
}

/// `nonce` if Discord accepts it, else `h` + the 16 hex digits of its FNV-1a hash:
/// still deterministic, so a retry of the same message carries the same nonce.
pub fn fit_nonce(nonce: &str) -> String {
    if nonce_is_valid(nonce) {
        return nonce.to_owned();
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in nonce.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("h{h:016x}")
}

/// Group embeds, in order, into messages of at most 10 embeds and 6000 counted
/// characters. Every embed is first brought within the per-embed limits
/// ([`Embed::fit`]; an embed alone over 6000 is shortened). No message is empty;
/// no embed is dropped.
pub fn pack(embeds: Vec<Embed>) -> Vec<Message> {
    pack_tagged(embeds.into_iter().map(|e| (e, ())).collect())
        .into_iter()
        .map(|(m, _)| m)
        .collect()
}

/// [`pack`] for embeds that each carry a tag (what they stand for): each
/// message comes with the tags of its embeds, in order.
pub fn pack_tagged<T>(embeds: Vec<(Embed, T)>) -> Vec<(Message, Vec<T>)> {
    let mut messages = Vec::new();
    let mut current: Vec<Embed> = Vec::new();
    let mut tags: Vec<T> = Vec::new();
    let mut chars = 0;
    for (mut embed, tag) in embeds {
        embed.fit();
        let n = embed.char_count();
        if !current.is_empty()
            && (current.len() >= limits::EMBEDS_PER_MESSAGE || chars + n > limits::MESSAGE_TOTAL)
        {
            let embeds = std::mem::take(&mut current);
            messages.push((Message { embeds }, std::mem::take(&mut tags)));
            chars = 0;
        }
        chars += n;
        current.push(embed);
        tags.push(tag);
    }
    if !current.is_empty() {
        messages.push((Message { embeds: current }, tags));
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embed(tag: u32, desc_chars: usize) -> Embed {
        Embed {
            color: Some(tag),
            description: (desc_chars > 0).then(|| "x".repeat(desc_chars)),
            ..Embed::default()
        }
    }

    fn tags(messages: &[Message]) -> Vec<u32> {
        messages
            .iter()
            .flat_map(|m| m.embeds.iter().filter_map(|e| e.color))
            .collect()
    }

    #[test]
    fn nothing_packs_to_no_messages() {
        assert!(pack(Vec::new()).is_empty());
    }

    #[test]
    fn ten_per_message() {
        let messages = pack((0..25).map(|i| embed(i, 10)).collect());
        let sizes: Vec<usize> = messages.iter().map(|m| m.embeds.len()).collect();
        assert_eq!(sizes, vec![10, 10, 5]);
        assert_eq!(tags(&messages), (0..25).collect::<Vec<_>>());
    }

    #[test]
    fn six_thousand_chars_per_message() {
        // 3000 + 3000 fit exactly; the third starts a new message.
        let messages = pack(vec![embed(0, 3000), embed(1, 3000), embed(2, 1)]);
        let sizes: Vec<usize> = messages.iter().map(|m| m.embeds.len()).collect();
        assert_eq!(sizes, vec![2, 1]);
        assert_eq!(messages[0].char_count(), 6000);
        // 3000 + 3001 do not.
        let mut big = embed(1, 3000);
        big.title = Some("t".into());
        let messages = pack(vec![embed(0, 3000), big]);
        assert_eq!(messages.len(), 2);
    }

    #[test]
    fn an_oversized_embed_is_shortened_and_sent_alone() {
        let mut huge = embed(1, 4000);
        huge.fields = (0..25)
            .map(|i| super::super::EmbedField {
                name: format!("f{i}"),
                value: "v".repeat(1000),
                inline: false,
            })
            .collect();
        assert!(huge.char_count() > limits::MESSAGE_TOTAL);
        let messages = pack(vec![embed(0, 10), huge, embed(2, 10)]);
        assert_eq!(tags(&messages), vec![0, 1, 2]);
        for m in &messages {
            assert!(m.char_count() <= limits::MESSAGE_TOTAL);
            assert!(!m.embeds.is_empty());
        }
    }

    #[test]
    fn request_disables_mentions_and_sets_nonce() {
        let m = Message {
            embeds: vec![embed(7, 3)],
        };
        let v = serde_json::to_value(m.to_request(Some("out-42".into()))).unwrap();
        assert_eq!(v["allowed_mentions"], serde_json::json!({"parse": []}));
        assert_eq!(v["nonce"], "out-42");
        assert_eq!(v["enforce_nonce"], true);
        let v = serde_json::to_value(m.to_request(None)).unwrap();
        assert!(v.get("nonce").is_none());
        assert_eq!(v["enforce_nonce"], false);
        assert_eq!(v["embeds"][0]["color"], 7);
    }

    #[test]
    fn invalid_nonces_become_short_stable_hashes() {
        assert_eq!(fit_nonce("a".repeat(25).as_str()), "a".repeat(25));
        let long = "x".repeat(26);
        let fitted = fit_nonce(&long);
        assert!(nonce_is_valid(&fitted));
        assert_eq!(fitted, fit_nonce(&long));
        assert_ne!(fitted, fit_nonce(&"x".repeat(27)));
        assert!(nonce_is_valid(&fit_nonce("")));
        let m = Message::default();
        assert_eq!(m.to_request(Some(long)).nonce, Some(fitted));
    }
}
