//! Forum posts over the bot's REST client: reading a channel (a forum's
//! tags and flags, a thread's archived/locked state) and opening the post
//! of a show in a forum (`POST /channels/{forum}/threads`), tagged as
//! `discord::forum` chooses.

use super::{classify, retry_after_header, DiscordRest, ErrorBody, Posted, SendError};
use crate::discord::forum::{self, ChannelInfo, TagRequired};
use crate::ids::ChannelId;
use crate::store::ForumPost;

/// Why a post could not be opened.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpenError {
    /// Discord refused or failed (the forum itself: 403, 404, …).
    #[error("{0}")]
    Send(#[from] SendError),
    /// The forum requires a tag and has none the bot may use.
    #[error("the forum requires a tag and has no usable one")]
    TagRequired,
}

impl From<TagRequired> for OpenError {
    fn from(_: TagRequired) -> Self {
        OpenError::TagRequired
    }
}

impl DiscordRest {
    /// What Discord says about a channel (`GET /channels/{id}`).
    pub async fn channel_info(&self, channel: ChannelId) -> Result<ChannelInfo, SendError> {
        let url = format!("{}/api/v10/channels/{channel}", self.base);
        self.get_json(url).await
    }

    /// Open the post about `title` in `forum`, tagged with the forum's
    /// matching tag (read first); the post's id and tag.
    pub async fn open_post(&self, forum: ChannelId, title: &str) -> Result<ForumPost, OpenError> {
        let info = self.channel_info(forum).await?;
        let required = info.flags & forum::REQUIRE_TAG != 0;
        let tag = forum::choose_tag(&info.available_tags, required, title)?;
        let body = forum::post_request(title, tag);
        let url = format!("{}/api/v10/channels/{forum}/threads", self.base);
        let transient = |e: reqwest::Error| SendError::Transient {
            reason: e.without_url().to_string(),
        };
        let response = self
            .http
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(transient)?;
        let status = response.status();
        if status.is_success() {
            let created: Posted = response.json().await.map_err(transient)?;
            return Ok(ForumPost {
                thread: ChannelId(created.id.get()),
                tag,
            });
        }
        let header_retry = retry_after_header(response.headers());
        let body: ErrorBody = response.json().await.unwrap_or_default();
        match classify(status.as_u16(), body, header_retry) {
            SendError::Refused { code, .. } if code == forum::TAG_REQUIRED_CODE => {
                Err(OpenError::TagRequired)
            }
            other => Err(other.into()),
        }
    }
}
