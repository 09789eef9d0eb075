//! One channel's task: send its oldest batch, act on the answer, repeat until
//! the channel has nothing left. Every store call runs on the blocking pool
//! (`Store::blocking`); the channel's pacing and the global budget are taken
//! before the in-flight marker is written; a batch whose last attempt's outcome
//! is unknown is first looked for in the channel's history. A batch ends where
//! the follows' message settings change (`profile`): its ping, quiet flag and
//! crosspost apply to all of it. In a forum or media channel a batch holds
//! one show's entries and goes to that show's post (`forum`). Entries of a
//! follow with a digest window that has not ended yet are left pending
//! (`window`); while nothing else is pending the task sleeps until the first
//! window ends or something is queued.

mod forum;

use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::alert;
use super::decide::{backoff, decide, Decision};
use super::digest::{next_message, Switches};
use super::profile::{profiles, uniform_prefix, Profile};
use super::readback::{already_posted, READ_BACK_LIMIT};
use super::window::{hold, Windows};
use super::{nonce_for, Shared, BATCH};
use crate::clock::unix_now;
use crate::discord::rest::SendError;
use crate::format;
use crate::format::buttons::ActionRow;
use crate::ids::{ChannelId, MessageId, OutboxId};
use crate::metrics::RateScope;
use crate::store::{InFlight, StoreError};

/// What the task does after a step.
pub(super) enum Step {
    /// Something was sent, dropped or found; look for more.
    Continue,
    /// The channel has nothing left.
    Drained,
    /// The channel must not be tried again now (disabled, cancelled, bad token).
    Stop,
}

/// What the channel has to do next.
enum Next {
    Send(Batch),
    /// Everything pending waits for a digest window ending at this Unix second.
    Hold(i64),
    Empty,
}

/// The channel's next message.
struct Batch {
    ids: Vec<OutboxId>,
    /// The entries `message` holds (its digest may fold many into one embed).
    held: Vec<OutboxId>,
    message: Option<format::Message>,
    /// The message's link buttons (a message about one show).
    links: Vec<ActionRow>,
    nonce: String,
    /// Not yet recorded as in flight (a new batch).
    fresh: bool,
    /// Ping, quiet, publish: the same for every entry of the batch.
    profile: Profile,
    /// In a forum: the show whose post the batch goes to.
    post_of: Option<forum::PostOf>,
}

/// The per-channel loop state.
pub(super) struct ChannelTask {
    pub shared: std::sync::Arc<Shared>,
    pub channel: ChannelId,
    pub cancel: CancellationToken,
    /// Consecutive transient failures.
    failures: u32,
    /// The last attempt of the in-flight batch was answered with a 429: it is
    /// known not to be posted, no history check is needed.
    known_unposted: bool,
    /// Bumped whenever the poller queued something (any channel).
    queued: watch::Receiver<u64>,
}

impl ChannelTask {
    pub fn new(
        shared: std::sync::Arc<Shared>,
        channel: ChannelId,
        cancel: CancellationToken,
    ) -> Self {
        let queued = shared.queued.subscribe();
        ChannelTask {
            queued,
            shared,
            channel,
            cancel,
            failures: 0,
            known_unposted: false,
        }
    }

    /// Drain the channel.
    pub async fn run(mut self) {
        let channel = self.channel;
        while !self.cancel.is_cancelled() {
            match self.step().await {
                Ok(Step::Continue) => {}
                Ok(Step::Drained) | Ok(Step::Stop) => return,
                Err(StoreError::ShuttingDown) => return,
                Err(e) => {
                    self.failures += 1;
                    tracing::error!(%channel, error = %e, "delivery: store error");
                    if self.sleep(backoff(self.failures)).await {
                        return;
                    }
                }
            }
        }
    }

    /// Send (or resend, or find) the channel's next message.
    async fn step(&mut self) -> Result<Step, StoreError> {
        let channel = self.channel;
        let batch = match self.next_batch().await? {
            Next::Send(batch) => batch,
            Next::Hold(until) => return Ok(self.wait_for_window(until).await),
            Next::Empty => return Ok(Step::Drained),
        };
        let Some(message) = batch.message else {
            // Nothing renderable: drop the batch rather than loop on it.
            self.ack(batch.ids).await?;
            return Ok(Step::Continue);
        };
        // Normally the whole batch fits one message; if not, send its head now.
        let sent_ids = batch.held;
        let dest = match &batch.post_of {
            None => channel,
            Some(of) => match self.post(of).await? {
                forum::Dest::Post(thread) => thread,
                forum::Dest::Then(step) => return Ok(step),
            },
        };
        if !batch.fresh && !self.known_unposted && self.found_in_history(dest, &message).await {
            tracing::info!(%channel, embeds = sent_ids.len(), "delivery: the unanswered message was posted; not sending it again");
            self.ack(sent_ids).await?;
            return Ok(Step::Continue);
        }
        if !self.pace().await {
            return Ok(Step::Stop);
        }
        if batch.fresh {
            let flight = InFlight {
                ids: batch.ids.clone(),
                nonce: batch.nonce.clone(),
            };
            self.shared
                .deliverer
                .store
                .blocking(move |s| s.set_in_flight(channel, &flight))
                .await?;
        }
        let body = message
            .to_request(Some(batch.nonce))
            .with_components(batch.links)
            .notifying(batch.profile.notify);
        let result = self.shared.deliverer.rest.post_message(dest, &body).await;
        if let (Some(of), Err(e)) = (&batch.post_of, &result) {
            if let Some(step) = self.post_refused(of, dest, e).await? {
                return Ok(step);
            }
        }
        let posted = result.as_ref().ok().copied().flatten();
        let result = result.map(|_| ());
        if matches!(result, Err(SendError::Transient { .. })) {
            self.failures += 1;
        } else if result.is_ok() {
            self.failures = 0;
        }
        let decision = decide(&result, self.failures);
        self.known_unposted = matches!(decision, Decision::Wait { .. });
        let accepted = matches!(decision, Decision::Ack);
        let step = self.carry_out(decision, result.err(), sent_ids).await?;
        if accepted && batch.profile.publish {
            self.publish(posted).await;
        }
        Ok(step)
    }

    /// Crosspost the message just accepted (a follow with `publish`). Once:
    /// a failure (not an announcement channel, Discord's crosspost limit) is
    /// logged and the message stays posted in the channel.
    async fn publish(&self, posted: Option<MessageId>) {
        let channel = self.channel;
        let Some(message) = posted else {
            tracing::warn!(%channel, "delivery: Discord did not say which message it created; not publishing it");
            return;
        };
        tokio::select! {
            _ = self.cancel.cancelled() => return,
            _ = self.shared.deliverer.pacer.acquire() => {}
        }
        if let Err(e) = self.shared.deliverer.rest.crosspost(channel, message).await {
            tracing::warn!(%channel, %message, error = %e, "delivery: could not publish the message");
        }
    }

    /// Do what [`decide`] said.
    async fn carry_out(
        &mut self,
        decision: Decision,
        error: Option<SendError>,
        sent_ids: Vec<OutboxId>,
    ) -> Result<Step, StoreError> {
        let channel = self.channel;
        let metrics = self.shared.deliverer.metrics.clone();
        let n = sent_ids.len();
        match decision {
            Decision::Ack => {
                self.ack_delivered(sent_ids).await?;
                metrics.message_delivered(n);
                tracing::debug!(%channel, embeds = n, "delivered");
                Ok(Step::Continue)
            }
            Decision::Wait {
                retry_after,
                global,
            } => {
                metrics.discord_429(if global {
                    RateScope::Global
                } else {
                    RateScope::Channel
                });
                if global {
                    // Every channel would get the same answer: hold them all.
                    self.shared.deliverer.pacer.hold(retry_after);
                }
                tracing::warn!(%channel, status = 429, ?retry_after, global, "delivery: rate limited; waiting before retrying");
                Ok(self.continue_after(retry_after).await)
            }
            Decision::BackOff { wait } => {
                metrics.message_retried();
                let reason = error.map(|e| e.to_string()).unwrap_or_default();
                tracing::warn!(%channel, %reason, ?wait, "delivery failed; will retry");
                let (message, at) = (reason.clone(), unix_now());
                self.shared
                    .deliverer
                    .store
                    .blocking(move |s| s.record_delivery_error(channel, &message, at))
                    .await?;
                Ok(self.continue_after(wait).await)
            }
            Decision::Disable { status, reason } => {
                let since = unix_now();
                let done = self
                    .shared
                    .deliverer
                    .store
                    .blocking(move |s| s.disable_channel(channel, reason, since))
                    .await?;
                metrics.channel_disabled();
                let error = error.map(|e| e.to_string()).unwrap_or_default();
                tracing::warn!(
                    %channel, status, %error, subscriptions = done.subscriptions,
                    dropped = done.dropped_entries,
                    "delivery refused; the channel's follows are disabled until someone follows again there"
                );
                let disabled = alert::Disabled {
                    channel,
                    because: alert::because_of(status),
                    follows: done.subscriptions,
                    since,
                };
                alert::announce(&self.shared, disabled, &self.cancel).await;
                Ok(Step::Stop)
            }
            Decision::Drop => {
                metrics.message_refused();
                let error = error.map(|e| e.to_string()).unwrap_or_default();
                tracing::error!(%channel, %error, dropped = n, "Discord refused a message; dropping it");
                self.ack(sent_ids).await?;
                Ok(Step::Continue)
            }
            Decision::Stop(fatal) => {
                tracing::error!(%channel, "Discord refused the bot token; stopping");
                self.shared.deliverer.shutdown.fail(fatal);
                Ok(Step::Stop)
            }
        }
    }

    /// Is `message` among the channel's recent messages by the bot? A refused
    /// read (no Read Message History) or any other failure answers "no": the
    /// resend then relies on the nonce alone.
    async fn found_in_history(&self, channel: ChannelId, message: &format::Message) -> bool {
        let rest = &self.shared.deliverer.rest;
        let bot = match self.shared.bot_user().await {
            Ok(bot) => bot,
            Err(e) => {
                tracing::warn!(%channel, error = %e, "delivery: cannot learn the bot's user id; relying on the nonce");
                return false;
            }
        };
        match rest.recent_messages(channel, READ_BACK_LIMIT).await {
            Ok(recent) => already_posted(&message.embeds, &recent, bot),
            Err(SendError::Forbidden { .. }) => {
                tracing::info!(%channel, "delivery: no Read Message History there; relying on the nonce");
                false
            }
            Err(e) => {
                tracing::warn!(%channel, error = %e, "delivery: cannot read the channel back; relying on the nonce");
                false
            }
        }
    }

    /// Wait for the channel's spacing and the global budget, and record the
    /// send time; `false` when cancelled first.
    async fn pace(&self) -> bool {
        let interval = self.shared.deliverer.channel_interval;
        if let Some(at) = self.shared.last_send(self.channel) {
            let ready = at + interval;
            if ready > Instant::now() {
                tokio::select! {
                    _ = self.cancel.cancelled() => return false,
                    _ = tokio::time::sleep_until(ready) => {}
                }
            }
        }
        tokio::select! {
            _ = self.cancel.cancelled() => return false,
            _ = self.shared.deliverer.pacer.acquire() => {}
        }
        self.shared.record_send(self.channel, Instant::now());
        true
    }

    /// Everything pending waits for a digest window: sleep until Unix second
    /// `until` or until something new is queued, whichever comes first.
    async fn wait_for_window(&mut self, until: i64) -> Step {
        let channel = self.channel;
        let secs = u64::try_from(until.saturating_sub(unix_now())).unwrap_or(0);
        let wait = std::time::Duration::from_secs(secs.max(1));
        tracing::debug!(%channel, ?wait, "delivery: holding the channel's entries for a digest window");
        let queued = &mut self.queued;
        let poked = async {
            if queued.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            _ = self.cancel.cancelled() => Step::Stop,
            _ = tokio::time::sleep(wait) => Step::Continue,
            _ = poked => Step::Continue,
        }
    }

    /// Sleep `d`, then continue; stop when cancelled first.
    async fn continue_after(&self, d: std::time::Duration) -> Step {
        if self.sleep(d).await {
            Step::Stop
        } else {
            Step::Continue
        }
    }

    /// Sleep; `true` when cancelled first.
    async fn sleep(&self, d: std::time::Duration) -> bool {
        tokio::select! {
            _ = self.cancel.cancelled() => true,
            _ = tokio::time::sleep(d) => false,
        }
    }

    /// Discord accepted `ids`: acknowledged, with the channel's last delivery.
    async fn ack_delivered(&mut self, ids: Vec<OutboxId>) -> Result<(), StoreError> {
        let (channel, at) = (self.channel, unix_now());
        self.known_unposted = false;
        self.shared
            .deliverer
            .store
            .blocking(move |s| s.ack_delivered(channel, &ids, at))
            .await
    }

    async fn ack(&mut self, ids: Vec<OutboxId>) -> Result<(), StoreError> {
        let channel = self.channel;
        self.known_unposted = false;
        self.shared
            .deliverer
            .store
            .blocking(move |s| s.ack(channel, &ids))
            .await
    }

    /// The in-flight batch if there is one, else the next one (not yet recorded).
    async fn next_batch(&mut self) -> Result<Next, StoreError> {
        let channel = self.channel;
        // What is queued from now on wakes a held channel (see `wait_for_window`).
        self.queued.borrow_and_update();
        let store = self.shared.deliverer.store.clone();
        let (flight, entries, subs, is_forum) = store
            .blocking(move |s| {
                let subs = s.channel_follows(channel)?;
                let is_forum = s.forum(channel)?.is_some();
                match s.in_flight(channel)? {
                    Some(flight) => {
                        let entries = s.entries(channel, &flight.ids)?;
                        Ok((Some(flight), entries, subs, is_forum))
                    }
                    None => Ok((None, Vec::new(), subs, is_forum)),
                }
            })
            .await?;
        if let Some(flight) = flight {
            if !entries.is_empty() {
                // Cut by profile when it was recorded: the first entry's
                // profile is the whole batch's (settings may have changed since).
                let (_, profile) = uniform_prefix(&profiles(&entries[..1], &subs));
                let next = next_message(&entries, &Switches::of(&subs));
                return Ok(Next::Send(Batch {
                    ids: entries.iter().map(|e| e.id).collect(),
                    held: next.held,
                    links: next.links,
                    message: next.message,
                    nonce: flight.nonce,
                    fresh: false,
                    profile,
                    post_of: is_forum
                        .then(|| forum::PostOf::of(&entries, &subs))
                        .flatten(),
                }));
            }
            // Everything in it was dropped meanwhile (unfollow): forget it.
            self.ack(Vec::new()).await?;
        }
        self.known_unposted = false;
        let subs = store.blocking(move |s| s.channel_follows(channel)).await?;
        let switches = Switches::of(&subs);
        let scan = switches.scan(BATCH);
        let mut entries = store.blocking(move |s| s.pending(channel, scan)).await?;
        if entries.is_empty() {
            return Ok(Next::Empty);
        }
        let held = hold(&entries, &Windows::of(&subs), unix_now());
        held.keep_ready(&mut entries);
        if entries.is_empty() {
            return Ok(Next::Hold(held.until.unwrap_or_else(unix_now)));
        }
        // One message, one profile: a ping never covers an activity that
        // did not ask for it.
        let (same, profile) = uniform_prefix(&profiles(&entries, &subs));
        entries.truncate(same);
        if is_forum {
            // One show per message: it goes to that show's post.
            entries.truncate(forum::same_show(&entries));
        }
        // Only what the first message holds goes in flight, so a resend is identical.
        let next = next_message(&entries, &switches);
        Ok(Next::Send(Batch {
            nonce: nonce_for(&next.held),
            ids: next.held.clone(),
            held: next.held,
            links: next.links,
            message: next.message,
            fresh: true,
            profile,
            post_of: is_forum
                .then(|| forum::PostOf::of(&entries, &subs))
                .flatten(),
        }))
    }
}
