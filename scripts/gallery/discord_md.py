"""Discord markdown -> HTML, the subset the bot's messages use, as Discord's
client shows it: escapes (\\_), **bold**, *italic* / _italic_, __underline__,
~~strike~~, `code`, ```blocks```, ||spoilers|| (hidden), [masked](links),
> quotes, # headers, - lists, <t:unix:style> timestamps and <@&role>,
<@user>, <#channel> mentions. Pure: text in, HTML out; times in UTC against a
fixed "now" so that a rerun draws the same pictures.
"""

from __future__ import annotations

import datetime as _dt
import html
import re

#: The "now" that relative timestamps (<t:…:R>) are drawn against.
DEFAULT_NOW = 1_700_172_800  # 2023-11-16 22:13:20 UTC

_ESCAPABLE = r"\\*_~`|>#\-\[\]()<:@!."
_PUA = 0xE000  # private-use code points stand in for protected text


class _Protect:
    """Holds HTML fragments that later passes must not touch."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def put(self, fragment: str) -> str:
        self.parts.append(fragment)
        return chr(_PUA + len(self.parts) - 1)

    def restore(self, text: str) -> str:
        pattern = re.compile("[%s-%s]" % (chr(_PUA), chr(_PUA + 0x17FF)))
        # Fragments may hold other placeholders: restore until none is left.
        for _ in range(4):
            text = pattern.sub(lambda m: self.parts[ord(m.group()) - _PUA], text)
            if not pattern.search(text):
                break
        return text


def _utc(ts: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc)


def _clock(d: _dt.datetime, seconds: bool = False) -> str:
    hour = d.hour % 12 or 12
    ampm = "AM" if d.hour < 12 else "PM"
    if seconds:
        return f"{hour}:{d.minute:02d}:{d.second:02d} {ampm}"
    return f"{hour}:{d.minute:02d} {ampm}"


def _relative(ts: int, now: int) -> str:
    delta = now - ts
    future = delta < 0
    delta = abs(delta)
    for unit, size in (("year", 31_536_000), ("month", 2_592_000), ("day", 86_400),
                       ("hour", 3_600), ("minute", 60)):
        if delta >= size:
            n = delta // size
            break
    else:
        n, unit = delta, "second"
    if n == 1 and unit != "second":
        phrase = f"a {unit}" if unit != "hour" else "an hour"
    else:
        phrase = f"{n} {unit}s"
    return f"in {phrase}" if future else f"{phrase} ago"


def format_timestamp(ts: int, style: str = "f", now: int = DEFAULT_NOW) -> str:
    """What Discord shows for <t:ts:style> (en-US, UTC)."""
    d = _utc(ts)
    date_long = f"{d:%B} {d.day}, {d.year}"
    styles = {
        "t": _clock(d),
        "T": _clock(d, seconds=True),
        "d": f"{d.month:02d}/{d.day:02d}/{d.year}",
        "D": date_long,
        "f": f"{date_long} {_clock(d)}",
        "F": f"{d:%A}, {date_long} {_clock(d)}",
        "R": _relative(ts, now),
    }
    return styles.get(style, styles["f"])


def embed_time(iso: str) -> str:
    """An embed's `timestamp` as Discord's footer shows it: 11/18/2013 4:43 AM."""
    d = _dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(_dt.timezone.utc)
    return f"{d.month:02d}/{d.day:02d}/{d.year} {_clock(d)}"


def _inline(text: str, keep: _Protect, now: int, links: bool) -> str:
    """Inline markdown on HTML-escaped text (placeholders already in)."""
    if links:
        text = re.sub(
            r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)",
            lambda m: keep.put(f'<a class="link" href="{m.group(2)}">')
            + m.group(1) + keep.put("</a>"),
            text,
        )
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text, flags=re.S)
    text = re.sub(r"__(.+?)__", r"<u>\1</u>", text, flags=re.S)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", text, flags=re.S)
    text = re.sub(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", r"<em>\1</em>", text, flags=re.S)
    text = re.sub(r"~~(.+?)~~", r"<s>\1</s>", text, flags=re.S)
    text = re.sub(
        r"\|\|(.+?)\|\|",
        r'<span class="spoiler" title="spoiler">\1</span>',
        text,
        flags=re.S,
    )
    text = re.sub(
        r"&lt;t:(-?\d+)(?::([tTdDfFR]))?&gt;",
        lambda m: '<span class="ts">%s</span>'
        % format_timestamp(int(m.group(1)), m.group(2) or "f", now),
        text,
    )
    text = re.sub(r"&lt;@&amp;(\d+)&gt;", r'<span class="mention">@role</span>', text)
    text = re.sub(r"&lt;@!?(\d+)&gt;", r'<span class="mention">@user</span>', text)
    text = re.sub(r"&lt;#(\d+)&gt;", r'<span class="mention">#channel</span>', text)
    return text


def _blocks(text: str) -> str:
    """Line-level markdown: quotes, headers, list bullets; newlines to <br>."""
    out: list[str] = []
    quote: list[str] = []

    def flush() -> None:
        if quote:
            out.append('<div class="quote">%s</div>' % "<br>".join(quote))
            quote.clear()

    for line in text.split("\n"):
        m = re.match(r"^&gt; ?(.*)$", line)
        if m:
            quote.append(m.group(1))
            continue
        flush()
        h = re.match(r"^(#{1,3}) (.+)$", line)
        if h:
            out.append('<div class="h%d">%s</div>' % (len(h.group(1)), h.group(2)))
            continue
        li = re.match(r"^\s*[-*] (.+)$", line)
        if li:
            out.append('<div class="li">• %s</div>' % li.group(1))
            continue
        out.append(line + "<br>")
    flush()
    joined = "".join(out)
    return joined[:-4] if joined.endswith("<br>") else joined


def to_html(text: str, *, now: int = DEFAULT_NOW, links: bool = True, blocks: bool = True) -> str:
    """Discord markdown `text` as HTML. `links`: masked links render (embed
    descriptions and field values); `blocks`: quotes, headers, lists and line
    breaks (not in titles)."""
    keep = _Protect()
    text = re.sub(
        r"```(?:[a-z0-9]*\n)?(.*?)```",
        lambda m: keep.put('<pre class="codeblock">%s</pre>' % html.escape(m.group(1).strip("\n"))),
        text,
        flags=re.S,
    )
    text = re.sub(
        r"`([^`\n]+)`",
        lambda m: keep.put('<code>%s</code>' % html.escape(m.group(1))),
        text,
    )
    text = re.sub(
        "\\\\([%s])" % _ESCAPABLE,
        lambda m: keep.put(html.escape(m.group(1))),
        text,
    )
    text = html.escape(text, quote=False)
    text = _inline(text, keep, now, links)
    if blocks:
        text = _blocks(text)
    else:
        text = text.replace("\n", " ")
    return keep.restore(text)
