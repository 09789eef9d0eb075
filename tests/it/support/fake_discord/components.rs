//! Pressing a button: a MESSAGE_COMPONENT interaction (type 3) carrying the
//! message the button is on, as Discord sends it. The bot answers it like
//! any interaction (callback 7 updates the message, 4 replies).

use serde_json::{json, Value};

use super::{
    objects, CommandInvocation, FakeDiscord, GatewayCommand, InteractionRecord, InteractionRef,
    Member,
};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

impl FakeDiscord {
    /// The message the bot's first reply to `interaction` created (a
    /// callback type 4), if it did.
    pub fn reply_message(&self, interaction: &InteractionRef) -> Option<Value> {
        let state = self.shared.lock();
        state
            .interactions
            .get(&interaction.token)
            .filter(|r| r.id == interaction.id)
            .and_then(|r| r.original.clone())
    }

    /// `member` presses the button `custom_id` on `message` (in the test
    /// channel of `message`).
    pub async fn press_button(
        &self,
        message: &Value,
        custom_id: &str,
        member: Member,
    ) -> InteractionRef {
        let sender = self
            .wait_for(|state| state.current.clone(), Duration::from_secs(10))
            .await;
        let channel_id = message["channel_id"]
            .as_str()
            .and_then(|c| c.parse::<u64>().ok())
            .expect("the message's channel");
        let invocation = CommandInvocation::new("button")
            .by(member)
            .in_channel(channel_id);
        let (payload, reference) = self.shared.update(|state| {
            let id = state.new_id();
            let token = format!("interaction-token-{id}");
            let mut payload = objects::interaction(&objects::InteractionSpec {
                id,
                token: &token,
                kind: 3,
                command_id: 0,
                command_guild: None,
                invocation: &invocation,
                focused: None,
            });
            payload["data"] = json!({ "custom_id": custom_id, "component_type": 2 });
            payload["message"] = message.clone();
            state.interactions.insert(
                token.clone(),
                InteractionRecord {
                    id,
                    channel_id,
                    dispatched_at: Instant::now(),
                    acknowledged: false,
                    ephemeral_original: false,
                    original: None,
                    followups: BTreeMap::new(),
                    replies: Vec::new(),
                },
            );
            (payload, InteractionRef { id, token })
        });
        objects::check_shape::<serenity::model::application::Interaction>(
            "INTERACTION_CREATE (component)",
            &payload,
        )
        .expect("component interaction shape");
        sender
            .send(GatewayCommand::Dispatch {
                event: "INTERACTION_CREATE".to_owned(),
                data: payload,
            })
            .expect("the gateway session is gone");
        reference
    }
}
