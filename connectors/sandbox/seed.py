"""Seed data for the sandbox: the demo data set, synthetic sets for benchmarks, and the loader.

A seed document is JSON whose dates are relative to an anchor instant, so that the demo looks
current on any day. `<name>_days_ago` is a (fractional) number of days before the anchor and
becomes `<name>_at`, a UTC datetime to the second; `<name>_in_days` is a whole number of days
after the anchor's UTC date (negative: before) and becomes `<name>_on`, a date. `materialise`
does this for every tracker section (`"github"`, later `"jira"`); keys left out mean "none".

    {"format": "delivery-sync-sandbox-seed", "version": 1, "name": "demo",
     "github": {"bot": "delivery-sync-bot", "users": [{"login": …, "name": …}],
                "repos": [{"full_name": "acme/web", "labels": […], "milestones": […],
                           "issues": [{"number": 1, "title": …, "created_days_ago": 58.3, …,
                                       "pull_request": {"merged_days_ago": 2.1},
                                       "comments": [{"user": …, "body": …, …}]}]}]}}

The demo seed is generated deterministically (`generate_demo`, random.Random with a fixed seed)
and committed as package data. Regenerate it with:

    python -m connectors.sandbox.seed > connectors/sandbox/seeds/demo.json

Benchmark sets are generated in memory, never written: `Sandbox(seed=generate_github(repos=10,
issues_per_repo=5_000))`; `python -m connectors.sandbox.seed --repos 2 --issues-per-repo 100`
prints one.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

FORMAT = "delivery-sync-sandbox-seed"
VERSION = 1
DEMO_SEED = 20_240_611
BOT = "delivery-sync-bot"

# -- loading ------------------------------------------------------------------------------------


def empty() -> dict[str, Any]:
    """A seed with no data (the bot user only)."""
    return {"format": FORMAT, "version": VERSION, "name": "empty", "github": {"repos": []}}


def load(source: str | Path | Mapping[str, Any] | None = "demo") -> dict[str, Any]:
    """A seed document: a packaged seed's name ("demo"), a JSON file, a document, or None."""
    if source is None:
        return empty()
    if isinstance(source, Mapping):
        doc = dict(source)
    elif isinstance(source, str) and "/" not in source and not source.endswith(".json"):
        packaged = resources.files("connectors.sandbox.seeds") / f"{source}.json"
        if not packaged.is_file():
            raise ValueError(f"no packaged seed named {source!r}")
        doc = json.loads(packaged.read_text(encoding="utf-8"))
    else:
        doc = json.loads(Path(source).read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise ValueError(f"not a version-{VERSION} sandbox seed: {source!r:.80}")
    return doc


def materialise(doc: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The document with its relative dates turned into absolute ones against `now`."""
    anchor = now.astimezone(UTC).replace(microsecond=0)
    return _absolute(doc, anchor, anchor.date())


def _absolute(value: Any, anchor: datetime, today: date) -> Any:
    if isinstance(value, list):
        return [_absolute(item, anchor, today) for item in value]
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key.endswith("_days_ago"):
            # Whole seconds, truncated: monotone, so created <= closed <= updated survives.
            seconds = int(item * 86_400)
            out[key.removesuffix("_days_ago") + "_at"] = anchor - timedelta(seconds=seconds)
        elif key.endswith("_in_days"):
            out[key.removesuffix("_in_days") + "_on"] = today + timedelta(days=item)
        else:
            out[key] = _absolute(item, anchor, today)
    return out


def dumps(doc: Mapping[str, Any]) -> str:
    """JSON for committing: one record (issue, label, comment, …) per line, for short diffs."""
    return _dump(doc, "") + "\n"


def _holds_records(value: Any) -> bool:
    if isinstance(value, list):
        return any(isinstance(v, dict) or _holds_records(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_records(v) for v in value.values())
    return False


def _dump(value: Any, indent: str) -> str:
    if not _holds_records(value):
        return json.dumps(value, ensure_ascii=False)
    inner = indent + "  "
    if isinstance(value, list):
        items = [inner + _dump(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    items = [f"{inner}{json.dumps(k)}: {_dump(v, inner)}" for k, v in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + indent + "}"


# -- the demo -----------------------------------------------------------------------------------

PEOPLE = {
    "dana-lee": "Dana Lee",  # delivery lead
    "sam-park": "Sam Park",  # project manager
    "alex-kim": "Alex Kim",
    "priya-shah": "Priya Shah",
    "jordan-diaz": "Jordan Diaz",
    "mei-chen": "Mei Chen",
}
ENGINEERS = ("alex-kim", "priya-shah", "jordan-diaz", "mei-chen")
DEPENDABOT = "dependabot[bot]"

_COLORS = {
    "tracking": ("5319e7", "Delivery tracking issue: status reports are posted here"),
    "checkout": ("1d76db", "Checkout and payments"),
    "onboarding": ("c5def5", "Mobile onboarding"),
    "security": ("b60205", "Security hardening"),
    "bug": ("d73a4a", "Something isn't working"),
    "enhancement": ("a2eeef", "New feature or request"),
    "requirement": ("fbca04", "A client requirement"),
    "in progress": ("0e8a16", "Someone is working on it"),
    "blocked": ("e99695", "Waiting on something outside the team"),
    "dependencies": ("0366d6", "Pull requests that update a dependency file"),
    **{f"sp:{n}": ("ededed", f"{n} story point{'s' if n > 1 else ''}") for n in (1, 2, 3, 5, 8)},
}
_POINTS = (("sp:1", 15), ("sp:2", 25), ("sp:3", 30), ("sp:5", 20), ("sp:8", 10))

_CHECKOUT = [
    "Guest checkout without an account",
    "Apple Pay on the payment step",
    "Google Pay on the payment step",
    "Saved addresses for returning customers",
    "Address autocomplete on the shipping form",
    "Order confirmation e-mail within 1 minute",
    "Promo code field with inline validation",
    "Shipping cost estimate before sign-in",
    "Split payment: gift card plus card",
    "3-D Secure challenge in a modal",
    "Retry a declined card once with a clear message",
    "Checkout page loads in under 2 s on 4G",
    "Lazy-load payment provider SDKs",
    "Inline card validation errors",
    "Persist the cart across devices",
    "EU VAT calculation per shipping country",
    "Delivery date estimate on the review step",
    "Order summary sidebar on desktop",
    "Sticky 'Place order' button on mobile",
    "Focus order in the payment form (a11y)",
    "Screen-reader labels for card fields (a11y)",
    "Analytics events for every checkout step",
    "Feature flag for the checkout v2 rollout",
    "Idempotency key on order submission",
    "Payment status webhook handler",
    "Company name and VAT ID fields for B2B orders",
    "Localise checkout copy (DE, FR)",
    "Load test the checkout API at 200 rps",
    "Checkout conversion dashboard",
    "Keep the session alive during 3-D Secure",
    "UK postcode lookup",
    "Gift message option",
    "Express shipping option",
    "Prevent double submit on slow networks",
    "Error page when the payment provider is down",
    "Remove the legacy checkout iframe",
    "Migrate checkout end-to-end tests to Playwright",
    "Checkout copy review with legal",
    "Klarna pay-later option",
    "Investigate the cart abandonment spike",
]
_CHECKOUT_BUGS = [
    "Cart total off by one cent with three discount codes",
    "Currency symbol wrong for CHF",
    "Shipping form loses data on back navigation",
    "Promo code accepted after expiry",
    "Order e-mail shows UTC instead of local time",
    "Pay button stays disabled after correcting the card number",
    "Tax line missing on the mobile order summary",
    "Duplicate order when double-tapping on iOS",
]
_POLISH = [
    "Trim whitespace in coupon codes",
    "Show the card brand icon while typing",
    "Remember the last used payment method",
    "Clearer error for unsupported cards",
    "Faster cart badge update",
    "Numeric keyboard for postcode fields on mobile",
    "Hide PayPal for B2B accounts",
    "Sort shipping options by price",
    "Free shipping threshold banner",
    "Copy edits on the review step",
    "Update trust badges in the footer",
    "Track coupon usage in analytics",
]
_PAYMENTS = [
    "Migrate stored cards to the new payment provider",
    "Payment provider sandbox credentials in CI",
    "Update the PCI scope document",
    "Remove the old provider SDK",
    "Backfill transaction IDs for past orders",
    "Reconcile the payouts report with the new provider",
    "Refunds through the new provider API",
    "Verify payment webhook signatures",
    "Dual-run the old and new provider for a week",
    "Alert when the payment error rate exceeds 2%",
    "Update the runbook for payment incidents",
    "Card expiry reminder e-mails",
]
_ONBOARDING = [
    "Welcome carousel on first launch",
    "Sign in with Apple",
    "Sign in with Google",
    "E-mail verification deep link",
    "Skip onboarding for returning users",
    "Ask for push permission after the first order",
    "Profile photo upload during onboarding",
    "Interests picker",
    "Progress indicator for onboarding steps",
    "Onboarding funnel analytics",
    "Localise onboarding screens",
    "Dark mode for onboarding screens",
    "Cut onboarding to three steps",
    "Magic-link sign-in",
]
_WEB_BUGS = ["Footer links broken on Safari 17", "Search results flicker while typing"]
_SECURITY = [
    "Rotate JWT signing keys",
    "Rate limit the login endpoint",
    "Enforce TLS 1.2 or newer",
    "CSRF protection for cookie sessions",
    "Audit log for admin actions",
    "Dependency scanning in CI",
    "Remove secrets from request logs",
    "Verify partner webhook signatures",
    "Lock accounts after 10 failed logins",
    "Security headers: HSTS and CSP",
    "Pen-test finding: IDOR on /orders/{id}",
    "Encrypt PII at rest",
    "Short-lived tokens for service accounts",
    "SSRF protection in the image fetcher",
    "Upgrade OpenSSL in the base image",
    "Scope API keys per client",
    "Pen-test finding: stack traces in 500 responses",
    "Password hashing with argon2id",
    "Secret scanning with push protection",
    "Limit uploads to 10 MB",
    "Signed URLs for invoice downloads",
]
_PLATFORM = [
    "Cursor pagination for /orders",
    "OpenAPI spec for v2",
    "Deprecate /v1/cart",
    "Idempotency-Key header support",
    "Request IDs in error responses",
    "Structured error codes",
    "Bulk order export endpoint",
    "P95 latency under 300 ms for /products",
    "Readiness and liveness probes",
    "Graceful shutdown on SIGTERM",
    "Tune the database connection pool",
    "Retry budget for upstream calls",
    "Cache the product catalogue",
    "Webhook retries with backoff",
    "Timeouts for payment provider calls",
    "Remove N+1 queries in /orders",
    "Index orders.created_at",
    "Versioned API docs site",
    "GraphQL gateway spike",
    "Batch endpoint for price lookups",
    "Async order confirmation queue",
    "Drop API keys in query strings",
    "Feature flag service client",
]
_API_BUGS = [
    "500 on checkout with an empty cart",
    "Order timestamps lose the time zone",
    "Wrong total when a coupon has expired",
    "Race condition in stock reservation",
    "Memory leak in the PDF invoice worker",
    "Pagination skips items with equal timestamps",
    "Webhook retries sent twice",
    "VAT rounding error for CHF",
    "Health check returns 200 when the database is down",
    "Search returns deleted products",
    "CSV export breaks on commas in names",
    "Token refresh fails across midnight UTC",
    "Inventory sync drops SKUs with spaces",
    "Duplicate webhooks after a deploy",
    "Locale header ignored in error messages",
    "Slow /products when filtering by tag",
    "Wrong HTTP status for validation errors",
]
_COMMENTS = [
    "I can pick this up after the payment work.",
    "Design is in Figma, see the checkout v2 page.",
    "Can we check this on Safari too?",
    "Moved here from the previous milestone after planning.",
    "Works in staging; verifying in production tomorrow.",
    "The client confirmed this is a must-have for launch.",
    "PR is up, reviews welcome.",
    "Reproduced on Android 14, not on iOS.",
    "Let's split this: the API part can go first.",
    "Product sign-off received.",
    "Estimate bumped: the legacy code is messier than expected.",
    "Is this still needed after the redesign?",
    "QA found one edge case with gift cards; fixing.",
    "Waiting for the provider's sandbox keys; asked their support.",
]


@dataclass(frozen=True, slots=True)
class _Slot:
    """One planned item of a milestone group: its role, and optionally who, title and kind."""

    role: (
        str  # done | not_planned | duplicate | ip | stale | blocked | unassigned | todo | reopened
    )
    who: str | None = None
    title: str | None = None
    kind: str | None = None  # "bug" | "enhancement"
    themed: bool = True


def _n(role: str, count: int, who: str | None = None) -> list[_Slot]:
    return [_Slot(role, who)] * count


class _RepoBuilder:
    """Collects one repository's milestones and items with relative dates; numbers them last."""

    def __init__(self, rng: random.Random, full_name: str, description: str, labels: list[str]):
        self.rng = rng
        self.full_name = full_name
        self.description = description
        self.labels = labels
        self.milestones: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []

    def milestone(self, title: str, **fields: Any) -> int:
        self.milestones.append({"number": len(self.milestones) + 1, "title": title, **fields})
        return len(self.milestones)

    def add(self, **item: Any) -> dict[str, Any]:
        self.items.append(item)
        return item

    def fill(
        self,
        *,
        milestone: int | None,
        slots: list[_Slot],
        titles: list[tuple[str, str]],
        theme: str | None,
        created: tuple[float, float],
        closed: tuple[float, float],
        skew: float = 1.0,
        requirements: tuple[int, int] = (0, 0),
    ) -> None:
        """Add one item per slot; untitled slots draw from `titles` ((title, kind) pairs)."""
        rng = self.rng
        pool = list(titles)
        rng.shuffle(pool)
        done = [i for i, s in enumerate(slots) if s.role == "done"]
        live = [
            i
            for i, s in enumerate(slots)
            if s.role in ("ip", "stale", "todo", "unassigned") and not s.title
        ]
        required = set(rng.sample(done, requirements[0]) + rng.sample(live, requirements[1]))
        for index, slot in enumerate(slots):
            title, kind = (slot.title, slot.kind) if slot.title else pool.pop()
            labels = [kind or "enhancement", _points(rng)] if rng.random() < 0.85 else [kind]
            if theme and slot.themed:
                labels.append(theme)
            if index in required:
                labels.append("requirement")
            item = self._timed(slot, created, closed, skew)
            item.update(title=title, milestone=milestone, labels=labels)
            author = "dana-lee" if index in required else _author(rng, kind)
            item.setdefault("user", author)
            item["body"] = _body(rng, title, kind, index in required)
            self.add(**item)

    def _timed(
        self, slot: _Slot, created: tuple[float, float], closed: tuple[float, float], skew: float
    ) -> dict[str, Any]:
        rng = self.rng
        who = slot.who or rng.choice(ENGINEERS)
        item: dict[str, Any] = {"assignees": [who], "state": "open"}
        lo, hi = created
        if slot.role in ("done", "not_planned", "duplicate"):
            # Closures cluster on some days and lean towards the recent end when skew > 1.
            day = closed[0] + (closed[1] - closed[0]) * rng.random() ** skew
            when = max(closed[0], int(day) + rng.uniform(0.3, 0.75))
            start = rng.uniform(max(lo, when + 1.0), max(hi, when + 1.5))
            reason = "completed" if slot.role == "done" else slot.role
            closer = who if slot.role == "done" else "sam-park"
            item.update(state="closed", state_reason=reason, closed_days_ago=when)
            item.update(closed_by=closer, updated_days_ago=when - rng.uniform(0, 0.01))
            if slot.role != "done":
                item["assignees"] = [] if rng.random() < 0.5 else [who]
            item["created_days_ago"] = start
            return item
        touched = {
            "ip": (0.05, 4.5),
            "stale": (9.2, 14.8),  # in progress, untouched for 9-15 days
            "blocked": (1.0, 8.0),
            "reopened": (0.5, 3.0),
        }.get(slot.role)
        if touched:
            updated = rng.uniform(*touched)
            start = rng.uniform(max(lo, updated + 1.0), max(hi, updated + 2.0))
        else:
            start = rng.uniform(lo, hi)
            updated = rng.uniform(0.1, max(0.2, start - 0.1))
        item.update(created_days_ago=start, updated_days_ago=updated)
        if slot.role in ("ip", "stale"):
            item["extra_labels"] = ["in progress"]
        elif slot.role == "blocked":
            item["extra_labels"] = ["blocked"]
        elif slot.role == "unassigned":
            item["assignees"] = []
        elif slot.role == "reopened":
            item["state_reason"] = "reopened"
        return item

    def pull(
        self,
        title: str,
        *,
        who: str,
        milestone: int | None,
        state: str,
        window: tuple[float, float],
        labels: Iterable[str] = (),
    ) -> None:
        """A pull request: "merged", "closed" (unmerged) or "open"; times within `window`."""
        rng = self.rng
        if state == "open":
            start = rng.uniform(*window)
            item = {"state": "open", "created_days_ago": start}
            item["updated_days_ago"] = rng.uniform(0.05, start)
            item["pull_request"] = {}
        else:
            when = rng.uniform(*window)
            start = when + rng.uniform(0.3, 4.0)
            merged = {"merged_days_ago": when} if state == "merged" else {}
            reviewer = rng.choice([e for e in ENGINEERS if e != who] + ["dana-lee"])
            item = {"state": "closed", "created_days_ago": start, "closed_days_ago": when}
            item.update(updated_days_ago=when - 0.002, closed_by=reviewer, pull_request=merged)
        item.update(title=title, user=who, milestone=milestone, labels=list(labels))
        item["assignees"] = [] if who == DEPENDABOT else [who]
        item["body"] = "Dependency update." if who == DEPENDABOT else f"Implements: {title}."
        self.add(**item)

    def pulls(
        self,
        milestone: int | None,
        *specs: tuple[str, str, str, tuple[float, float]],
        labels: Iterable[str] = (),
    ) -> None:
        """Several pull requests: (title, author, state, window) each."""
        for title, who, state, window in specs:
            self.pull(
                title, who=who, milestone=milestone, state=state, window=window, labels=labels
            )

    def comment(self, item: dict[str, Any], user: str, body: str, days_ago: float) -> None:
        comments = item.setdefault("comments", [])
        comments.append({"user": user, "body": body, "created_days_ago": days_ago})
        comments.sort(key=lambda c: -c["created_days_ago"])

    def sprinkle_comments(self, count: int) -> None:
        """Human comments on random items, dated between their creation and last update."""
        rng = self.rng
        candidates = [i for i in self.items if "tracking" not in i["labels"]]
        for item in rng.sample(candidates, count):
            first, last = item["created_days_ago"], item["updated_days_ago"]
            user = rng.choice([*ENGINEERS, "sam-park", "dana-lee"])
            self.comment(item, user, rng.choice(_COMMENTS), rng.uniform(last, first))

    def build(self) -> dict[str, Any]:
        # Numbers follow creation order, with pull requests in the same sequence, as on GitHub.
        self.items.sort(key=lambda i: -i["created_days_ago"])
        issues = [_clean(self._finish(number, item)) for number, item in enumerate(self.items, 1)]
        used = {label for i in issues for label in i.get("labels", ())}
        if not used <= set(self.labels):
            raise ValueError(f"labels not declared for {self.full_name}: {used - set(self.labels)}")
        labels = [
            {"name": n, "color": _COLORS[n][0], "description": _COLORS[n][1]} for n in self.labels
        ]
        return {
            "full_name": self.full_name,
            "description": self.description,
            "created_days_ago": 420,
            "labels": labels,
            "milestones": [_clean(m) for m in self.milestones],
            "issues": issues,
        }

    @staticmethod
    def _finish(number: int, item: dict[str, Any]) -> dict[str, Any]:
        item["labels"] = sorted({*item.pop("labels", ()), *item.pop("extra_labels", ())} - {None})
        out = {"number": number}
        out |= {key: item.pop(key) for key in _ISSUE_KEYS if key in item}
        out |= item
        for key in [k for k in out if k.endswith("_days_ago")]:
            out[key] = round(out[key], 4)
        for comment in out.get("comments", ()):
            comment["created_days_ago"] = round(comment["created_days_ago"], 4)
        if "pull_request" in out:
            out["pull_request"] = {k: round(v, 4) for k, v in out["pull_request"].items()}
        return out


_ISSUE_KEYS = (
    "title", "user", "state", "state_reason", "labels", "assignees", "milestone",
    "created_days_ago", "updated_days_ago", "closed_days_ago", "closed_by", "pull_request",
)  # fmt: skip


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    """Leave out what the loader defaults anyway: None, empty lists and `state: open`."""
    return {
        k: v
        for k, v in obj.items()
        if v is not None
        and v != []
        and not (k == "state" and v == "open")
        and not (k == "pull_request" and v is None)
    }


def _points(rng: random.Random) -> str:
    return rng.choices([p for p, _ in _POINTS], weights=[w for _, w in _POINTS])[0]


def _author(rng: random.Random, kind: str) -> str:
    if kind == "bug":
        return rng.choice([*ENGINEERS, "sam-park"])
    return "sam-park" if rng.random() < 0.75 else "dana-lee"


def _body(rng: random.Random, title: str, kind: str, required: bool) -> str | None:
    if required:
        section = rng.randint(2, 9)
        return (
            f"Client requirement from the ACME statement of work, section {section}.\n\n"
            "Done when the client signs it off in UAT."
        )
    if kind == "bug":
        ticket = rng.randint(1000, 9999)
        return (
            f"Steps to reproduce:\n1. Open the affected page\n2. {title}\n\n"
            f"Reported by support (ticket {ticket})."
        )
    if rng.random() < 0.15:
        return None  # GitHub sends `"body": null` for issues created without one
    return f"{title}.\n\n### Acceptance criteria\n- [ ] Works on desktop and mobile\n- [ ] Tracked"


def _titled(titles: Iterable[str], kind: str) -> list[tuple[str, str]]:
    return [(t, kind) for t in titles]


def _take(pool: list[str], count: int) -> list[str]:
    if len(pool) < count:
        raise ValueError("title pool too small")
    taken, pool[:] = pool[:count], pool[count:]
    return taken


def _tracking(title: str, intro: str, requirements: list[tuple[bool, str]]) -> str:
    boxes = "\n".join(f"- [{'x' if done else ' '}] {text}" for done, text in requirements)
    return (
        f"{intro}\n\n## Client requirements\n{boxes}\n\n"
        "Status reports for the delivery lead and the project manager are kept up to date in the "
        "comments below by delivery-sync."
    )


def generate_demo(seed: int = DEMO_SEED) -> dict[str, Any]:
    """The demo data set: acme/web and acme/api, about 150 issues and 15 pull requests."""
    rng = random.Random(seed)
    users = [{"login": login, "name": name} for login, name in PEOPLE.items()]
    users.append({"login": DEPENDABOT, "name": "", "type": "Bot"})
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": "demo",
        "description": "ACME Corp: a web shop (acme/web) and its API (acme/api). Generated by "
        "connectors/sandbox/seed.py; dates are relative to the sandbox's anchor time.",
        "github": {
            "bot": BOT,
            "users": users,
            "repos": [_demo_web(rng), _demo_api(rng)],
        },
    }


def _demo_web(rng: random.Random) -> dict[str, Any]:
    labels = ["tracking", "checkout", "onboarding", "bug", "enhancement", "requirement"]
    labels += ["in progress", "blocked", "dependencies", "sp:1", "sp:2", "sp:3", "sp:5", "sp:8"]
    web = _RepoBuilder(rng, "acme/web", "ACME Corp web shop", labels)
    v18 = web.milestone(
        "v1.8",
        description="Payment provider migration",
        state="closed",
        due_in_days=-40,
        created_days_ago=96.0,
        updated_days_ago=38.6,
        closed_days_ago=38.6,
        creator="sam-park",
    )
    v19 = web.milestone(
        "v1.9",
        description="Checkout polish and fixes",
        due_in_days=-6,
        created_days_ago=70.0,
        updated_days_ago=2.4,
        creator="sam-park",
    )
    v20 = web.milestone(
        "v2.0",
        description="Checkout v2 for ACME Corp",
        due_in_days=38,
        created_days_ago=35.0,
        updated_days_ago=0.3,
        creator="sam-park",
    )
    v21 = web.milestone(
        "v2.1",
        description="Mobile onboarding",
        due_in_days=55,
        created_days_ago=21.0,
        updated_days_ago=0.8,
        creator="sam-park",
    )
    web.add(
        title="Checkout v2 — delivery tracking",
        user="dana-lee",
        assignees=["dana-lee"],
        labels=["tracking"],
        created_days_ago=59.6,
        updated_days_ago=1.6,
        body=_tracking(
            "Checkout v2",
            "Tracking issue for the Checkout v2 delivery to ACME Corp (milestone v2.0 and "
            "everything labelled `checkout`).",
            [
                (True, "Guest checkout without an account"),
                (True, "Apple Pay and Google Pay"),
                (True, "Order confirmation e-mail within 1 minute"),
                (False, "Saved addresses for returning customers"),
                (False, "Checkout page loads in under 2 s on 4G"),
            ],
        ),
    )
    web.add(
        title="Mobile onboarding — delivery tracking",
        user="dana-lee",
        assignees=["dana-lee"],
        labels=["tracking"],
        created_days_ago=59.5,
        updated_days_ago=4.2,
        body=_tracking(
            "Mobile onboarding",
            "Tracking issue for the mobile onboarding delivery (milestone v2.1 and everything "
            "labelled `onboarding`).",
            [
                (True, "Sign in with Apple and Google"),
                (False, "Onboarding in at most three steps"),
                (False, "Push permission asked after the first order"),
                (False, "Screens localised in German and French"),
            ],
        ),
    )
    checkout = list(_CHECKOUT)
    checkout_bugs = list(_CHECKOUT_BUGS)
    web.fill(
        milestone=v18,
        slots=_n("done", 11) + _n("not_planned", 1),
        titles=_titled(_PAYMENTS, "enhancement"),
        theme=None,  # old releases stay out of the Checkout v2 deliverable's `checkout` label
        created=(45.0, 58.5),
        closed=(40.5, 55.0),
    )
    web.pulls(
        v18,
        ("Payment provider client", "priya-shah", "merged", (44.0, 52.0)),
        ("Stored card migration script", "alex-kim", "merged", (41.0, 45.0)),
    )
    web.fill(
        milestone=v19,
        slots=_n("done", 11)
        + _n("duplicate", 1)
        + [_Slot("ip", "alex-kim"), _Slot("stale", "alex-kim"), _Slot("blocked", "priya-shah")]
        + [_Slot("unassigned", title="Support *bold* and _emphasis_ | pipes", kind="enhancement")],
        titles=_titled(_POLISH, "enhancement") + _titled(_take(checkout_bugs, 3), "bug"),
        theme=None,
        created=(26.0, 57.0),
        closed=(2.5, 38.0),
    )
    web.pulls(
        v19,
        ("Coupon code normalisation", "jordan-diaz", "merged", (8.0, 20.0)),
        ("Card brand detection", "mei-chen", "merged", (3.0, 9.0)),
    )
    web.fill(
        milestone=v20,
        slots=_n("done", 16)
        + _n("not_planned", 1)
        + _n("ip", 3, "alex-kim")
        + [
            _Slot("stale", "jordan-diaz", "Fix @acme/frontend mention in #12 footer", "bug"),
            _Slot("stale", "mei-chen"),
            _Slot("stale", "priya-shah"),
            _Slot("blocked", "priya-shah", "Crash when name contains `backticks`", "bug"),
            _Slot("blocked", "jordan-diaz"),
            _Slot("unassigned", None, "<script>alert(1)</script> in search box", "bug", False),
            _Slot("reopened", "mei-chen"),
        ]
        + _n("unassigned", 2)
        + _n("todo", 11),
        titles=_titled(_take(checkout, 32), "enhancement") + _titled(checkout_bugs, "bug"),
        theme="checkout",
        created=(1.0, 33.0),
        closed=(0.2, 25.5),
        skew=1.25,
        requirements=(2, 4),
    )
    web.pulls(
        v20,
        ("Guest checkout API client", "alex-kim", "merged", (6.0, 14.0)),
        ("Apple Pay button", "priya-shah", "merged", (1.0, 5.0)),
        ("Experiment: one-page checkout", "priya-shah", "closed", (8.0, 16.0)),
        ("Saved addresses UI", "alex-kim", "open", (0.5, 4.0)),
        ("Checkout analytics events", "jordan-diaz", "open", (1.0, 6.0)),
        labels=["checkout"],
    )
    web.fill(
        milestone=v21,
        slots=_n("done", 3)
        + _n("not_planned", 1)
        + [_Slot("ip", "mei-chen")]
        + _n("unassigned", 3)
        + _n("todo", 6),
        titles=_titled(_ONBOARDING, "enhancement"),
        theme="onboarding",
        created=(1.0, 19.0),
        closed=(0.5, 9.0),
        requirements=(0, 3),
    )
    web.pulls(
        v21, ("Onboarding carousel skeleton", "mei-chen", "open", (0.5, 3.0)), labels=["onboarding"]
    )
    web.fill(
        milestone=None,
        slots=[
            _Slot("done"),
            _Slot("unassigned", None, "Price shows NaN\nafter switching currency", "bug"),
            *_n("todo", 2),
        ],
        titles=_titled(checkout, "enhancement"),
        theme="checkout",
        created=(2.0, 40.0),
        closed=(1.0, 20.0),
    )
    web.fill(
        milestone=None,
        slots=_n("todo", 2),
        titles=_titled(_WEB_BUGS, "bug"),
        theme=None,
        created=(3.0, 50.0),
        closed=(1.0, 20.0),
    )
    web.pulls(
        None,
        ("Bump axios from 1.6.8 to 1.7.4", DEPENDABOT, "merged", (20.0, 30.0)),
        ("Bump vite from 5.2.0 to 5.4.6", DEPENDABOT, "open", (1.0, 5.0)),
        labels=["dependencies"],
    )
    web.sprinkle_comments(16)
    target = web.items[0]
    ask = "Client call on Thursday: @dana-lee can we share the forecast before then?"
    web.comment(target, "sam-park", ask, 5.3)
    web.comment(target, "dana-lee", "Yes, I'll point them at the status report here.", 5.1)
    return web.build()


def _demo_api(rng: random.Random) -> dict[str, Any]:
    labels = ["tracking", "security", "bug", "enhancement", "requirement", "in progress"]
    labels += ["blocked", "dependencies", "sp:1", "sp:2", "sp:3", "sp:5", "sp:8"]
    api = _RepoBuilder(rng, "acme/api", "ACME Corp public API", labels)
    v20 = api.milestone(
        "2.0",
        description="API hardening for the ACME Corp launch",
        due_in_days=38,
        created_days_ago=40.0,
        updated_days_ago=0.6,
        creator="sam-park",
    )
    v21 = api.milestone(
        "2.1",
        description="Platform improvements (not scheduled yet)",
        created_days_ago=25.0,
        updated_days_ago=1.9,
        creator="sam-park",
    )
    api.add(
        title="API hardening — delivery tracking",
        user="dana-lee",
        assignees=["dana-lee"],
        labels=["tracking"],
        created_days_ago=41.5,
        updated_days_ago=2.7,
        body=_tracking(
            "API hardening",
            "Tracking issue for the API hardening delivery (milestone 2.0 and everything "
            "labelled `security`).",
            [
                (True, "All endpoints behind TLS 1.2+"),
                (True, "Login rate limited"),
                (False, "Pen-test findings fixed"),
                (False, "Audit log for admin actions"),
            ],
        ),
    )
    security, platform, bugs = list(_SECURITY), list(_PLATFORM), list(_API_BUGS)

    def pool(sec: int, plat: int, bug: int) -> list[tuple[str, str]]:
        titles = _titled(_take(security, sec), "enhancement")
        titles += _titled(_take(platform, plat), "enhancement")
        return titles + _titled(_take(bugs, bug), "bug")

    # Security items carry the `security` label; the others are unthemed.
    api.fill(
        milestone=v20,
        slots=[
            *_n("done", 6),
            _Slot("ip", "priya-shah"),
            _Slot("stale", "jordan-diaz"),
            _Slot("blocked", "jordan-diaz"),
            *_n("unassigned", 1),
            *_n("todo", 2),
        ],
        titles=pool(12, 0, 0),
        theme="security",
        created=(2.0, 38.0),
        closed=(0.3, 28.0),
        skew=1.4,
        requirements=(2, 2),
    )
    api.fill(
        milestone=v20,
        slots=[
            *_n("done", 7),
            *_n("not_planned", 1),
            _Slot("ip", "mei-chen"),
            _Slot("blocked", "priya-shah"),
            *_n("unassigned", 2),
            *_n("todo", 7),
        ],
        titles=pool(0, 12, 7),
        theme=None,
        created=(2.0, 38.0),
        closed=(0.3, 28.0),
        skew=1.4,
        requirements=(0, 1),
    )
    api.pulls(
        v20,
        ("TLS configuration for the ingress", "jordan-diaz", "merged", (10.0, 20.0)),
        ("Login rate limiter", "priya-shah", "merged", (2.0, 8.0)),
        ("Audit log middleware", "mei-chen", "open", (0.5, 3.0)),
    )
    api.fill(
        milestone=v21,
        slots=_n("done", 1) + _n("todo", 1),
        titles=pool(2, 0, 0),
        theme="security",
        created=(1.0, 24.0),
        closed=(0.5, 12.0),
    )
    api.fill(
        milestone=v21,
        slots=[*_n("done", 2), _Slot("ip", "priya-shah"), *_n("unassigned", 3), *_n("todo", 8)],
        titles=pool(0, 11, 3),
        theme=None,
        created=(1.0, 24.0),
        closed=(0.5, 12.0),
    )
    api.pulls(v21, ("Cursor pagination prototype", "mei-chen", "open", (1.0, 6.0)))
    api.fill(
        milestone=None,
        slots=[*_n("done", 2), _Slot("stale", "jordan-diaz"), *_n("unassigned", 1), *_n("todo", 2)],
        titles=pool(6, 0, 0),
        theme="security",
        created=(3.0, 40.0),
        closed=(1.0, 30.0),
    )
    api.fill(
        milestone=None,
        slots=_n("done", 2) + _n("not_planned", 1) + _n("todo", 3),
        titles=pool(0, 0, 6),
        theme=None,
        created=(3.0, 40.0),
        closed=(1.0, 30.0),
    )
    api.pulls(
        None,
        ("Bump golang.org/x/net from 0.23.0 to 0.33.0", DEPENDABOT, "merged", (12.0, 18.0)),
        labels=["dependencies"],
    )
    api.sprinkle_comments(8)
    api.comment(api.items[0], "priya-shah", "Pen-test report is in the shared SOW folder.", 6.2)
    return api.build()


# -- synthetic sets for benchmarks -------------------------------------------------------------

_VERBS = ("Add", "Fix", "Improve", "Remove", "Refactor", "Document", "Test", "Speed up")
_NOUNS = (
    "checkout flow", "search index", "order export", "login page", "cart badge", "webhooks",
    "invoice PDF", "price cache", "admin audit log", "image uploads", "rate limiter", "settings",
)  # fmt: skip
_BENCH_LABELS = ("checkout", "onboarding", "security", "bug", "enhancement", "requirement")


def generate_github(
    repos: int = 10,
    issues_per_repo: int = 1_000,
    *,
    seed: int = 0,
    owner: str = "bench",
    milestones_per_repo: int = 4,
    pr_ratio: float = 0.1,
    closed_ratio: float = 0.5,
    comment_ratio: float = 0.05,
    days: float = 180.0,
) -> dict[str, Any]:
    """A large synthetic seed for benchmarks, built in memory (≈1 s per 100,000 issues).

    Repos `{owner}/repo-000` …; issue #1 of each is a `tracking` issue (a report target);
    milestones `M1` … are due between 30 days ago and 90 days ahead; items are spread over the
    last `days` days, with `in progress`, `blocked` and `sp:N` labels and a few comments.
    """
    rng = random.Random(seed)
    people = [f"dev-{i:02d}" for i in range(20)]
    users = [{"login": login, "name": login.replace("-", " ").title()} for login in people]
    label_names = [*_BENCH_LABELS, "tracking", "in progress", "blocked", *(p for p, _ in _POINTS)]
    labels = [
        {"name": n, "color": _COLORS[n][0], "description": _COLORS[n][1]} for n in label_names
    ]
    repo_docs = []
    for r in range(repos):
        milestones = [
            {
                "number": m + 1,
                "title": f"M{m + 1}",
                "due_in_days": -30 + (120 * m) // max(milestones_per_repo - 1, 1),
                "created_days_ago": days,
                "creator": people[0],
            }
            for m in range(milestones_per_repo)
        ]
        issues = [
            {
                "number": 1,
                "title": "Delivery tracking",
                "labels": ["tracking"],
                "user": people[0],
                "created_days_ago": days + 1,
                "updated_days_ago": days + 1,
                "body": "- [x] First requirement\n- [ ] Second requirement",
            }
        ]
        shape = (milestones_per_repo, days, pr_ratio, closed_ratio, comment_ratio)
        issues += _bench_issues(rng, issues_per_repo - 1, people, *shape)
        repo_docs.append(
            {
                "full_name": f"{owner}/repo-{r:03d}",
                "description": "Synthetic benchmark repository",
                "created_days_ago": days + 30,
                "labels": labels,
                "milestones": milestones,
                "issues": issues,
            }
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": f"bench-{repos}x{issues_per_repo}",
        "github": {"bot": BOT, "users": users, "repos": repo_docs},
    }


def _bench_issues(
    rng: random.Random,
    count: int,
    people: list[str],
    milestones: int,
    days: float,
    pr_ratio: float,
    closed_ratio: float,
    comment_ratio: float,
) -> list[dict[str, Any]]:
    out = []
    random_ = rng.random
    for k in range(count):
        # Creation times fall as numbers rise, so numbers follow creation order as on GitHub.
        created = days * (count - k) / count
        who = people[int(random_() * len(people))]
        item: dict[str, Any] = {
            "number": k + 2,
            "title": f"{_VERBS[k % len(_VERBS)]} {_NOUNS[int(random_() * len(_NOUNS))]} ({k})",
            "user": who,
            "assignees": [who] if random_() < 0.9 else [],
            "created_days_ago": created,
        }
        if milestones and random_() < 0.8:
            item["milestone"] = 1 + int(random_() * milestones)
        labels = [_BENCH_LABELS[int(random_() * len(_BENCH_LABELS))]]
        if random_() < 0.85:
            labels.append(_POINTS[int(random_() * len(_POINTS))][0])
        if random_() < pr_ratio:
            item["pull_request"] = {}
        if random_() < closed_ratio:
            closed = created * random_()
            item.update(state="closed", closed_days_ago=closed, updated_days_ago=closed)
            if "pull_request" in item:
                item["pull_request"] = {"merged_days_ago": closed}
        else:
            item["updated_days_ago"] = created * random_()
            roll = random_()
            if roll < 0.25:
                labels.append("in progress")
            elif roll < 0.28:
                labels.append("blocked")
        item["labels"] = labels
        if random_() < comment_ratio:
            at = item["updated_days_ago"] + (created - item["updated_days_ago"]) * random_()
            item["comments"] = [{"user": who, "body": "Looking into it.", "created_days_ago": at}]
        out.append(item)
    return out


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Print a sandbox seed as JSON (default: demo).")
    parser.add_argument("--repos", type=int, help="generate a synthetic set with this many repos")
    parser.add_argument("--issues-per-repo", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    if args.repos is None:
        doc = generate_demo(DEMO_SEED if args.seed is None else args.seed)
    else:
        doc = generate_github(args.repos, args.issues_per_repo, seed=args.seed or 0)
    sys.stdout.write(dumps(doc))


if __name__ == "__main__":
    _main()
