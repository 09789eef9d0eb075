//! Proves the fake Discord against the real serenity 0.12.5 / poise 0.7.1
//! client (handshake, command registration, interactions and replies,
//! nonces, faults, limits, resume and re-identify), and pins the fake's own
//! protocol with a raw websocket client and a raw HTTP client.
//!
//! `serenity` drives the fake with the real client, `rest` with raw HTTP,
//! `gateway` with a raw websocket.

mod gateway;
mod rest;
mod serenity_client;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use poise::serenity_prelude as serenity;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::support::fake_discord::{
    self, CommandInvocation, FakeDiscord, Fault, Member, ReplyKind, Route, Times, APP_ID,
    CHANNEL_ID, GUILD_ID, MANAGE_CHANNELS, OTHER_CHANNEL_ID, TOKEN,
};

const WAIT: Duration = Duration::from_secs(10);

fn no_proxy_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("build a reqwest client")
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("a JSON body")
}
