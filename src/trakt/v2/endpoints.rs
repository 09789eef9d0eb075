//! The v2 endpoints a followed show is polled through (reference §8, §10.1),
//! as `V2Client` methods: show summary, show comments (newest first), the
//! site-wide recent-comments feed (both item shapes), who is watching, the
//! personal lists holding the show, and a list's items. Feeds are walked page
//! by page back to a bound (watermark − overlap) with a page cap, and say
//! whether the walk reached it. A followed user's endpoints are in `users`.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::client::{ApiPath, Fetched, Page, V2Client};
use super::error::V2Error;
use super::feed::{parse_recent, walk_step, Step};
use super::wire::{
    Comment, ListId, ListItem, RecentComment, Show, ShowId, Timestamp, TraktList, User,
};

/// Which recent-comments feed (§8.5): the bot reads episodes and seasons,
/// and shows unless it reads show-level comments per show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecentType {
    Episodes,
    Seasons,
    Shows,
}

impl RecentType {
    fn segment(self) -> &'static str {
        match self {
            RecentType::Episodes => "episodes",
            RecentType::Seasons => "seasons",
            RecentType::Shows => "shows",
        }
    }
}

/// The order of `/shows/{id}/lists/personal/{sort}` (§8.8), and the list
/// timestamp a walk compares with the bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListSort {
    /// Newest lists first: walk by `created_at` (new lists: `created`).
    Added,
    /// Recently changed first: walk by `updated_at` (`item_added`).
    Updated,
}

impl ListSort {
    fn segment(self) -> &'static str {
        match self {
            ListSort::Added => "added",
            ListSort::Updated => "updated",
        }
    }

    fn time_of(self, list: &TraktList) -> Option<Timestamp> {
        match self {
            ListSort::Added => list.created_at,
            ListSort::Updated => list.updated_at,
        }
    }
}

/// Page size and page cap of one walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalkLimits {
    /// Asked for on the first page (clamped to 250); later pages use the
    /// limit the server says it applied.
    pub limit: u32,
    pub max_pages: u32,
}

impl Default for WalkLimits {
    fn default() -> Self {
        WalkLimits {
            limit: 100,
            max_pages: 5,
        }
    }
}

/// The result of a walk: the items newer than the bound, newest first.
#[derive(Clone, Debug)]
pub struct Walk<T> {
    pub items: Vec<T>,
    /// Everything back to the bound (or the end of the feed) was read; false
    /// when the page cap stopped the walk: older items may have been missed.
    pub reached: bool,
    /// Requests' pages read.
    pub pages: u32,
    /// Items that fit no known shape (each logged).
    pub skipped: u32,
    /// The first page's `Date` (server clock).
    pub date: Option<Timestamp>,
}

/// How far a walk goes.
#[derive(Clone, Copy)]
pub(super) enum Reach {
    /// Back to this bound (None: one page only).
    Back(Option<Timestamp>),
    /// Every page, up to the cap.
    All,
}

impl V2Client {
    /// `GET /shows/{id}` — `id` is a Trakt id, slug or IMDb id (§8.1).
    pub async fn show_summary(&self, id: &str, full: bool) -> Result<Fetched<Show>, V2Error> {
        let query = if full {
            vec![("extended", "full".to_owned())]
        } else {
            Vec::new()
        };
        self.get_one(&ApiPath::new(&["shows", id]), &query).await
    }

    /// One page of `GET /shows/{id}/comments/newest` (top-level comments).
    pub async fn show_comments_newest(
        &self,
        show: ShowId,
        page: u32,
        limit: u32,
    ) -> Result<Page<Comment>, V2Error> {
        self.get_page(&comments_path(show), &[], page, limit).await
    }

    /// Show-level comments newer than `bound`, newest first.
    pub async fn show_comments_since(
        &self,
        show: ShowId,
        bound: Option<Timestamp>,
        limits: WalkLimits,
    ) -> Result<Walk<Comment>, V2Error> {
        let path = comments_path(show);
        self.walk(
            &path,
            &[],
            Reach::Back(bound),
            limits,
            typed,
            |c: &Comment| Some(c.created_at),
        )
        .await
    }

    /// `GET /comments/recent/all/{episodes|seasons|shows}?include_replies=false`,
    /// back to `bound`; items in either shape (§8.5).
    pub async fn recent_comments(
        &self,
        kind: RecentType,
        bound: Option<Timestamp>,
        limits: WalkLimits,
    ) -> Result<Walk<RecentComment>, V2Error> {
        let path = ApiPath::new(&["comments", "recent", "all", kind.segment()]);
        let query = [("include_replies", "false".to_owned())];
        self.walk(
            &path,
            &query,
            Reach::Back(bound),
            limits,
            parse_recent,
            |c| Some(c.comment().created_at),
        )
        .await
    }

    /// `GET /shows/{id}/watching`: one snapshot, stamped by `meta.date`.
    pub async fn show_watching(&self, show: ShowId) -> Result<Page<User>, V2Error> {
        let path = ApiPath::new(&["shows", &show.to_string(), "watching"]);
        self.get_list(&path, &[]).await
    }

    /// `GET /shows/{id}/lists/personal/{added|updated}` back to `bound`
    /// (by `created_at` or `updated_at`, per `sort`).
    pub async fn show_lists(
        &self,
        show: ShowId,
        sort: ListSort,
        bound: Option<Timestamp>,
        limits: WalkLimits,
    ) -> Result<Walk<TraktList>, V2Error> {
        let path = ApiPath::new(&[
            "shows",
            &show.to_string(),
            "lists",
            "personal",
            sort.segment(),
        ]);
        self.walk(&path, &[], Reach::Back(bound), limits, typed, move |l| {
            sort.time_of(l)
        })
        .await
    }

    /// Every show, season and episode item of a public list (rank order),
    /// page by page up to the cap.
    pub async fn list_items(
        &self,
        list: ListId,
        limits: WalkLimits,
    ) -> Result<Walk<ListItem>, V2Error> {
        let path = ApiPath::new(&["lists", &list.to_string(), "items", "show,season,episode"]);
        self.walk(&path, &[], Reach::All, limits, typed, |i: &ListItem| {
            Some(i.listed_at)
        })
        .await
    }

    /// Read pages until the stopping rule says so. Items at or before the
    /// bound are dropped; items without a time are kept (dedupe decides).
    pub(super) async fn walk<T, P, K>(
        &self,
        path: &ApiPath,
        query: &[(&str, String)],
        reach: Reach,
        limits: WalkLimits,
        parse: P,
        time_of: K,
    ) -> Result<Walk<T>, V2Error>
    where
        P: Fn(Value) -> Option<T>,
        K: Fn(&T) -> Option<Timestamp>,
    {
        let max_pages = limits.max_pages.max(1);
        let mut out = Walk {
            items: Vec::new(),
            reached: false,
            pages: 0,
            skipped: 0,
            date: None,
        };
        let mut limit = limits.limit;
        loop {
            let page: Page<Value> = self.get_page(path, query, out.pages + 1, limit).await?;
            out.pages += 1;
            out.date = out.date.or(page.meta.date);
            out.skipped += page.skipped;
            let is_last = page.is_last();
            limit = page.next_limit(limit);
            let mut oldest: Option<Timestamp> = None;
            for value in page.items {
                let Some(item) = parse(value) else {
                    out.skipped += 1;
                    tracing::warn!(
                        path = path.as_str(),
                        "skipped a feed item of no known shape"
                    );
                    continue;
                };
                let time = time_of(&item);
                oldest = match (oldest, time) {
                    (Some(o), Some(t)) => Some(o.min(t)),
                    (o, t) => o.or(t),
                };
                let bound = match reach {
                    Reach::Back(b) => b,
                    Reach::All => None,
                };
                if bound.is_none_or(|b| time.is_none_or(|t| t > b)) {
                    out.items.push(item);
                }
            }
            let step = match reach {
                Reach::Back(bound) => walk_step(oldest, bound, is_last, out.pages, max_pages),
                Reach::All if is_last => Step::Done { reached: true },
                Reach::All if out.pages >= max_pages => Step::Done { reached: false },
                Reach::All => Step::Continue,
            };
            if let Step::Done { reached } = step {
                out.reached = reached;
                if !reached {
                    tracing::warn!(
                        path = path.as_str(),
                        pages = out.pages,
                        "page cap hit before the watermark; items may be missed"
                    );
                }
                return Ok(out);
            }
        }
    }
}

fn comments_path(show: ShowId) -> ApiPath {
    ApiPath::new(&["shows", &show.to_string(), "comments", "newest"])
}

pub(super) fn typed<T: DeserializeOwned>(value: Value) -> Option<T> {
    serde_json::from_value(value).ok()
}
