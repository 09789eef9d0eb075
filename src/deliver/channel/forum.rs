//! A forum channel's batch: it holds one show's entries and goes to that
//! show's post. The post is the stored one, or opened now (titled and
//! tagged by `discord::forum`, stored durably at once, then used). A post
//! Discord says is gone (404) is forgotten and the same batch goes to a
//! new one (nothing was posted, so nothing is lost or doubled); a locked
//! post disables that one follow, with the reason, and alerts. Discord
//! refusing to open a post (a required tag the forum lacks) disables the
//! follow too; a refused forum (403/404) disables the channel, as any
//! refused channel.

use super::{ChannelTask, Step};
use crate::clock::unix_now;
use crate::deliver::alert::{self, DisabledBecause};
use crate::deliver::decide::{decide, is_locked, Decision, LOCKED_REASON};
use crate::discord::rest::{OpenError, SendError};
use crate::ids::ChannelId;
use crate::store::{OutboxEntry, StoreError, Subscription};
use crate::trakt::ShowRef;

/// Why a follow whose post Discord refused to open is disabled.
const POST_REFUSED_REASON: &str =
    "Discord refused to open the show's post in this forum (it requires a tag I cannot use: create a tag named Trakt, then /follow again)";

/// The show a forum batch is about, and the title its post gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PostOf {
    pub show: ShowRef,
    pub title: String,
}

impl PostOf {
    /// The show of the batch's first entry, titled as its follow is.
    pub fn of(entries: &[OutboxEntry], subs: &[Subscription]) -> Option<PostOf> {
        let show = entries.first()?.show.clone();
        let title = subs
            .iter()
            .find(|s| s.show == show)
            .map_or_else(|| show.to_string(), |s| s.title.clone());
        Some(PostOf { show, title })
    }
}

/// How many leading entries are about the first one's show.
pub(super) fn same_show(entries: &[OutboxEntry]) -> usize {
    match entries.first() {
        Some(first) => entries.iter().take_while(|e| e.show == first.show).count(),
        None => 0,
    }
}

/// Where a forum batch goes.
pub(super) enum Dest {
    /// Into this post.
    Post(ChannelId),
    /// Nowhere now: the task goes on with this step.
    Then(Step),
}

impl ChannelTask {
    /// The post of `of` in this forum, opened when there is none.
    pub(super) async fn post(&mut self, of: &PostOf) -> Result<Dest, StoreError> {
        let (forum, show) = (self.channel, of.show.clone());
        let store = self.shared.deliverer.store.clone();
        if let Some(post) = store.blocking(move |s| s.forum_post(forum, &show)).await? {
            return Ok(Dest::Post(post.thread));
        }
        // Opening a post is a message: it takes its place in the pacing.
        if !self.pace().await {
            return Ok(Dest::Then(Step::Stop));
        }
        let error = match self.shared.deliverer.rest.open_post(forum, &of.title).await {
            Ok(post) => {
                let show = of.show.clone();
                store
                    .blocking(move |s| s.set_forum_post(forum, &show, &post))
                    .await?;
                tracing::info!(channel = %forum, thread = %post.thread, show = %of.show, "delivery: opened the show's post");
                return Ok(Dest::Post(post.thread));
            }
            Err(OpenError::TagRequired) => {
                let step = self
                    .disable_follow(of, POST_REFUSED_REASON, DisabledBecause::PostRefused)
                    .await?;
                return Ok(Dest::Then(step));
            }
            Err(OpenError::Send(e)) => e,
        };
        if matches!(error, SendError::Transient { .. }) {
            self.failures += 1;
        }
        let step = match decide(&Err(error.clone()), self.failures) {
            Decision::Drop | Decision::Ack => {
                tracing::warn!(channel = %forum, error = %error, "delivery: Discord refused to open a post");
                self.disable_follow(of, POST_REFUSED_REASON, DisabledBecause::PostRefused)
                    .await?
            }
            other => self.carry_out(other, Some(error), Vec::new()).await?,
        };
        Ok(Dest::Then(step))
    }

    /// After Discord refused a send into `thread`, the post of `of`: what
    /// the task does when the refusal is the post's own (gone, locked);
    /// `None` for any other, which delivery decides on as usual.
    pub(super) async fn post_refused(
        &mut self,
        of: &PostOf,
        thread: ChannelId,
        e: &SendError,
    ) -> Result<Option<Step>, StoreError> {
        let forum = self.channel;
        if matches!(e, SendError::NotFound { .. }) {
            let show = of.show.clone();
            self.shared
                .deliverer
                .store
                .blocking(move |s| s.forget_forum_post(forum, &show, thread))
                .await?;
            tracing::warn!(channel = %forum, %thread, show = %of.show, "delivery: the show's post is gone; opening a new one");
            // A 404 posted nothing: the same batch goes to the new post.
            self.known_unposted = true;
            return Ok(Some(Step::Continue));
        }
        if is_locked(e) {
            return self
                .disable_follow(of, LOCKED_REASON, DisabledBecause::Locked)
                .await
                .map(Some);
        }
        Ok(None)
    }

    /// Disable this forum's follow of `of` (the others go on) and alert.
    async fn disable_follow(
        &mut self,
        of: &PostOf,
        reason: &'static str,
        because: DisabledBecause,
    ) -> Result<Step, StoreError> {
        let (forum, show, since) = (self.channel, of.show.clone(), unix_now());
        let done = self
            .shared
            .deliverer
            .store
            .blocking(move |s| s.disable_follow(forum, &show, reason, since))
            .await?;
        self.known_unposted = false;
        self.shared.deliverer.metrics.channel_disabled();
        tracing::warn!(channel = %forum, show = %of.show, reason, dropped = done.dropped_entries, "delivery: disabled the forum's follow of the show");
        let disabled = alert::Disabled {
            channel: forum,
            because,
            follows: done.subscriptions,
            since,
        };
        alert::announce(&self.shared, disabled, &self.cancel).await;
        Ok(Step::Continue)
    }
}
