//! `GET /channels/{id}/messages` as Discord answers it: newest first, `limit`
//! (default 50, at most 100), `before`/`after` by message id, no `nonce`, and
//! embeds the way Discord hands them back (`content_scan_version` added,
//! thumbnails with `proxy_url`/`width`/`height`, timestamps as `+00:00`).

use serde_json::{json, Value};

/// The page of `messages` (oldest first, as stored) that `query` asks for.
pub fn read_back(messages: &[Value], query: &str) -> Vec<Value> {
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    let limit = param("limit").unwrap_or(50).clamp(1, 100) as usize;
    let before = param("before");
    let after = param("after");
    let id = |m: &Value| {
        m["id"]
            .as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let mut page: Vec<Value> = messages
        .iter()
        .filter(|m| before.is_none_or(|b| id(m) < b))
        .filter(|m| after.is_none_or(|a| id(m) > a))
        .cloned()
        .collect();
    page.sort_by_key(|m| std::cmp::Reverse(id(m)));
    if after.is_some() && before.is_none() {
        // The oldest `limit` after the id, still newest first.
        let skip = page.len().saturating_sub(limit);
        page.drain(..skip);
    } else {
        page.truncate(limit);
    }
    page.iter_mut().for_each(as_read_back);
    page
}

/// Discord never returns the nonce when messages are read, and normalises embeds.
fn as_read_back(message: &mut Value) {
    let Some(map) = message.as_object_mut() else {
        return;
    };
    map.remove("nonce");
    if let Some(embeds) = map.get_mut("embeds").and_then(Value::as_array_mut) {
        for embed in embeds.iter_mut().filter_map(Value::as_object_mut) {
            embed.insert("content_scan_version".to_owned(), json!(0));
            if let Some(ts) = embed.get("timestamp").and_then(Value::as_str) {
                let normal = utc_offset(ts);
                embed.insert("timestamp".to_owned(), json!(normal));
            }
            for media in ["thumbnail", "image"] {
                if let Some(m) = embed.get_mut(media).and_then(Value::as_object_mut) {
                    let url = m.get("url").cloned().unwrap_or(Value::Null);
                    m.insert("proxy_url".to_owned(), url);
                    m.insert("width".to_owned(), json!(300));
                    m.insert("height".to_owned(), json!(450));
                }
            }
        }
    }
}

/// `2024-01-01T10:00:00Z` or `…00.000Z` → `2024-01-01T10:00:00+00:00`.
fn utc_offset(ts: &str) -> String {
    let Some(base) = ts.strip_suffix('Z') else {
        return ts.to_owned();
    };
    let base = base
        .split_once('.')
        .filter(|(_, frac)| frac.bytes().all(|b| b == b'0'))
        .map_or(base, |(whole, _)| whole);
    format!("{base}+00:00")
}
