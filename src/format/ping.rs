//! Who a message notifies: a follow's role ping (the mention in `content`,
//! `allowed_mentions` naming that one role and nothing else), or the
//! suppress-notifications flag for a quiet follow. Nothing else in a message
//! can ping: `parse` stays empty, and embeds never ping.

use super::pack::CreateMessage;
use crate::ids::RoleId;

/// Discord's `SUPPRESS_NOTIFICATIONS` message flag (1 << 12).
pub const SUPPRESS_NOTIFICATIONS: u64 = 1 << 12;

/// How one message notifies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Notify {
    /// As usual (Discord's default), pinging nobody.
    #[default]
    Plain,
    /// Pinging nobody, without a notification.
    Quiet,
    /// Mentioning this role, which may ping.
    Ping(RoleId),
}

impl CreateMessage {
    /// The same body notifying as `notify` says.
    pub fn notifying(mut self, notify: Notify) -> Self {
        match notify {
            Notify::Plain => {}
            Notify::Quiet => self.flags |= SUPPRESS_NOTIFICATIONS,
            Notify::Ping(role) => {
                self.content = Some(format!("<@&{role}>"));
                self.allowed_mentions.parse.clear();
                self.allowed_mentions.roles = vec![role.to_string()];
                self.flags &= !SUPPRESS_NOTIFICATIONS;
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Message;
    use serde_json::json;

    fn body(notify: Notify) -> serde_json::Value {
        let m = Message::default();
        serde_json::to_value(m.to_request(None).notifying(notify)).unwrap()
    }

    #[test]
    fn a_ping_mentions_and_allows_only_its_role() {
        let v = body(Notify::Ping(RoleId(123)));
        assert_eq!(v["content"], json!("<@&123>"));
        assert_eq!(
            v["allowed_mentions"],
            json!({"parse": [], "roles": ["123"]})
        );
        assert!(v.get("flags").is_none(), "{v}");
    }

    #[test]
    fn quiet_sets_the_flag_and_plain_changes_nothing() {
        let v = body(Notify::Quiet);
        assert_eq!(v["flags"], json!(4096));
        assert!(v.get("content").is_none(), "{v}");
        assert_eq!(v["allowed_mentions"], json!({"parse": []}));
        let v = body(Notify::Plain);
        assert!(
            v.get("flags").is_none() && v.get("content").is_none(),
            "{v}"
        );
        assert_eq!(v["allowed_mentions"], json!({"parse": []}));
    }
}
