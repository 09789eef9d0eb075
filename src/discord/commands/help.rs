//! `/help`: what the bot does, each command with an example and who may use
//! it (with the `channel`, `ping`, `ping_on`, `quiet`, `publish` and
//! `digest` options), the permissions the bot needs, and a link to the
//! project; ephemeral.

use poise::CreateReply;

use super::{CommandError, Context};

/// Where the project lives.
pub const PROJECT_URL: &str = "https://github.com/trakt-herald";

/// One command as `/help` describes it.
struct Entry {
    name: &'static str,
    /// The options of the example, after `/name`.
    example: &'static str,
    /// Who may use it (a Discord permission), or `None` for anyone.
    who: Option<&'static str>,
    what: &'static str,
}

/// Every command, in the order `/help` lists them.
const ENTRIES: &[Entry] = &[
    Entry {
        name: "follow",
        example: "the-walking-dead shout,review channel:#tv ping:@tv-fans ping_on:review quiet:true publish:true digest:false",
        who: Some("Manage Channels"),
        what: "post a show's activity (all, or the actions listed) in `channel` (default: here); \
               `ping` a role for the `ping_on` actions, `quiet` the rest silently, `publish` \
               crossposts, `digest:false` never folds bursts",
    },
    Entry {
        name: "unfollow",
        example: "the-walking-dead channel:#tv",
        who: Some("Manage Channels"),
        what: "stop following it here (a show, or a user: `user:moonfield`)",
    },
    Entry {
        name: "follow-user",
        example: "moonfield seen,rating show:the-walking-dead",
        who: Some("Manage Channels"),
        what: "follow a public Trakt user here",
    },
    Entry {
        name: "unfollow-user",
        example: "moonfield",
        who: Some("Manage Channels"),
        what: "stop following that user here (as /unfollow user:moonfield)",
    },
    Entry {
        name: "pause",
        example: "the-walking-dead channel:#tv",
        who: Some("Manage Channels"),
        what: "stop posting it (a show or a user) here for now, without forgetting it",
    },
    Entry {
        name: "resume",
        example: "the-walking-dead channel:#tv",
        who: Some("Manage Channels"),
        what: "post it again, from now on",
    },
    Entry {
        name: "follows",
        example: "channel:#tv",
        who: None,
        what: "what a channel follows, and each follow's state",
    },
    Entry {
        name: "status",
        example: "",
        who: Some("Manage Channels"),
        what: "every follow of the server: state, polls, posts, errors; my Trakt budget and latency",
    },
    Entry {
        name: "activity",
        example: "the-walking-dead since:2h",
        who: None,
        what: "a show's recent activity, on demand (or a public user's: `user:moonfield`)",
    },
    Entry {
        name: "alerts",
        example: "channel:#mod-log",
        who: Some("Manage Server"),
        what: "where I say when I stop posting somewhere, a show keeps failing or is gone",
    },
    Entry {
        name: "help",
        example: "",
        who: None,
        what: "this message",
    },
];

/// `/name options`.
fn example(e: &Entry) -> String {
    format!("/{} {}", e.name, e.example).trim_end().to_owned()
}

/// The whole `/help` text (under Discord's 2000 characters).
fn help_text() -> String {
    let mut text = String::from(
        "**trakt-herald** posts what happens on Trakt around the shows and people this server \
         follows (watching, check-ins, ratings, reviews, shouts, lists): once each, in order, \
         pinging nobody but the role a follow names.\n\n\
         **Commands**\n",
    );
    for e in ENTRIES {
        let who = e.who.map(|w| format!(" *({w})*")).unwrap_or_default();
        text.push_str(&format!("`{}`: {}{who}\n", example(e), e.what));
    }
    text.push_str(
        "\nA show is its Trakt slug (trakt.tv/shows/**the-walking-dead**), Trakt address, or TVDB \
         or IMDb id.\n\n\
         **Permissions I need** where I post and in the alerts channel: View Channel, Send Messages \
         (Send Messages in Threads in threads and forums, one post per show), Embed Links, Read \
         Message History; Mention All Roles to ping a role that is not mentionable.\n\n",
    );
    text.push_str(&format!("Project: <{PROJECT_URL}>"));
    text
}

/// What the bot does and how to use it.
#[poise::command(slash_command, ephemeral)]
pub async fn help(ctx: Context<'_>) -> Result<(), CommandError> {
    ctx.send(CreateReply::default().content(help_text()).ephemeral(true))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_describes_every_registered_command_with_an_example() {
        let text = help_text();
        let registered: Vec<String> = super::super::all()
            .into_iter()
            .map(|c| c.name.to_string())
            .collect();
        let described: Vec<&str> = ENTRIES.iter().map(|e| e.name).collect();
        let mut sorted_registered = registered.clone();
        sorted_registered.sort();
        let mut sorted_described = described.clone();
        sorted_described.sort_unstable();
        assert_eq!(
            sorted_registered, sorted_described,
            "/help and all() disagree"
        );
        for e in ENTRIES {
            assert!(
                text.contains(&format!("`{}", example(e))),
                "{} missing",
                e.name
            );
        }
        assert!(
            text.contains("`/follow the-walking-dead shout,review channel:#tv"),
            "{text}"
        );
        assert!(text.contains("`/help`"), "{text}");
        assert!(text.contains(PROJECT_URL));
        assert!(text.contains("Embed Links"));
        for option in [
            "channel:", "ping:", "ping_on:", "quiet:", "publish:", "digest:",
        ] {
            assert!(text.contains(option), "{option} has no example");
        }
        assert!(text.contains("`/status`"), "{text}");
        assert!(text.contains("Send Messages in Threads"), "{text}");
        assert!(text.chars().count() <= 2000, "{}", text.chars().count());
    }
}
