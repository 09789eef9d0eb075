//! The Trakt API v2 side (reference: `shared/trakt-v2/README.md`): the wire
//! model (`wire`), errors (`error`), the HTTP client with its headers, budget,
//! 429 hold, retries and pagination (`client`, `policy`, `response`), the endpoints the
//! bot polls and their walks back to a watermark (`endpoints`, `feed`), what
//! users type for a show (`resolve`) and the autocomplete search (`search`).
//! Nothing here is wired into the poller yet: v1 stays the running source
//! until the integration of issue 11.

pub mod client;
pub mod endpoints;
pub mod error;
pub mod feed;
pub mod map;
pub mod map_user;
pub mod map_user_sources;
pub mod policy;
pub mod resolve;
pub mod response;
pub mod search;
pub mod user_sources;
pub mod users;
pub mod wire;

pub use client::{
    ApiPath, Budget, Fetched, Page, RetryPolicy, V2Client, V2Config, MAX_LIMIT, USER_AGENT,
};
pub use endpoints::{ListSort, RecentType, Walk, WalkLimits};
pub use error::V2Error;
pub use feed::{watching_arrivals, RecentShape};
pub use resolve::{ResolveError, ResolvedShow, ShowInput};
pub use response::{Meta, Pagination};
pub use search::{escape_query, SearchCache, ShowSearch};
pub use wire::{
    Comment, CommentId, CommentWrapper, Episode, ListId, ListItem, ListItemId, Movie,
    RecentComment, SearchResult, Season, Show, ShowId, ShowIds, Timestamp, TraktList, User,
    UserSlug,
};
