//! `/follow` in a forum or media channel: the show's post there. A post
//! already stored for the show is reused (after checking that it still
//! exists and is not locked); otherwise one is opened, titled with the show
//! and tagged (`discord::forum`), before the follow is stored with it, so
//! the follow and its post are written together. Discord refusing to open
//! it gets a private answer and nothing is stored.

use super::target::{locked_text, missing_text, Target};
use super::{CommandError, Context};
use crate::discord::forum::tag_required_text;
use crate::discord::rest::{OpenError, SendError};
use crate::store::{ForumChannel, ForumPost};
use crate::trakt::ShowRef;

/// What a forum follow stores with the follow.
#[derive(Clone, Copy, Debug)]
pub(super) struct ForumSetup {
    pub forum: ForumChannel,
    pub post: ForumPost,
}

/// The post of `show` (titled `title`) in `target` when it is a forum;
/// `None` elsewhere.
pub(super) async fn prepare(
    ctx: Context<'_>,
    target: &Target,
    show: &ShowRef,
    title: &str,
) -> Result<Option<ForumSetup>, CommandError> {
    let Some(kind) = target.forum_kind() else {
        return Ok(None);
    };
    let data = ctx.data();
    let (channel, wanted) = (target.channel, show.clone());
    let stored = data
        .store
        .blocking(move |s| s.forum_post(channel, &wanted))
        .await?;
    let forum = ForumChannel { kind };
    if let Some(post) = stored {
        match data.rest.channel_info(post.thread).await {
            Ok(info) if info.is_locked() => {
                return Err(CommandError::User(locked_text(&format!(
                    "The post <#{}> of {}",
                    post.thread,
                    target.place()
                ))))
            }
            // Deleted: a new one is opened below.
            Err(SendError::NotFound { .. }) => {}
            // Reachable, or unknown for now: delivery copes with it later.
            _ => return Ok(Some(ForumSetup { forum, post })),
        }
    }
    match data.rest.open_post(channel, title).await {
        Ok(post) => Ok(Some(ForumSetup { forum, post })),
        Err(OpenError::TagRequired) => Err(CommandError::User(tag_required_text(&target.place()))),
        Err(OpenError::Send(SendError::Forbidden { .. })) => Err(CommandError::User(missing_text(
            &target.place(),
            &["Send Messages"],
        ))),
        Err(OpenError::Send(e)) => Err(CommandError::Internal(format!(
            "opening a forum post in {channel}: {e}"
        ))),
    }
}
