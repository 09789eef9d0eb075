//! Waiting on the fake: every wait takes a timeout and wakes on state
//! changes (a `watch` of the state's version), never on sleeps.

use super::*;

impl FakeDiscord {
    /// Waits until `check` returns `Some`, re-checking on every state change.
    /// `None` when `timeout` passes first.
    pub async fn try_wait_for<T>(
        &self,
        mut check: impl FnMut(&State) -> Option<T>,
        timeout: Duration,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        let mut changes = self.shared.changes.subscribe();
        loop {
            changes.borrow_and_update();
            if let Some(found) = check(&self.shared.lock()) {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return None;
            }
        }
    }

    /// Like [`Self::try_wait_for`], panicking on timeout.
    pub async fn wait_for<T>(
        &self,
        check: impl FnMut(&State) -> Option<T>,
        timeout: Duration,
    ) -> T {
        match self.try_wait_for(check, timeout).await {
            Some(found) => found,
            None => panic!(
                "fake Discord: condition not met within {timeout:?}; requests: {:#?}",
                self.shared
                    .lock()
                    .requests
                    .iter()
                    .map(|r| format!("{} {} -> {:?}", r.method, r.path, r.status))
                    .collect::<Vec<_>>()
            ),
        }
    }

    /// The most recent IDENTIFY, waiting for one.
    pub async fn wait_identified(&self, timeout: Duration) -> Identify {
        self.wait_for(|state| state.identifies.last().cloned(), timeout)
            .await
    }

    /// The most recent bulk overwrite of commands, waiting for one.
    pub async fn wait_registered_commands(&self, timeout: Duration) -> Value {
        self.wait_for(|state| state.last_registered.clone(), timeout)
            .await
    }

    /// The channel's messages once there are at least `n`.
    pub async fn wait_channel_messages(
        &self,
        channel_id: u64,
        n: usize,
        timeout: Duration,
    ) -> Vec<Value> {
        self.wait_for(
            |state| {
                let messages = state.channel_messages(channel_id);
                (messages.len() >= n).then_some(messages)
            },
            timeout,
        )
        .await
    }

    /// The replies to `interaction` once one of them is more than a defer
    /// (a message, autocomplete choices, a followup or an edit).
    pub async fn wait_reply(&self, interaction: &InteractionRef, timeout: Duration) -> Vec<Reply> {
        self.wait_for(
            |state| {
                let replies = state.replies(interaction);
                replies
                    .iter()
                    .any(|r| r.kind != ReplyKind::Defer)
                    .then_some(replies)
            },
            timeout,
        )
        .await
    }
}
