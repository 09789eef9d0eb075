//! Typed key encoding for the store's trees: big-endian integers and a
//! prefix-free show encoding, so that byte order is the order scans need and a
//! show's key is never a prefix of another show's key.
//!
//! Pure: no sled calls here.

use crate::ids::{ChannelId, GuildId, OutboxId};
use crate::trakt::{ActivityKey, ShowRef};

/// Tag byte of a show given by TVDB id (followed by the id as 8 BE bytes).
const SHOW_TVDB: u8 = 0x01;
/// Tag byte of a show given by slug (followed by the slug and a 0x00 terminator;
/// slugs never contain 0x00).
const SHOW_SLUG: u8 = 0x02;
const SLUG_END: u8 = 0x00;
/// Tag byte of a show given by Trakt id (followed by the id as 8 BE bytes).
const SHOW_TRAKT: u8 = 0x03;

/// Append the key of `show`.
pub fn push_show(out: &mut Vec<u8>, show: &ShowRef) {
    match show {
        ShowRef::Tvdb(id) => {
            out.push(SHOW_TVDB);
            out.extend_from_slice(&id.to_be_bytes());
        }
        ShowRef::Slug(slug) => {
            out.push(SHOW_SLUG);
            out.extend_from_slice(slug.as_bytes());
            out.push(SLUG_END);
        }
        ShowRef::Trakt(id) => {
            out.push(SHOW_TRAKT);
            out.extend_from_slice(&id.to_be_bytes());
        }
    }
}

/// The key of `show` alone (`shows` tree; prefix of `subs` and `dedupe` keys).
pub fn show(show: &ShowRef) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    push_show(&mut out, show);
    out
}

/// Read a show key from the front of `bytes`; returns the show and the rest.
pub fn split_show(bytes: &[u8]) -> Result<(ShowRef, &[u8]), String> {
    match bytes.split_first() {
        Some((&SHOW_TVDB, rest)) => {
            let (id, rest) = split_u64(rest).ok_or("truncated TVDB id")?;
            Ok((ShowRef::Tvdb(id), rest))
        }
        Some((&SHOW_TRAKT, rest)) => {
            let (id, rest) = split_u64(rest).ok_or("truncated Trakt id")?;
            Ok((ShowRef::Trakt(id), rest))
        }
        Some((&SHOW_SLUG, rest)) => {
            let end = rest
                .iter()
                .position(|b| *b == SLUG_END)
                .ok_or("unterminated slug")?;
            let slug = std::str::from_utf8(&rest[..end]).map_err(|e| e.to_string())?;
            let show = ShowRef::parse(slug).map_err(|e| e.to_string())?;
            if !matches!(show, ShowRef::Slug(_)) {
                return Err(format!("slug key holds a TVDB id `{slug}`"));
            }
            Ok((show, &rest[end + 1..]))
        }
        Some((tag, _)) => Err(format!("unknown show tag {tag:#04x}")),
        None => Err("empty show key".to_owned()),
    }
}

fn split_u64(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*head), rest))
}

/// The leading u64 of a key (a channel or guild id), and the rest.
pub fn split_id(bytes: &[u8]) -> Result<(u64, &[u8]), String> {
    split_u64(bytes).ok_or_else(|| "key shorter than 8 bytes".to_owned())
}

/// `subs`: show + channel. Grouped by show, so the poller's scan streams show by show.
pub fn sub(show: &ShowRef, channel: ChannelId) -> Vec<u8> {
    let mut out = self::show(show);
    out.extend_from_slice(&channel.0.to_be_bytes());
    out
}

/// `subs_by_channel`: channel + show.
pub fn by_channel(channel: ChannelId, show: &ShowRef) -> Vec<u8> {
    let mut out = channel.0.to_be_bytes().to_vec();
    push_show(&mut out, show);
    out
}

/// `subs_by_guild`: guild + channel + show.
pub fn by_guild(guild: GuildId, channel: ChannelId, show: &ShowRef) -> Vec<u8> {
    let mut out = guild.0.to_be_bytes().to_vec();
    out.extend_from_slice(&channel.0.to_be_bytes());
    push_show(&mut out, show);
    out
}

/// `dedupe`: show + activity key.
pub fn dedupe(show: &ShowRef, key: &ActivityKey) -> Vec<u8> {
    let mut out = self::show(show);
    out.extend_from_slice(key.0.as_bytes());
    out
}

/// Tag byte of a followed Trakt user (followed by the slug and a 0x00
/// terminator): never the first byte of a show key, so a user's keys share
/// the `dedupe` tree with the shows' without ever matching a show prefix.
const USER: u8 = 0x10;

/// The key of a followed user (`user_state`; prefix of `user_subs` and of
/// the user's `dedupe` keys).
pub fn user(user: &crate::trakt::v2::UserSlug) -> Vec<u8> {
    let mut out = Vec::with_capacity(user.0.len() + 2);
    out.push(USER);
    out.extend(user.0.bytes().filter(|b| *b != SLUG_END));
    out.push(SLUG_END);
    out
}

/// `user_subs`: user + channel.
pub fn user_sub(u: &crate::trakt::v2::UserSlug, channel: ChannelId) -> Vec<u8> {
    let mut out = user(u);
    out.extend_from_slice(&channel.0.to_be_bytes());
    out
}

/// `dedupe` of a user's activity: user + activity key.
pub fn user_dedupe(u: &crate::trakt::v2::UserSlug, key: &ActivityKey) -> Vec<u8> {
    let mut out = user(u);
    out.extend_from_slice(key.0.as_bytes());
    out
}

/// A unix time as 8 bytes whose byte order is the numeric order (sign bit flipped).
pub fn time(t: i64) -> [u8; 8] {
    ((t as u64) ^ (1 << 63)).to_be_bytes()
}

/// `dedupe_by_time`: recorded-at time + the `dedupe` key.
pub fn dedupe_by_time(recorded_at: i64, dedupe_key: &[u8]) -> Vec<u8> {
    let mut out = time(recorded_at).to_vec();
    out.extend_from_slice(dedupe_key);
    out
}

/// The `dedupe` key inside a `dedupe_by_time` key.
pub fn dedupe_key_of_time_key(key: &[u8]) -> Result<&[u8], String> {
    split_id(key).map(|(_, rest)| rest)
}

/// `outbox`: channel + id. Ids are monotonic, so a channel's entries scan oldest first.
pub fn outbox(channel: ChannelId, id: OutboxId) -> [u8; 16] {
    let mut out = [0; 16];
    out[..8].copy_from_slice(&channel.0.to_be_bytes());
    out[8..].copy_from_slice(&id.0.to_be_bytes());
    out
}

/// An `outbox` key split into its channel and id.
pub fn split_outbox(key: &[u8]) -> Result<(ChannelId, OutboxId), String> {
    let raw: [u8; 16] = key
        .try_into()
        .map_err(|_| format!("outbox key of {} bytes, not 16", key.len()))?;
    let (channel, id) = raw.split_at(8);
    let (channel, _) = split_u64(channel).ok_or("short channel")?;
    let (id, _) = split_u64(id).ok_or("short id")?;
    Ok((ChannelId(channel), OutboxId(id)))
}

/// A key as hex, for logs.
pub fn hex(key: &[u8]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

/// The prefix of every key that starts with `channel` (or a guild).
pub fn id_prefix(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_keys_round_trip_and_are_prefix_free() {
        let shows = [
            ShowRef::Slug("fargo".into()),
            ShowRef::Slug("fargo-2".into()),
            ShowRef::Slug("f".into()),
            ShowRef::Tvdb(0),
            ShowRef::Tvdb(u64::MAX),
            ShowRef::Trakt(0),
            ShowRef::Trakt(1393),
        ];
        for a in &shows {
            let key = sub(a, ChannelId(7));
            let (back, rest) = split_show(&key).unwrap();
            assert_eq!(&back, a);
            assert_eq!(rest, 7u64.to_be_bytes());
            for b in &shows {
                if a != b {
                    assert!(!show(b).starts_with(&show(a)), "{a} prefixes {b}");
                }
            }
        }
    }

    #[test]
    fn corrupt_show_keys_are_refused() {
        assert!(split_show(&[]).is_err());
        assert!(split_show(&[0x09, 1]).is_err());
        assert!(split_show(&[SHOW_TVDB, 1, 2]).is_err());
        assert!(split_show(b"\x02abc").is_err());
        assert!(split_show(b"\x02A/B\x00").is_err());
        assert!(split_show(b"\x02123\x00").is_err());
    }

    #[test]
    fn time_keys_sort_numerically() {
        let times = [i64::MIN, -5, -1, 0, 1, 1_700_000_000, i64::MAX];
        for pair in times.windows(2) {
            assert!(time(pair[0]) < time(pair[1]), "{pair:?}");
        }
    }

    #[test]
    fn outbox_keys_sort_by_channel_then_id() {
        assert!(outbox(ChannelId(1), OutboxId(u64::MAX)) < outbox(ChannelId(2), OutboxId(0)));
        assert!(outbox(ChannelId(2), OutboxId(255)) < outbox(ChannelId(2), OutboxId(256)));
        let key = outbox(ChannelId(7), OutboxId(300));
        assert_eq!(split_outbox(&key).unwrap(), (ChannelId(7), OutboxId(300)));
        assert!(split_outbox(&key[..15]).is_err());
        assert_eq!(hex(&[0, 0xab, 7]), "00ab07");
        let key = dedupe_by_time(3, b"abc");
        assert_eq!(dedupe_key_of_time_key(&key).unwrap(), b"abc");
    }
}
