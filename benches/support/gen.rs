//! The deterministic generator of synthetic workloads: Trakt `activity/shows`
//! items and bodies shaped like the real ones (every action × type the API
//! sends, the extra fields the bot ignores, texts of realistic lengths), shows,
//! and subscription sets (each show followed by 1–20 channels, mixed action
//! sets). Everything comes from one `fastrand::Rng` with a fixed seed, so two
//! runs measure the same bytes.

use serde_json::{json, Value};
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::{ShowFollowers, ShowState, SubState, Subscription};
use trakt_herald::trakt::{Action, ActionSet, ShowRef, TraktTime};

/// The seed of every generator in the benchmarks.
pub const SEED: u64 = 0x5452_414b_5448_4552;

/// The first Trakt timestamp the generator uses.
pub const T0: i64 = 1_384_800_000;

const WORDS: [&str; 32] = [
    "walking", "dead", "breaking", "bad", "dark", "city", "lost", "house", "game", "thrones",
    "black", "mirror", "night", "river", "crown", "office", "north", "shadow", "summer", "storm",
    "signal", "garden", "harbor", "silent", "empire", "falls", "station", "eleven", "wild", "blue",
    "iron", "glass",
];

const LOREM: &str = "I went into this season expecting more of the same slow wandering, and for \
the first half of the premiere that is exactly what I got. Then the episode changes gear. The \
prison has become a small town, with a council, a garden and a storytime for the children, and \
the writers finally let us see what it costs to keep something like that running. Every scene \
in the supply run is built around a single question: how many risks are you willing to take for \
people you barely know? ";

/// The (action, type) pairs the API sends, as in `tests/fixtures/full-100.json`.
const KINDS: [(&str, &str); 16] = [
    ("watching", "episode"),
    ("scrobble", "episode"),
    ("checkin", "episode"),
    ("seen", "episode"),
    ("collection", "episode"),
    ("rating", "episode"),
    ("rating", "show"),
    ("watchlist", "episode"),
    ("watchlist", "show"),
    ("shout", "episode"),
    ("shout", "show"),
    ("review", "episode"),
    ("created", "list"),
    ("item_added", "list"),
    ("seen", "movie"),
    ("rating", "movie"),
];

/// A synthetic show: how subscriptions name it and what Trakt says about it.
#[derive(Clone, Debug)]
pub struct SynthShow {
    pub show: ShowRef,
    pub title: String,
    /// The slug in the show's Trakt URL (also for shows followed by TVDB id).
    pub slug: String,
    pub tvdb_id: u64,
}

/// The deterministic source of everything synthetic.
pub struct Gen {
    rng: fastrand::Rng,
}

impl Default for Gen {
    fn default() -> Self {
        Gen::new()
    }
}

impl Gen {
    /// A generator at [`SEED`].
    pub fn new() -> Self {
        Gen::with_seed(SEED)
    }

    /// A generator at `seed` (for independent streams in one run).
    pub fn with_seed(seed: u64) -> Self {
        Gen {
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    fn word(&mut self) -> &'static str {
        WORDS[self.rng.usize(..WORDS.len())]
    }

    /// Show number `i` of a set: a unique slug of 1–4 words; one show in ten is
    /// followed by its TVDB id instead.
    pub fn show(&mut self, i: usize) -> SynthShow {
        let words = self.rng.usize(1..=4);
        let mut slug = (0..words)
            .map(|_| self.word())
            .collect::<Vec<_>>()
            .join("-");
        slug.push_str(&format!("-{i}"));
        let title = slug
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" ");
        let tvdb_id = 70_000 + i as u64;
        let show = if self.rng.u8(..10) == 0 {
            ShowRef::Tvdb(tvdb_id)
        } else {
            ShowRef::Slug(slug.clone())
        };
        SynthShow {
            show,
            title,
            slug,
            tvdb_id,
        }
    }

    /// `n` distinct shows.
    pub fn shows(&mut self, n: usize) -> Vec<SynthShow> {
        (0..n).map(|i| self.show(i)).collect()
    }

    /// A channel's action set: a third want everything, the rest 1–5 actions.
    pub fn action_set(&mut self) -> ActionSet {
        if self.rng.u8(..3) == 0 {
            return ActionSet::all();
        }
        let mut set = ActionSet::none();
        for _ in 0..self.rng.usize(1..=5) {
            set.insert(Action::ALL[self.rng.usize(..Action::ALL.len())]);
        }
        set
    }

    /// How many channels follow each of `shows` shows, `total` in all, each
    /// between 1 and 20: a skewed spread (a few popular shows, many followed
    /// by one or two channels). `total` must lie in `shows..=20 * shows`.
    pub fn fan_out(&mut self, shows: usize, total: usize) -> Vec<usize> {
        assert!((shows..=20 * shows).contains(&total), "impossible spread");
        let mut counts = vec![1usize; shows];
        let weights: Vec<f64> = (0..shows).map(|_| self.rng.f64().powi(3)).collect();
        let sum: f64 = weights.iter().sum();
        let extra = total - shows;
        for (c, w) in counts.iter_mut().zip(&weights) {
            *c += ((w / sum) * extra as f64) as usize;
            *c = (*c).min(20);
        }
        // Fix rounding and the cap: add or remove one at a time at random.
        let mut have: usize = counts.iter().sum();
        while have != total {
            let i = self.rng.usize(..shows);
            if have < total && counts[i] < 20 {
                counts[i] += 1;
                have += 1;
            } else if have > total && counts[i] > 1 {
                counts[i] -= 1;
                have -= 1;
            }
        }
        counts
    }

    /// `total` subscriptions over `shows` (each show followed by 1–20 of
    /// `channels` channels, ten channels per guild), as the store keeps them.
    pub fn subscriptions(
        &mut self,
        shows: &[SynthShow],
        total: usize,
        channels: usize,
    ) -> Vec<Subscription> {
        let counts = self.fan_out(shows.len(), total);
        let mut out = Vec::with_capacity(total);
        for (s, &n) in shows.iter().zip(&counts) {
            let mut picked: Vec<u64> = Vec::with_capacity(n);
            while picked.len() < n {
                let c = self.rng.u64(..channels as u64);
                if !picked.contains(&c) {
                    picked.push(c);
                }
            }
            for c in picked {
                out.push(Subscription {
                    slug: None,
                    guild: GuildId(900_000_000_000_000_000 + c / 10),
                    channel: ChannelId(800_000_000_000_000_000 + c),
                    show: s.show.clone(),
                    title: s.title.clone(),
                    actions: self.action_set(),
                    created_by: UserId(700_000_000_000_000_001),
                    created_at: 1_700_000_000,
                    state: SubState::Active,
                    since: None,
                    delivery: Default::default(),
                    digest: true,
                    digest_window: None,
                });
            }
        }
        out
    }

    /// What the store's `followed_shows` would answer for `subs` (grouped by
    /// show, in the order given), every show with `watermark`.
    pub fn followers(subs: &[Subscription], watermark: Option<TraktTime>) -> Vec<ShowFollowers> {
        let mut out: Vec<ShowFollowers> = Vec::new();
        for sub in subs {
            match out.last_mut() {
                Some(last) if last.show == sub.show => {
                    last.wanted = last.wanted.union(sub.actions);
                    last.channels.push((sub.channel, sub.actions));
                }
                _ => out.push(ShowFollowers {
                    show: sub.show.clone(),
                    wanted: sub.actions,
                    channels: vec![(sub.channel, sub.actions)],
                    state: ShowState {
                        watermark,
                        ..ShowState::default()
                    },
                }),
            }
        }
        out
    }

    fn user(&mut self) -> Value {
        let n = self.rng.u32(..5000);
        let name = format!("{}_{}{n}", self.word(), self.word());
        let full = if self.rng.bool() {
            json!(format!(
                "{} {}.",
                capital(self.word()),
                capital(self.word())
            ))
        } else {
            json!("")
        };
        json!({
            "username": name,
            "protected": false,
            "full_name": full,
            "gender": "",
            "age": "",
            "location": "",
            "about": "",
            "joined": 1_310_259_200 + i64::from(n),
            "avatar": format!("http://slurm.trakt.us/images/avatars/{n}.2.jpg"),
            "url": format!("http://trakt.tv/user/{name}"),
            "vip": false
        })
    }

    fn show_json(&mut self, s: &SynthShow) -> Value {
        json!({
            "title": s.title,
            "year": 1990 + self.rng.u32(..35),
            "url": format!("http://trakt.tv/show/{}", s.slug),
            "first_aired": 1_288_587_600,
            "first_aired_iso": "2010-10-31T22:00:00-04:00",
            "first_aired_utc": 1_288_576_800,
            "country": "United States",
            "overview": &LOREM[..self.rng.usize(80..LOREM.len())],
            "runtime": 60,
            "network": "AMC",
            "air_day": "Sunday",
            "air_time": "9:00pm",
            "certification": "TV-MA",
            "imdb_id": format!("tt{}", 1_000_000 + s.tvdb_id),
            "tvdb_id": s.tvdb_id.to_string(),
            "tvrage_id": "25056",
            "images": {
                "poster": format!("http://slurm.trakt.us/images/posters/{}.47.jpg", s.tvdb_id),
                "fanart": format!("http://slurm.trakt.us/images/fanart/{}.47.jpg", s.tvdb_id),
                "banner": format!("http://slurm.trakt.us/images/banners/{}.47.jpg", s.tvdb_id)
            },
            "genres": ["Action", "Drama", "Horror"],
            "ratings": {"percentage": 88, "votes": 18342, "loved": 17520, "hated": 822}
        })
    }

    fn episode_json(&mut self, s: &SynthShow, season: u32, number: u32) -> Value {
        json!({
            "season": season,
            "number": number,
            "title": format!("{} {}", capital(self.word()), capital(self.word())),
            "overview": "",
            "url": format!("http://trakt.tv/show/{}/season/{season}/episode/{number}", s.slug),
            "first_aired": 1_320_033_600,
            "first_aired_iso": "2011-10-30T21:00:00-04:00",
            "first_aired_utc": 1_320_022_800,
            "images": {"screen": format!("http://slurm.trakt.us/images/episodes/{}-{season}-{number}.jpg", s.tvdb_id)},
            "ratings": {"percentage": 90, "votes": 1011, "loved": 940, "hated": 71}
        })
    }

    fn text(&mut self, min: usize, max: usize) -> String {
        let len = self.rng.usize(min..=max);
        let mut out = String::with_capacity(len + LOREM.len());
        while out.len() < len {
            out.push_str(LOREM);
        }
        let mut cut = len;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.trim_end().to_owned()
    }

    fn list_json(&mut self, user: &Value) -> Value {
        let name = format!("{} {} picks", capital(self.word()), self.word());
        let slug = name.to_ascii_lowercase().replace(' ', "-");
        let username = user["username"].as_str().unwrap_or("someone");
        json!({
            "name": name,
            "slug": slug,
            "url": format!("http://trakt.tv/user/{username}/list/{slug}"),
            "description": if self.rng.bool() { self.text(0, 300) } else { String::new() },
            "privacy": "public",
            "show_numbers": false,
            "allow_shouts": true
        })
    }

    /// One activity item about `show` (`id`, `timestamp`), of a random kind.
    pub fn activity(&mut self, id: u64, timestamp: i64, s: &SynthShow) -> Value {
        let (action, kind) = KINDS[self.rng.usize(..KINDS.len())];
        self.activity_of(id, timestamp, s, action, kind)
    }

    /// One activity item of the given action and type.
    pub fn activity_of(
        &mut self,
        id: u64,
        timestamp: i64,
        s: &SynthShow,
        action: &str,
        kind: &str,
    ) -> Value {
        let user = self.user();
        let mut item = json!({
            "id": id,
            "timestamp": timestamp,
            "when": {"day": "Monday Nov 18 2013", "time": "3:59pm"},
            "elapsed": {"full": "just now", "short": "now"},
            "type": kind,
            "action": action,
            "user": user,
        });
        let season = self.rng.u32(1..=8);
        let number = self.rng.u32(1..=16);
        match kind {
            "episode" => {
                item["show"] = self.show_json(s);
                if action == "seen" && self.rng.u8(..3) == 0 {
                    let run = self.rng.u32(2..=6);
                    let eps: Vec<Value> = (0..run)
                        .map(|k| self.episode_json(s, season, number + k))
                        .collect();
                    item["episodes"] = json!(eps);
                } else {
                    let ep = self.episode_json(s, season, number);
                    item["episode"] = ep.clone();
                    item["episodes"] = json!([ep]);
                }
            }
            "show" => item["show"] = self.show_json(s),
            "movie" => {
                item["movie"] = json!({
                    "title": format!("{} {}", capital(self.word()), capital(self.word())),
                    "year": 2012,
                    "url": format!("http://trakt.tv/movie/{}-{id}", self.word()),
                    "imdb_id": format!("tt{}", 2_000_000 + id % 1_000_000),
                    "tmdb_id": id % 1_000_000,
                    "images": {"poster": "http://slurm.trakt.us/images/posters_movies/1.jpg"}
                });
            }
            _ => {
                item["list"] = self.list_json(&item["user"]);
                if action == "item_added" {
                    item["list_item"] = json!({"type": "show", "show": self.show_json(s)});
                }
            }
        }
        match action {
            "rating" => {
                item["rating"] = json!(if self.rng.u8(..4) == 0 {
                    "hate"
                } else {
                    "love"
                });
                item["rating_advanced"] = json!(self.rng.u8(1..=10));
                item["use_rating_advanced"] = json!(self.rng.bool());
            }
            "shout" => {
                let text = self.text(10, 600);
                item["shout"] = json!({
                    "id": id, "text": text, "text_html": text,
                    "spoiler": self.rng.u8(..5) == 0
                });
            }
            "review" => {
                let text = self.text(200, 3000);
                item["review"] = json!({
                    "id": id, "text": text, "text_html": text,
                    "spoiler": self.rng.u8(..5) == 0
                });
            }
            "scrobble" | "checkin" | "watching" => {
                item["watched"] = json!(self.rng.u32(1..=3));
            }
            _ => {}
        }
        item
    }

    /// `n` activities over `shows` (picked at random), newest first as the API
    /// sends them, ids from `first_id`, timestamps at or after [`T0`].
    pub fn activities(&mut self, n: usize, shows: &[SynthShow], first_id: u64) -> Vec<Value> {
        let mut items: Vec<Value> = (0..n)
            .map(|k| {
                let s = &shows[self.rng.usize(..shows.len())];
                let ts = T0 + (k as i64) / 4;
                self.activity(first_id + k as u64, ts, s)
            })
            .collect();
        items.reverse();
        items
    }
}

/// An `activity/shows` response body (compact JSON, as the API sends it).
pub fn body(items: Vec<Value>, start: i64, current: i64) -> Vec<u8> {
    let envelope = json!({
        "timestamps": {"start": start, "current": current},
        "activity": items,
    });
    serde_json::to_vec(&envelope).unwrap_or_default()
}

fn capital(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}
