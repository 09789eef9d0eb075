//! Show text search for `/follow`'s autocomplete (reference §8.3): the query
//! escaped for Trakt's search engine, answers kept in server order, and a
//! small TTL cache so that typing a name costs few requests from the shared
//! budget. Callers bound the wait (Discord wants an answer within 3 s).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::client::{ApiPath, V2Client};
use super::error::V2Error;
use super::wire::{SearchResult, Show};

/// Backslash-escape the characters the search engine treats specially:
/// `+ - && || ! ( ) { } [ ] ^ " ~ * ? : /` (and the backslash itself).
pub fn escape_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    for c in query.trim().chars() {
        if matches!(
            c,
            '+' | '-'
                | '&'
                | '|'
                | '!'
                | '('
                | ')'
                | '{'
                | '}'
                | '['
                | ']'
                | '^'
                | '"'
                | '~'
                | '*'
                | '?'
                | ':'
                | '/'
                | '\\'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The cache key of a query: trimmed, lower case, spaces collapsed.
fn key(query: &str) -> String {
    query
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A TTL cache of search answers, at most `capacity` queries (the oldest
/// entry is evicted). Pure over the `now` it is given.
#[derive(Debug)]
pub struct SearchCache {
    ttl: Duration,
    capacity: usize,
    entries: HashMap<String, (Instant, Vec<Show>)>,
}

impl SearchCache {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        SearchCache {
            ttl,
            capacity: capacity.max(1),
            entries: HashMap::new(),
        }
    }

    pub fn get(&self, query: &str, now: Instant) -> Option<&[Show]> {
        self.entries
            .get(&key(query))
            .filter(|(at, _)| now.saturating_duration_since(*at) < self.ttl)
            .map(|(_, shows)| shows.as_slice())
    }

    pub fn put(&mut self, query: &str, shows: Vec<Show>, now: Instant) {
        let ttl = self.ttl;
        self.entries
            .retain(|_, (at, _)| now.saturating_duration_since(*at) < ttl);
        if self.entries.len() >= self.capacity {
            if let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone())
            {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key(query), (now, shows));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Show search through the shared client, cached.
#[derive(Debug)]
pub struct ShowSearch {
    client: V2Client,
    cache: Mutex<SearchCache>,
    limit: u32,
}

impl ShowSearch {
    /// `limit` shows per answer (Discord shows at most 25 choices).
    pub fn new(client: V2Client, ttl: Duration, capacity: usize, limit: u32) -> Self {
        ShowSearch {
            client,
            cache: Mutex::new(SearchCache::new(ttl, capacity)),
            limit: limit.clamp(1, 25),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, SearchCache> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Shows matching `query`, in the server's order (never re-sorted by
    /// score, §8.3). An empty query asks nothing.
    pub async fn search(&self, query: &str) -> Result<Vec<Show>, V2Error> {
        if query.trim().is_empty() {
            return Ok(Vec::new());
        }
        if let Some(hit) = self.cache().get(query, Instant::now()) {
            return Ok(hit.to_vec());
        }
        let path = ApiPath::new(&["search", "show"]);
        let q = [("query", escape_query(query))];
        let page = self
            .client
            .get_page::<SearchResult>(&path, &q, 1, self.limit)
            .await?;
        let shows: Vec<Show> = page.items.into_iter().filter_map(|r| r.show).collect();
        self.cache().put(query, shows.clone(), Instant::now());
        Ok(shows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(slug: &str) -> Show {
        serde_json::from_value(serde_json::json!({
            "title": slug, "ids": {"trakt": 1, "slug": slug}
        }))
        .expect("show")
    }

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(escape_query("walking dead"), "walking dead");
        assert_eq!(
            escape_query(" 9-1-1: Lone Star (2020) "),
            r"9\-1\-1\: Lone Star \(2020\)"
        );
        assert_eq!(escape_query(r#"a&&b||!c"#), r#"a\&\&b\|\|\!c"#);
        assert_eq!(
            escape_query(r#"{x}[y]^"z"~*?/\"#),
            r#"\{x\}\[y\]\^\"z\"\~\*\?\/\\"#
        );
    }

    #[test]
    fn the_cache_expires_normalises_and_evicts() {
        let t0 = Instant::now();
        let ttl = Duration::from_secs(60);
        let mut cache = SearchCache::new(ttl, 2);
        cache.put("Walking  Dead", vec![show("twd")], t0);
        assert_eq!(cache.get("walking dead", t0).map(<[Show]>::len), Some(1));
        assert!(cache.get("walking dead", t0 + ttl).is_none(), "expired");
        cache.put("a", vec![], t0 + Duration::from_secs(1));
        cache.put("b", vec![], t0 + Duration::from_secs(2));
        cache.put("c", vec![], t0 + Duration::from_secs(3));
        assert_eq!(cache.len(), 2);
        assert!(
            cache.get("walking dead", t0).is_none(),
            "the oldest was evicted"
        );
        assert!(cache.get("c", t0 + Duration::from_secs(3)).is_some());
    }
}
