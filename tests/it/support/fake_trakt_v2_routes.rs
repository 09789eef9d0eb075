//! The routes of the fake Trakt v2 (see `fake_trakt_v2`): what each endpoint
//! the bot uses answers from the fake's world, with Trakt's pagination.

use std::collections::BTreeMap;

use axum::http::Method;
use serde_json::{json, Value};

use super::fake_trakt_v2::{fixture, Scripted, World};

/// The largest page Trakt serves; larger limits are clamped (§4).
pub const MAX_LIMIT: usize = 250;

/// An answer before the common headers are added.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    /// Produced by Trakt (`X-Request-Id`, `X-Ratelimit`) rather than Cloudflare.
    pub from_trakt: bool,
    pub headers: Vec<(String, String)>,
}

impl Answer {
    pub fn json(body: &Value) -> Answer {
        Answer {
            status: 200,
            content_type: "application/json; charset=utf-8",
            body: body.to_string(),
            from_trakt: true,
            headers: Vec::new(),
        }
    }

    /// An empty `text/html` answer from Trakt's app (403 bad key, 404, …).
    pub fn empty(status: u16) -> Answer {
        Answer {
            status,
            content_type: "text/html",
            body: String::new(),
            from_trakt: true,
            headers: Vec::new(),
        }
    }

    /// A Cloudflare HTML page from a fixture (no `X-Request-Id`).
    pub fn cloudflare(status: u16, page: &str) -> Answer {
        Answer {
            status,
            content_type: "text/html; charset=UTF-8",
            body: fixture(page),
            from_trakt: false,
            headers: vec![("cf-ray".to_owned(), "8f00000000000001-AMS".to_owned())],
        }
    }

    fn with(mut self, k: &str, v: impl Into<String>) -> Answer {
        self.headers.push((k.to_owned(), v.into()));
        self
    }

    pub fn scripted(s: Scripted) -> Answer {
        match s {
            Scripted::Api429 { retry_after } => {
                let a = Answer::empty(429);
                match retry_after {
                    Some(r) => a.with("retry-after", r),
                    None => a,
                }
            }
            Scripted::Cloudflare429 => {
                Answer::cloudflare(429, "error-429-cloudflare.html").with("retry-after", "300")
            }
            Scripted::Status(status) => Answer::empty(status),
            Scripted::CloudflarePage(status) => {
                Answer::cloudflare(status, "error-403-cloudflare-blocked.html")
            }
            Scripted::Raw { status, body } => Answer {
                status,
                body,
                ..Answer::json(&Value::Null)
            },
        }
    }
}

/// Serve `items` like Trakt: `page` (default 1) and `limit` (default
/// `default_limit`, clamped to 1..=250), with the four pagination headers.
fn paginate(items: &[Value], query: &BTreeMap<String, String>, default_limit: usize) -> Answer {
    let num = |k: &str| query.get(k).and_then(|v| v.parse::<usize>().ok());
    let limit = num("limit").unwrap_or(default_limit).clamp(1, MAX_LIMIT);
    let page = num("page").unwrap_or(1).max(1);
    let page_count = items.len().div_ceil(limit).max(1);
    let body: Vec<Value> = items
        .iter()
        .skip((page - 1).saturating_mul(limit))
        .take(limit)
        .cloned()
        .collect();
    Answer::json(&Value::Array(body))
        .with("x-pagination-page", page.to_string())
        .with("x-pagination-limit", limit.to_string())
        .with("x-pagination-page-count", page_count.to_string())
        .with("x-pagination-item-count", items.len().to_string())
}

/// `items` sorted newest first by the timestamp at `pointer`.
fn newest_first(items: &[Value], pointer: &str) -> Vec<Value> {
    let mut sorted = items.to_vec();
    let time = |v: &Value| {
        v.pointer(pointer)
            .and_then(Value::as_str)
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
    };
    sorted.sort_by_key(|v| std::cmp::Reverse(time(v)));
    sorted
}

/// The minimal form of a show (§7.1).
fn minimal(show: &Value) -> Value {
    json!({ "title": show["title"], "year": show["year"], "ids": show["ids"] })
}

impl World {
    /// The show named by a Trakt id, slug or IMDb id.
    fn find_show(&self, id: &str) -> Option<&Value> {
        // Benchmarks seed tens of thousands of shows, Trakt id n at index
        // n - 1: look there first (slugs and IMDb ids are never all digits).
        let at = id.parse::<usize>().ok().and_then(|n| n.checked_sub(1));
        if let Some(show) = at
            .and_then(|i| self.shows.get(i))
            .filter(|s| s["ids"]["trakt"].as_u64().map(|n| n.to_string()).as_deref() == Some(id))
        {
            return Some(show);
        }
        self.shows.iter().find(|s| {
            let ids = &s["ids"];
            ids["trakt"].as_u64().map(|n| n.to_string()).as_deref() == Some(id)
                || ids["slug"].as_str() == Some(id)
                || ids["imdb"].as_str() == Some(id)
        })
    }

    fn show_id(&self, id: &str) -> Option<u64> {
        self.find_show(id).and_then(|s| s["ids"]["trakt"].as_u64())
    }

    pub fn route(&self, method: &Method, path: &str, query: &BTreeMap<String, String>) -> Answer {
        if method != Method::GET {
            return Answer::empty(405);
        }
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let not_found = Answer::empty(404);
        match segments.as_slice() {
            ["shows", id] => match self.find_show(id) {
                Some(show) if query.get("extended").map(String::as_str) == Some("full") => {
                    Answer::json(show)
                }
                Some(show) => Answer::json(&minimal(show)),
                None => not_found,
            },
            ["shows", id, rest @ ..] => match self.show_id(id) {
                Some(show) => self.show_route(show, rest, query),
                None => not_found,
            },
            ["comments", "recent", "all", kind] => match self.recent.get(*kind) {
                Some(items) => {
                    let mut items = newest_first(items, "/comment/created_at");
                    if self.bare_recent {
                        items = items.into_iter().map(|w| w["comment"].clone()).collect();
                    }
                    paginate(&items, query, 10)
                }
                None => Answer::empty(400),
            },
            ["lists", id, "items", types] => {
                let Some(items) = id.parse().ok().and_then(|id: u64| self.list_items.get(&id))
                else {
                    return not_found;
                };
                let wanted: Vec<&str> = types.split(',').collect();
                let kept: Vec<Value> = items
                    .iter()
                    .filter(|i| i["type"].as_str().is_some_and(|t| wanted.contains(&t)))
                    .cloned()
                    .collect();
                paginate(&kept, query, 100)
                    .with("x-sort-by", "rank")
                    .with("x-sort-how", "asc")
            }
            ["search", "tvdb", id] => {
                let hits: Vec<Value> = self
                    .shows
                    .iter()
                    .filter(|s| {
                        s["ids"]["tvdb"].as_u64().map(|n| n.to_string()).as_deref() == Some(*id)
                    })
                    .map(|s| json!({ "type": "show", "score": 1000, "show": minimal(s) }))
                    .collect();
                paginate(&hits, query, 10)
            }
            ["search", "show"] => {
                let Some(q) = query.get("query") else {
                    return Answer::empty(400);
                };
                let needle = q.replace('\\', "").to_lowercase();
                let hits: Vec<Value> = self
                    .search
                    .iter()
                    .filter(|r| {
                        r["show"]["title"]
                            .as_str()
                            .is_some_and(|t| t.to_lowercase().contains(&needle))
                    })
                    .cloned()
                    .collect();
                paginate(&hits, query, 50)
            }
            ["users", slug, ..] if self.private_users.contains(*slug) => {
                Answer::empty(401).with("x-private-user", "true")
            }
            ["users", slug, rest @ ..] if !rest.is_empty() => match self.users.get(*slug) {
                Some(_) => self.user_route(slug, rest, query),
                None => not_found,
            },
            ["users", slug] if self.private_users.contains(*slug) => {
                Answer::empty(401).with("x-private-user", "true")
            }
            ["users", slug] => match self.users.get(*slug) {
                Some(user) => Answer::json(user).with("x-private-user", "false"),
                None => not_found,
            },
            _ => not_found,
        }
    }

    /// A user's sources (§8.12–§8.18): history honours `start_at`; the
    /// collection is served whole, without pagination headers (as recorded);
    /// `stats` counts what the collection holds.
    fn user_route(&self, slug: &str, rest: &[&str], query: &BTreeMap<String, String>) -> Answer {
        let none = Vec::new();
        match rest {
            ["history"] => {
                let items = self.history.get(slug).unwrap_or(&none);
                let start = query
                    .get("start_at")
                    .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
                let kept: Vec<Value> = newest_first(items, "/watched_at")
                    .into_iter()
                    .filter(|h| {
                        let t = h["watched_at"]
                            .as_str()
                            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
                        start.is_none_or(|s| t.is_some_and(|t| t >= s))
                    })
                    .collect();
                paginate(&kept, query, 100)
            }
            ["ratings", "all"] => {
                let items = self.ratings.get(slug).unwrap_or(&none);
                paginate(&newest_first(items, "/rated_at"), query, 10)
            }
            ["watchlist", kind @ ("shows" | "movies" | "episodes"), "added"] => {
                let items = self.watchlist.get(slug).unwrap_or(&none);
                let wanted = kind.trim_end_matches('s');
                let kept: Vec<Value> = items
                    .iter()
                    .filter(|i| i["type"].as_str() == Some(wanted))
                    .cloned()
                    .collect();
                paginate(&newest_first(&kept, "/listed_at"), query, 100)
            }
            ["stats"] => {
                // The counters that matter: what the collection holds now.
                let mut stats: Value =
                    serde_json::from_str(&fixture("../user-sources/user-stats.json"))
                        .expect("stats fixture");
                let episodes: usize = self
                    .collection_shows
                    .get(slug)
                    .unwrap_or(&none)
                    .iter()
                    .flat_map(|s| s["seasons"].as_array().cloned().unwrap_or_default())
                    .map(|season| season["episodes"].as_array().map_or(0, Vec::len))
                    .sum();
                let movies = self.collection_movies.get(slug).map_or(0, Vec::len);
                stats["episodes"]["collected"] = json!(episodes);
                stats["movies"]["collected"] = json!(movies);
                Answer::json(&stats)
            }
            ["collection", "shows"] => Answer::json(&Value::Array(
                self.collection_shows.get(slug).cloned().unwrap_or_default(),
            )),
            ["collection", "movies"] => Answer::json(&Value::Array(
                self.collection_movies
                    .get(slug)
                    .cloned()
                    .unwrap_or_default(),
            )),
            ["comments", "all", "all"] => {
                let items = self.user_comments.get(slug).unwrap_or(&none);
                let kept: Vec<Value> = items
                    .iter()
                    .filter(|w| {
                        query.get("include_replies").map(String::as_str) != Some("false")
                            || w["comment"]["parent_id"].as_u64().unwrap_or(0) == 0
                    })
                    .cloned()
                    .collect();
                paginate(&newest_first(&kept, "/comment/created_at"), query, 10)
            }
            ["lists"] => {
                let items = self.user_lists.get(slug).unwrap_or(&none);
                paginate(&newest_first(items, "/created_at"), query, 100)
            }
            ["lists", id, "items"] => {
                let key = (slug.to_owned(), id.parse().unwrap_or(0));
                match self.user_list_items.get(&key) {
                    Some(items) => paginate(items, query, 100),
                    None => Answer::empty(404),
                }
            }
            ["watching"] => match self.watching_now.get(slug) {
                Some(w) => Answer::json(w),
                None => Answer::empty(204),
            },
            _ => Answer::empty(404),
        }
    }

    fn show_route(&self, show: u64, rest: &[&str], query: &BTreeMap<String, String>) -> Answer {
        let none = Vec::new();
        match rest {
            ["comments", "newest"] => {
                let items = self.show_comments.get(&show).unwrap_or(&none);
                paginate(&newest_first(items, "/created_at"), query, 10)
            }
            ["watching"] => Answer::json(&Value::Array(
                self.watchers.get(&show).cloned().unwrap_or_default(),
            )),
            ["lists", "personal", sort @ ("added" | "updated")] => {
                let key = if *sort == "added" {
                    "/created_at"
                } else {
                    "/updated_at"
                };
                let items = self.lists.get(&show).unwrap_or(&none);
                paginate(&newest_first(items, key), query, 100)
            }
            _ => Answer::empty(404),
        }
    }
}
