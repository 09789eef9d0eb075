#!/usr/bin/env python3
"""Render the README gallery: one PNG per message kind in docs/gallery/, drawn
from the exact JSON the bot sends (the insta snapshots in tests/it/snapshots/
and src/format/digest/snapshots/) in Discord's dark theme by headless Chromium,
and docs/gallery/README.md listing what each picture is made from.

    python3 scripts/gallery/render.py            # all pictures
    python3 scripts/gallery/render.py --only spoiler --html /tmp/g   # one, keep its HTML

Python 3.11 standard library and Debian's `chromium` (apt-get install -y
chromium fonts-noto-color-emoji). No network: images are drawn as
placeholders, the pages forbid any fetch, and Chromium resolves no host.
Not part of .ci/run. See docs/gallery/README.md.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import template  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
IT = Path("tests/it/snapshots")
DIGEST = Path("src/format/digest/snapshots")
WIDTH = 640
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--force-device-scale-factor=1", "--host-resolver-rules=MAP * ~NOTFOUND",
    "--disable-extensions", "--mute-audio",
]


@dataclass(frozen=True)
class Entry:
    png: str
    snapshot: Path
    caption: str
    #: The slash command of an interaction reply (drawn as "used /name").
    interaction: str | None = None


# The eleven actions (episode and movie where both exist, show where Trakt has it):
# (picture, v1 snapshot stem in tests/it/snapshots/it__format_snapshots__<stem>.snap, caption).
ACTIONS = [
    ("action-watching-episode", "watching-00-watching-episode", "watching, an episode"),
    ("action-watching-movie", "watching-01-watching-movie", "watching, a movie"),
    ("action-scrobble-episode", "scrobble-00-scrobble-episode", "scrobble, an episode"),
    ("action-scrobble-movie", "scrobble-01-scrobble-movie", "scrobble, a movie"),
    ("action-checkin-episode", "checkin-00-checkin-episode", "checkin, an episode"),
    ("action-checkin-movie", "checkin-01-checkin-movie", "checkin, a movie"),
    ("action-seen-episode", "seen-00-seen-episode", "seen, an episode"),
    ("action-seen-movie", "seen-02-seen-movie", "seen, a movie"),
    ("action-collection-episode", "collection-00-collection-episode", "collection, an episode"),
    ("action-collection-movie", "collection-02-collection-movie", "collection, a movie"),
    ("action-rating-episode", "rating-00-rating-episode", "rating, an episode"),
    ("action-rating-movie", "rating-01-rating-movie", "rating, a movie"),
    ("action-rating-show", "rating-02-rating-show", "rating, a show"),
    ("action-watchlist-episode", "watchlist-00-watchlist-episode", "watchlist, an episode"),
    ("action-watchlist-movie", "watchlist-01-watchlist-movie", "watchlist, a movie"),
    ("action-watchlist-show", "watchlist-02-watchlist-show", "watchlist, a show"),
    ("action-shout-episode", "shout-00-shout-episode", "shout, an episode"),
    ("action-shout-movie", "shout-01-shout-movie", "shout, a movie"),
    ("action-review-episode", "review-00-review-episode", "review, an episode"),
    ("action-review-movie", "review-01-review-movie", "review, a movie (a spoiler review)"),
    ("action-created-list", "created-00-created-list", "created, a list"),
    ("action-item_added-list", "item_added-00-item_added-list", "item_added, a show added to a list"),
]

# Whole message bodies made by tests/it/gallery_snapshots.rs.
GALLERY = [
    ("packed-burst", "gallery-packed-burst",
     "a packed burst: eight activities of two shows in one message (digest off)", None),
    ("premiere-digest", "gallery-premiere-digest",
     "a premiere-night burst digested: check-ins and ratings folded, shouts kept, "
     "link buttons of the one show", None),
    ("pinged-review", "gallery-pinged-review",
     "a message pinging the follow's role (`ping:@role`), with its link buttons", None),
    ("follows-reply", "gallery-follows-reply", "the /follows reply (ephemeral)", "follows"),
]


def _tail(snap: Path) -> str:
    """`it__mod__name.snap` -> `name`."""
    return snap.stem.split("__")[-1]


def manifest(repo: Path) -> list[Entry]:
    """Every picture: the fixed list, then whatever digest, gallery and
    /status snapshots exist now (so a new snapshot only needs a rerun)."""
    entries = [
        Entry(f"{png}.png", repo / IT / f"it__format_snapshots__{stem}.snap", caption)
        for png, stem, caption in ACTIONS
    ]
    entries.append(Entry("spoiler.png", repo / IT / "it__format_snapshots__shout-02-shout-show.snap",
                         "a spoiler: a shout marked as a spoiler, hidden until clicked"))
    listed = set()
    for png, stem, caption, interaction in GALLERY:
        snap = repo / IT / f"it__gallery_snapshots__{stem}.snap"
        listed.add(snap.name)
        if snap.is_file():
            entries.append(Entry(f"{png}.png", snap, caption, interaction))
    for snap in sorted((repo / IT).glob("it__gallery_snapshots__*.snap")):
        if snap.name not in listed:
            name = _tail(snap).removeprefix("gallery-")
            entries.append(Entry(f"{name}.png", snap, f"{name} (tests/it/gallery_snapshots.rs)"))
    for snap in sorted((repo / DIGEST).glob("*.snap")):
        name = _tail(snap)
        kind = "one user's run" if name.startswith("run-") else "same action on the same thing"
        entries.append(Entry(f"digest-{name}.png", snap, f"digest {name}: {kind}"))
    for snap in sorted(_status_snapshots(repo)):
        name = _tail(snap)
        png = name if name.startswith("status") else f"status-{name}"
        entries.append(Entry(f"{png}.png", snap, f"the /status reply ({name})", "status"))
    return entries


def _status_snapshots(repo: Path) -> list[Path]:
    found = []
    for snap in repo.rglob("*.snap"):
        rel = snap.relative_to(repo)
        if rel.parts[0] in ("target", ".git", "node_modules"):
            continue
        if "status" in snap.name.lower():
            found.append(snap)
    return found


# Tokens a snapshot test writes in place of what changes from run to run
# (times, the gateway latency, the budget's tokens), and what the picture
# shows instead: a plausible value, so a page reads as a channel sees it.
SHOWN_FOR_NORMALISED = {
    # Against discord_md.DEFAULT_NOW (1 700 172 800): a minute ago, in a minute.
    "polled <t:TIME:R>": "polled <t:1700172740:R>",
    "next <t:TIME:R>": "next <t:1700172860:R>",
    "<t:TIME:R>": "<t:1700172740:R>",
    "Discord latency: LATENCY": "Discord latency: 42 ms",
    "; N available now": "; 12 available now",
}


def read_snapshot(path: Path):
    """The JSON value of an insta snapshot (after its `---` header), with
    the normalised tokens of `SHOWN_FOR_NORMALISED` replaced."""
    text = path.read_text(encoding="utf-8")
    m = re.match(r"\A---\n.*?\n?---\n", text, flags=re.S)
    body = text[m.end():] if m else text
    for token, shown in SHOWN_FOR_NORMALISED.items():
        body = body.replace(token, shown)
    return json.loads(body)


def _is_embed(v) -> bool:
    keys = {"title", "description", "fields", "author", "footer", "color", "image", "thumbnail"}
    return isinstance(v, dict) and bool(keys & v.keys())


def as_message(value):
    """Any snapshot shape as a message body: a body (content/embeds/components),
    an interaction callback (`data`), an embed, a list of embeds, a text."""
    if isinstance(value, str):
        return {"content": value}
    if isinstance(value, list):
        return {"embeds": value} if value and all(_is_embed(e) for e in value) else None
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("data"), dict):
        return as_message(value["data"])
    if {"content", "embeds", "components"} & value.keys():
        return value
    if _is_embed(value):
        return {"embeds": [value]}
    return None


def _chromium(binary: str, args: list[str], timeout: int = 90) -> str:
    with tempfile.TemporaryDirectory(prefix="gallery-chromium-") as profile:
        cmd = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-800:]}")
    return done.stdout


def shoot(binary: str, html_file: Path, png: Path) -> tuple[int, int]:
    """Measure the page's content, then screenshot exactly that."""
    url = html_file.resolve().as_uri()
    dom = _chromium(binary, [f"--window-size={WIDTH},2000", "--dump-dom", url])
    m = re.search(r'data-size="(\d+) (\d+)"', dom)
    if not m:
        raise RuntimeError(f"{html_file}: the page did not report its size")
    width = min(max(int(m.group(1)), 200), WIDTH)
    height = max(int(m.group(2)), 40)
    _chromium(binary, [f"--window-size={width},{height}", f"--screenshot={png.resolve()}", url])
    return width, height


def write_index(out: Path, entries: list[Entry], repo: Path) -> None:
    lines = [line for line in INDEX_HEAD.splitlines()]
    for e in entries:
        rel = e.snapshot.relative_to(repo).as_posix()
        lines.append(f"| [`{e.png}`]({e.png}) | {e.caption} | `{rel}` |")
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


INDEX_HEAD = """# Gallery: what a channel sees

Each picture is one message as Discord draws it (dark theme), made from the
exact JSON the bot sends: the insta snapshot named in the last column. Images
(avatars, posters) are drawn as placeholders: the renderer never loads a remote
URL. Times are shown in UTC.

## Rerun

After a snapshot changes (`cargo insta review`, or a new `*status*.snap` or
`tests/it/gallery_snapshots.rs` snapshot appears), from the repository root:

```sh
apt-get install -y chromium fonts-noto-color-emoji   # once (Debian)
python3 scripts/gallery/render.py                    # writes docs/gallery/*.png and this file
python3 -m unittest discover -s scripts/gallery      # the script's own tests
```

What gets a picture: the eleven actions from the v1 fixture snapshots
(`tests/it/format_snapshots.rs`, episode, movie and show where Trakt has
them), a spoiler, every digest snapshot in `src/format/digest/snapshots/`,
every `gallery-*` snapshot of `tests/it/gallery_snapshots.rs` (a packed
burst, a premiere-night digest message with its link buttons, the `/follows`
reply as sent to the fake Discord), and any snapshot anywhere in the repo
whose file name contains `status` (the `/status` reply). A new snapshot of
those kinds needs only a rerun; a picture whose snapshot is gone is removed.
Any snapshot shape works: a create-message body, an interaction callback
(`data`), an embed, a list of embeds, or a text.

`--only NAME` renders the pictures whose name contains NAME; `--html DIR`
keeps the HTML pages there. Plain Python 3.11 (standard library); not part of
`.ci/run`. The list below is written by the script: do not edit it by hand.

| picture | message | made from |
|---|---|---|"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=REPO / "docs/gallery")
    p.add_argument("--only", help="render only pictures whose name contains this")
    p.add_argument("--html", type=Path, help="keep the HTML pages in this directory")
    p.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = p.parse_args(argv)
    entries = manifest(REPO)
    missing = [e for e in entries if not e.snapshot.is_file()]
    if missing:
        print("missing snapshots: " + ", ".join(str(e.snapshot) for e in missing), file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = [e for e in entries if not args.only or args.only in e.png]
    drawn: list[Entry] = []
    with tempfile.TemporaryDirectory(prefix="gallery-html-") as tmp:
        pages = args.html or Path(tmp)
        pages.mkdir(parents=True, exist_ok=True)
        for e in chosen:
            message = as_message(read_snapshot(e.snapshot))
            if message is None:
                print(f"skip {e.snapshot.name}: not a message", file=sys.stderr)
                continue
            html_file = pages / e.png.replace(".png", ".html")
            html_file.write_text(template.page(message, interaction=e.interaction), encoding="utf-8")
            w, h = shoot(args.chromium, html_file, args.out / e.png)
            print(f"{e.png}: {w}x{h}")
            drawn.append(e)
    if not args.only:
        keep = {e.png for e in drawn}
        for stale in args.out.glob("*.png"):
            if stale.name not in keep:
                print(f"removed {stale.name}: no snapshot draws it any more")
                stale.unlink()
        write_index(args.out, drawn, REPO)
    return 0


if __name__ == "__main__":
    sys.exit(main())
