//! The project's own fake Discord for end-to-end tests with the real serenity
//! client: REST under `/api/v10` and a gateway websocket, both on
//! `127.0.0.1:0`. It records every request, checks message bodies against
//! Discord's limits, honours `nonce` + `enforce_nonce`, injects per-route
//! faults, dispatches `INTERACTION_CREATE` and collects the bot's replies.
//! Nonces are forgotten after a window, like Discord does; channel history
//! reads back the way Discord returns it (see `history`).
//!
//! Point the bot at it with `discord.api_base = fake.api_base()` (serenity
//! builds `{api_base}/api/v10/...`; its built-in ratelimiter must be disabled
//! for the proxy to apply) and token [`TOKEN`]. reqwest honours
//! `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY`: build the client given to
//! `HttpBuilder::client` with `.no_proxy()`, or run tests without them.
//!
//! Every wait takes a timeout and wakes on state changes, never on sleeps.

mod components;
mod faults;
mod gateway;
mod guild;
mod history;
mod interactions;
pub mod limits;
mod objects;
mod rest;
mod shards;
pub mod threads;
mod waits;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use faults::FaultRule;
pub use faults::{Fault, Route, Times};
pub use interactions::{CommandInvocation, InteractionRef, Member, Reply, ReplyKind};
pub use limits::FieldError;

/// The bot token the fake accepts (REST `Authorization: Bot test-token`, gateway IDENTIFY).
pub const TOKEN: &str = "test-token";
/// The application id (READY, command routes, webhooks). Differs from the bot user id.
pub const APP_ID: u64 = 1_100_000_000_000_000_001;
/// The bot's own user id.
pub const BOT_USER_ID: u64 = 1_100_000_000_000_000_002;
/// The bot owner (application info).
pub const OWNER_USER_ID: u64 = 1_100_000_000_000_000_003;
/// The test guild.
pub const GUILD_ID: u64 = 1_100_000_000_000_000_010;
/// The main text channel of the test guild.
pub const CHANNEL_ID: u64 = 1_100_000_000_000_000_020;
/// A second text channel of the test guild.
pub const OTHER_CHANNEL_ID: u64 = 1_100_000_000_000_000_021;
/// The DM channel between a user and the bot.
pub const DM_CHANNEL_ID: u64 = 1_100_000_000_000_000_030;
/// The user behind [`Member::moderator`].
pub const MODERATOR_USER_ID: u64 = 1_100_000_000_000_000_040;
/// The user behind [`Member::plain`].
pub const PLAIN_USER_ID: u64 = 1_100_000_000_000_000_041;

/// Discord permission bits used by the fake.
pub const VIEW_CHANNEL: u64 = 1 << 10;
pub const SEND_MESSAGES: u64 = 1 << 11;
pub const EMBED_LINKS: u64 = 1 << 14;
pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
pub const MANAGE_CHANNELS: u64 = 1 << 4;
/// What a plain member may do in the test channel.
pub const PLAIN_PERMISSIONS: u64 =
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS;
/// A plain member's permissions plus Manage Channels.
pub const MODERATOR_PERMISSIONS: u64 = PLAIN_PERMISSIONS | MANAGE_CHANNELS;
/// The bot's permissions in the test channel (`app_permissions`).
pub const BOT_PERMISSIONS: u64 = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY;

/// HELLO's heartbeat interval.
pub const HEARTBEAT_INTERVAL_MS: u64 = 45_000;
/// An interaction callback later than this is refused (404, 10062) and recorded
/// as a violation, like Discord does; see [`FakeDiscord::set_callback_deadline`].
pub const CALLBACK_DEADLINE: Duration = Duration::from_secs(3);
/// How long Discord remembers an enforced nonce ("a few minutes"); see
/// [`FakeDiscord::set_nonce_window`].
pub const NONCE_WINDOW: Duration = Duration::from_secs(300);
/// Interaction (and callback) flag for an ephemeral message.
pub const EPHEMERAL: u64 = 1 << 6;

/// The gateway IDENTIFY as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identify {
    /// Exactly as sent (serenity sends `Bot <token>`).
    pub token: String,
    pub intents: u64,
    /// `[shard_id, num_shards]` as sent (`[0, 1]` when absent).
    pub shard: [u64; 2],
}

/// A gateway RESUME as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resume {
    pub session_id: String,
    pub seq: u64,
}

/// One REST request.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// Full path, e.g. `/api/v10/channels/1/messages`, without the query.
    pub path: String,
    pub authorization: Option<String>,
    /// The JSON body, `Null` when empty or not JSON.
    pub body: Value,
    pub received_at: Instant,
    /// The status answered; `None` while stalled.
    pub status: Option<u16>,
    /// The injected fault that answered it, if any.
    pub fault: Option<Fault>,
}

/// A body Discord would refuse (answered 400) or a late interaction callback.
#[derive(Clone, Debug)]
pub struct Violation {
    pub method: String,
    pub path: String,
    pub errors: Vec<FieldError>,
}

#[derive(Debug)]
struct InteractionRecord {
    id: u64,
    channel_id: u64,
    dispatched_at: Instant,
    acknowledged: bool,
    ephemeral_original: bool,
    original: Option<Value>,
    followups: BTreeMap<u64, Value>,
    replies: Vec<Reply>,
}

enum GatewayCommand {
    Dispatch {
        event: String,
        data: Value,
    },
    Reconnect,
    InvalidSession,
    /// End the connection without a close frame (a cut network).
    Cut,
}

/// How the fake's gateway treats connections; see [`FakeDiscord::set_gateway_mode`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GatewayMode {
    /// HELLO, IDENTIFY/RESUME, READY, heartbeats: a working Discord.
    #[default]
    Normal,
    /// Accept TCP and close it at once: the websocket handshake fails.
    Refuse,
    /// Accept TCP and never answer the websocket handshake.
    Stall,
    /// Complete the websocket handshake, then never send HELLO.
    NoHello,
    /// Answer every IDENTIFY and RESUME with close 4004 (token refused).
    RejectToken,
}

/// Everything the fake has seen, for `wait_for` predicates.
#[derive(Debug, Default)]
pub struct State {
    pub requests: Vec<RecordedRequest>,
    pub violations: Vec<Violation>,
    pub identifies: Vec<Identify>,
    pub resumes: Vec<Resume>,
    /// Heartbeats (op 1) received, each answered with op 11.
    pub heartbeats: u64,
    /// Gateway connections accepted so far.
    pub gateway_connections: u64,
    /// Last bulk overwrite of global commands, as answered (with ids).
    pub global_commands: Option<Value>,
    /// Last bulk overwrite per guild, as answered (with ids).
    pub guild_commands: BTreeMap<u64, Value>,
    /// The most recent bulk overwrite, global or guild.
    pub last_registered: Option<Value>,
    /// Accepted channel messages, in order.
    pub channels: BTreeMap<u64, Vec<Value>>,
    interactions: HashMap<String, InteractionRecord>,
    faults: Vec<FaultRule>,
    /// Enforced nonces per channel: when first seen, and the message created.
    nonces: HashMap<(u64, String), (Instant, Value)>,
    /// How long a nonce is remembered; `None`: [`NONCE_WINDOW`].
    nonce_window: Option<Duration>,
    sessions: HashMap<String, u64>,
    current: Option<mpsc::UnboundedSender<GatewayCommand>>,
    next_id: u64,
    /// `None`: [`CALLBACK_DEADLINE`].
    callback_deadline: Option<Duration>,
    gateway_mode: GatewayMode,
    /// What `GET /gateway/bot` recommends; `None`: 1. See [`FakeDiscord::set_recommended_shards`].
    recommended_shards: Option<u64>,
    /// The live session of each shard (set on READY or RESUMED), for dispatching on one shard.
    shard_sessions: BTreeMap<u64, mpsc::UnboundedSender<GatewayCommand>>,
    /// The shard id of each session.
    session_shards: HashMap<String, u64>,
    /// Identified gateway connections still open, by shard id.
    pub open_shards: BTreeMap<u64, u64>,
    /// Permissions denied to the bot (a member overwrite) in a channel; see
    /// [`FakeDiscord::deny_bot_in`].
    pub bot_denied: HashMap<u64, u64>,
    /// Threads, forum and media channels a test registered (`threads`).
    pub places: BTreeMap<u64, threads::Place>,
}

impl std::fmt::Debug for GatewayCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dispatch { event, .. } => write!(f, "Dispatch({event})"),
            Self::Reconnect => f.write_str("Reconnect"),
            Self::InvalidSession => f.write_str("InvalidSession"),
            Self::Cut => f.write_str("Cut"),
        }
    }
}

impl State {
    /// What the bot has sent so far for `interaction`.
    pub fn replies(&self, interaction: &InteractionRef) -> Vec<Reply> {
        self.interactions
            .get(&interaction.token)
            .filter(|record| record.id == interaction.id)
            .map(|record| record.replies.clone())
            .unwrap_or_default()
    }

    /// Accepted messages of `channel_id`, in order.
    pub fn channel_messages(&self, channel_id: u64) -> Vec<Value> {
        self.channels.get(&channel_id).cloned().unwrap_or_default()
    }

    /// The message first created with this nonce, while Discord still
    /// remembers it (a nonce is forgotten after the nonce window).
    fn remembered_nonce(&self, key: &(u64, String)) -> Option<Value> {
        let window = self.nonce_window.unwrap_or(NONCE_WINDOW);
        self.nonces
            .get(key)
            .filter(|(at, _)| at.elapsed() < window)
            .map(|(_, message)| message.clone())
    }

    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        1_200_000_000_000_000_000 + self.next_id
    }

    /// The first fault rule that matches, consumed once.
    fn take_fault(&mut self, method: &str, path: &str) -> Option<Fault> {
        let rule = self
            .faults
            .iter_mut()
            .find(|rule| rule.remaining != Times::N(0) && rule.route.matches(method, path))?;
        if let Times::N(n) = &mut rule.remaining {
            *n -= 1;
        }
        Some(rule.fault.clone())
    }
}

struct Shared {
    state: Mutex<State>,
    changes: watch::Sender<u64>,
    gateway_url: String,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Mutates the state and wakes every waiter.
    fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let result = f(&mut self.lock());
        self.changes.send_modify(|version| *version += 1);
        result
    }
}

/// A running fake Discord. Dropping it stops the servers.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    rest_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Starts the fake on the current tokio runtime.
pub async fn start() -> FakeDiscord {
    let rest = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the fake Discord REST listener");
    let ws = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the fake Discord gateway listener");
    let rest_addr = rest.local_addr().expect("REST listener address");
    let gateway_url = format!(
        "ws://{}",
        ws.local_addr().expect("gateway listener address")
    );

    // Fail loudly here, not silently in serenity, if a fixed object is off.
    objects::check_shape::<serenity::model::gateway::Ready>(
        "READY",
        &objects::ready("session", &gateway_url, &serde_json::json!([0, 1])),
    )
    .expect("READY shape");
    objects::check_shape::<serenity::model::application::CurrentApplicationInfo>(
        "application",
        &objects::application(),
    )
    .expect("application shape");
    objects::check_shape::<serenity::model::gateway::BotGateway>(
        "gateway/bot",
        &objects::gateway_bot(&gateway_url, 2),
    )
    .expect("gateway/bot shape");

    let (changes, _) = watch::channel(0);
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        changes,
        gateway_url,
    });
    let router = axum::Router::new()
        .fallback(rest::handle)
        .with_state(Arc::clone(&shared));
    let rest_task = tokio::spawn(async move {
        // Ends only when aborted; an accept error ends the fake's REST side.
        let _ = axum::serve(rest, router).await;
    });
    let gateway_task = tokio::spawn(gateway::serve(ws, Arc::clone(&shared)));
    FakeDiscord {
        shared,
        rest_addr,
        tasks: vec![rest_task, gateway_task],
    }
}

impl FakeDiscord {
    /// `http://127.0.0.1:PORT`: the bot's `discord.api_base`.
    pub fn api_base(&self) -> String {
        format!("http://{}", self.rest_addr)
    }

    /// `ws://127.0.0.1:PORT`, what `GET /gateway` answers.
    pub fn gateway_url(&self) -> String {
        self.shared.gateway_url.clone()
    }

    /// Injects `fault` on `route` for `times` requests (`Times::Forever` for all).
    /// Rules are tried in injection order; a used-up rule no longer matches.
    pub fn inject(&self, route: Route, fault: Fault, times: impl Into<Times>) {
        let remaining = times.into();
        self.shared.update(|state| {
            state.faults.push(FaultRule {
                route,
                fault,
                remaining,
            })
        });
    }

    /// Changes how long after dispatch an interaction callback is still
    /// accepted (default [`CALLBACK_DEADLINE`]).
    pub fn set_callback_deadline(&self, deadline: Duration) {
        self.shared
            .update(|state| state.callback_deadline = Some(deadline));
    }

    /// Changes how long an enforced nonce is remembered (default
    /// [`NONCE_WINDOW`]); after it, the same nonce creates a new message.
    pub fn set_nonce_window(&self, window: Duration) {
        self.shared
            .update(|state| state.nonce_window = Some(window));
    }

    /// Answers `GET /channels/{channel_id}/messages` with 403 50001 from now
    /// on: the bot lacks Read Message History there.
    pub fn refuse_history(&self, channel_id: u64) {
        self.inject(
            Route::new("GET", &format!("/channels/{channel_id}/messages")),
            Fault::Forbidden { code: 50001 },
            Times::Forever,
        );
    }

    /// `GET /channels/{channel_id}` answers with a member overwrite denying
    /// the bot `deny` there (the bot otherwise has [`BOT_PERMISSIONS`] in every
    /// channel, from @everyone).
    pub fn deny_bot_in(&self, channel_id: u64, deny: u64) {
        self.shared.update(|state| {
            state.bot_denied.insert(channel_id, deny);
        });
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        self.shared.update(|state| state.faults.clear());
    }

    /// Every REST request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The requests that `route` matches.
    pub fn requests_to(&self, route: &Route) -> Vec<RecordedRequest> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| route.matches(&r.method, &r.path))
            .cloned()
            .collect()
    }

    /// Bodies refused for breaking Discord's limits, and late callbacks.
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.lock().violations.clone()
    }

    /// The most recent bulk overwrite of commands (global or guild), as answered.
    pub fn registered_commands(&self) -> Option<Value> {
        self.shared.lock().last_registered.clone()
    }

    /// Accepted messages of a channel, in order.
    pub fn channel_messages(&self, channel_id: u64) -> Vec<Value> {
        self.shared.lock().channel_messages(channel_id)
    }

    /// What the bot has sent so far for an interaction.
    pub fn replies(&self, interaction: &InteractionRef) -> Vec<Reply> {
        self.shared.lock().replies(interaction)
    }

    /// Dispatches an application command (INTERACTION_CREATE, type 2).
    /// Waits up to 10 s for an identified gateway session.
    pub async fn interact(&self, invocation: CommandInvocation) -> InteractionRef {
        self.dispatch_interaction(invocation, 2, None, None).await
    }

    /// Dispatches an autocomplete request (type 4) with `focused` as the
    /// option being typed (it must be among the invocation's options).
    pub async fn autocomplete(
        &self,
        invocation: CommandInvocation,
        focused: &str,
    ) -> InteractionRef {
        assert!(
            invocation.options.iter().any(|(name, _)| name == focused),
            "fake Discord: focused option {focused} is not among the options"
        );
        self.dispatch_interaction(invocation, 4, Some(focused), None)
            .await
    }

    async fn dispatch_interaction(
        &self,
        invocation: CommandInvocation,
        kind: u8,
        focused: Option<&str>,
        shard: Option<u64>,
    ) -> InteractionRef {
        let sender = self
            .wait_for(
                |state| match shard {
                    Some(id) => state.shard_sessions.get(&id).cloned(),
                    None => state.current.clone(),
                },
                Duration::from_secs(10),
            )
            .await;
        let (payload, reference) = self.shared.update(|state| {
            let id = state.new_id();
            let token = format!("interaction-token-{id}");
            let registered = registered_command(state, &invocation.name);
            let command_id = match registered {
                Some((command_id, _)) => command_id,
                None => state.new_id(),
            };
            let payload = objects::interaction(&objects::InteractionSpec {
                id,
                token: &token,
                kind,
                command_id,
                command_guild: registered.and_then(|(_, guild)| guild),
                invocation: &invocation,
                focused,
            });
            state.interactions.insert(
                token.clone(),
                InteractionRecord {
                    id,
                    channel_id: invocation.channel_id,
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
            "INTERACTION_CREATE",
            &payload,
        )
        .expect("interaction shape");
        sender
            .send(GatewayCommand::Dispatch {
                event: "INTERACTION_CREATE".to_owned(),
                data: payload,
            })
            .expect("the gateway session is gone");
        reference
    }

    /// Sends op 7 RECONNECT on the current session: the client should resume.
    pub async fn reconnect_gateway(&self) {
        self.send_gateway(GatewayCommand::Reconnect).await;
    }

    /// Sends op 9 INVALID SESSION (not resumable): the client should identify again.
    pub async fn invalidate_session(&self) {
        self.send_gateway(GatewayCommand::InvalidSession).await;
    }

    /// How the gateway treats connections from now on (open ones keep going).
    pub fn set_gateway_mode(&self, mode: GatewayMode) {
        self.shared.update(|state| state.gateway_mode = mode);
    }

    /// Ends the current gateway connection without a close frame.
    pub async fn cut_gateway(&self) {
        self.send_gateway(GatewayCommand::Cut).await;
    }

    async fn send_gateway(&self, command: GatewayCommand) {
        let sender = self
            .wait_for(|state| state.current.clone(), Duration::from_secs(10))
            .await;
        // Dispatches wait for the session that follows, not this one.
        self.shared.update(|state| {
            if state
                .current
                .as_ref()
                .is_some_and(|c| c.same_channel(&sender))
            {
                state.current = None;
            }
        });
        sender.send(command).expect("the gateway session is gone");
    }
}

/// The id of a registered command named `name`, and its guild when registered in one.
fn registered_command(state: &State, name: &str) -> Option<(u64, Option<u64>)> {
    let find = |list: &Value| {
        list.as_array()?
            .iter()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|c| c.get("id")?.as_str()?.parse::<u64>().ok())
    };
    state
        .guild_commands
        .iter()
        .find_map(|(guild, list)| find(list).map(|id| (id, Some(*guild))))
        .or_else(|| {
            state
                .global_commands
                .as_ref()
                .and_then(find)
                .map(|id| (id, None))
        })
}
