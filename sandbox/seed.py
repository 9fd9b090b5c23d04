"""Seed data for the sandbox: the demo data set, synthetic sets for benchmarks, and the loader.

A seed document is JSON whose dates are relative to an anchor instant, so that the demo looks
current on any day. `<name>_days_ago` is a (fractional) number of days before the anchor and
becomes `<name>_at`, a UTC datetime to the second; `<name>_in_days` is a whole number of days
after the anchor's UTC date (negative: before) and becomes `<name>_on`, a date. `materialise`
does this for every tracker section (`"github"`, `"jira"`); keys left out mean "none".

    {"format": "delivery-sync-sandbox-seed", "version": 1, "name": "demo",
     "github": {"bot": "delivery-sync-bot", "users": [{"login": …, "name": …}],
                "repos": [{"full_name": "acme/web", "labels": […], "milestones": […],
                           "issues": [{"number": 1, "title": …, "created_days_ago": 58.3, …,
                                       "pull_request": {"merged_days_ago": 2.1},
                                       "comments": [{"user": …, "body": …, …}]}]}]},
     "jira": {"bot": {…}, "users": [{"name": "dana.lee", "account_id": "712020:…", "key": …,
                                     "display_name": …, "email": …}],
              "sprints": [{"id": 40, "name": …, "state": "active", "start_days_ago": 4, …}],
              "projects": [{"key": "PLAT", "name": …, "lead": …, "components": […],
                            "versions": [{"name": "2.0", "release_in_days": 38, …}],
                            "issues": [{"key": "PLAT-1", "id": 10231, "type": "Epic", …,
                                        "parent": "PLAT-1", "links": [{"type": "Blocks",
                                        "outward": "PLAT-9"}], "comments": [{"author": …}]}]}]}}

Jira users are named by their Data Center user name; each also carries its Cloud accountId, so
one seed serves both of the Jira app's modes.

The demo seed is generated deterministically (`generate_demo`, random.Random with a fixed seed)
and committed as package data. Regenerate it with:

    python -m sandbox.seed > sandbox/seeds/demo.json

Benchmark sets are generated in memory, never written: `Sandbox(seed=generate_github(repos=10,
issues_per_repo=5_000))` or `generate_jira(projects=2, issues_per_project=25_000)`;
`python -m sandbox.seed --repos 2 --issues-per-repo 100 --jira-projects 1` prints one.
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
        packaged = resources.files("sandbox.seeds") / f"{source}.json"
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
    """The demo data set: acme/web and acme/api on GitHub (about 150 issues and 15 pull
    requests) and the Jira project PLAT (about 65 issues)."""
    rng = random.Random(seed)
    users = [{"login": login, "name": name} for login, name in PEOPLE.items()]
    users.append({"login": DEPENDABOT, "name": "", "type": "Bot"})
    github = {"bot": BOT, "users": users, "repos": [_demo_web(rng), _demo_api(rng)]}
    # Jira draws from its own stream, so the GitHub data stays as it was before Jira existed.
    jira_rng = random.Random(seed + 1)
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": "demo",
        "description": "ACME Corp: a web shop (acme/web), its API (acme/api) and the platform "
        "team's Jira project (PLAT). Generated by connectors/sandbox/seed.py; dates are relative "
        "to the sandbox's anchor time.",
        "github": github,
        "jira": {
            "bot": JIRA_BOT,
            "users": jira_users(),
            "sprints": _jira_sprints(),
            "projects": [_demo_jira(jira_rng)],
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


# -- the demo: Jira project PLAT ----------------------------------------------------------------

JIRA_BOT = {
    "name": "delivery-sync",
    "account_id": "557058:delivery-sync-bot",
    "key": "JIRAUSER10100",
    "display_name": "delivery-sync",
    "email": "delivery-sync@acme.example",
}
# The same humans as PEOPLE. Data Center user name → (GitHub login, Cloud accountId, DC user key).
JIRA_PEOPLE = {
    "dana.lee": ("dana-lee", "712020:8f1e6a4c-2b7d-4e91-a3f0-5c6d7e8f9a01", "JIRAUSER10101"),
    "sam.park": ("sam-park", "712020:3c9b2d1e-7f4a-4b8c-9d2e-1a3b5c7d9e02", "JIRAUSER10102"),
    "alex.kim": ("alex-kim", "712020:a41f7c3e-9b2d-4c6e-8f1a-2b3c4d5e6f03", "JIRAUSER10103"),
    "priya.shah": ("priya-shah", "712020:5e8d2b7a-1c4f-4a9e-b3d6-7f8a9b0c1d04", "JIRAUSER10104"),
    "jordan.diaz": ("jordan-diaz", "712020:c7a3e9f1-4d2b-4e8a-9c5f-3d4e5f6a7b05", "JIRAUSER10105"),
    "mei.chen": ("mei-chen", "712020:0b6f4d8e-3a7c-4f2b-8e9d-4c5d6e7f8a06", "JIRAUSER10106"),
}
JIRA_ENGINEERS = ("alex.kim", "priya.shah", "jordan.diaz", "mei.chen")
_SPRINTS = [  # id, name, state, started (days ago), ends (days ago; negative: ahead)
    (37, "PLAT Sprint 9", "closed", 46.0, 32.0),
    (38, "PLAT Sprint 10", "closed", 32.0, 18.0),
    (39, "PLAT Sprint 11", "closed", 18.0, 4.0),
    (40, "PLAT Sprint 12", "active", 4.0, -10.0),
    (41, "PLAT Sprint 13", "future", -10.0, -24.0),
]
_ACTIVE_SPRINT, _FUTURE_SPRINT = 40, 41
_HOURS = (4, 8, 12, 16, 24, 32, 40)
_JIRA_POINTS = ((1.0, 15), (2.0, 25), (3.0, 30), (5.0, 20), (8.0, 10))
_PLAT_CHECKOUT = [
    "Order service: split payment support",
    "Promo code validation endpoint",
    "Checkout feature flag in the config service",
    "Gift card balance endpoint",
    "Checkout conversion metrics pipeline",
    "B2B orders: company and VAT ID fields",
    "Delivery date estimate service",
]
_PLAT_PAYMENTS = [
    "Payment provider client library",
    "Migrate stored cards to the new provider",
    "Provider sandbox credentials in CI",
    "Reconcile payouts with the new provider",
    "Refunds through the new provider API",
    "Verify payment webhook signatures",
    "Dual-run the old and new provider for a week",
    "Alert when the payment error rate exceeds 2%",
    "Payment incident runbook",
    "Remove the old provider SDK",
    "Backfill transaction IDs for past orders",
    "Update the PCI scope document",
    "Card expiry reminder job",
]
_PLAT_MISC = [
    "Tune the database connection pool",
    "Structured logging for the order service",
    "Dashboards for checkout latency",
    "Remove unused feature flags",
    "Dependency updates for the quarter",
    "Rotate TLS certificates",
    "Retry budget for upstream calls",
    "Cache the product catalogue",
]
_PLAT_BUGS = [
    "Payment webhook retried twice after a timeout",
    "Order totals rounded wrongly for CHF",
    "Cart service leaks connections under load",
    "Tax service returns 500 for Monaco",
    "Duplicate order IDs after a failover",
]
_PLAT_ONBOARDING = [
    "Sign in with Apple: token exchange",
    "Sign in with Google: token exchange",
    "E-mail verification links",
    "Magic-link sign-in endpoint",
    "Onboarding progress API",
    "Push token registration",
]
_JIRA_COMMENTS = [
    "I can pick this up after the payment work.",
    "Moved here from the previous sprint after planning.",
    "Works in staging; verifying in production tomorrow.",
    "The client confirmed this is a must-have for launch.",
    "Estimate bumped: the legacy code is messier than expected.",
    "Let's split this: the API part can go first.",
    "QA found one edge case with gift cards; fixing.",
]


class _JiraBuilder:
    """Collects one project's issues with relative dates; keys follow creation order at the end.

    Items refer to each other as dicts (parent, links) until `build` knows their keys.
    """

    def __init__(self, rng: random.Random, key: str) -> None:
        self.rng = rng
        self.key = key
        self.items: list[dict[str, Any]] = []

    def add(
        self,
        summary: str,
        role: str,
        *,
        issuetype: str = "Story",
        assignee: str | None = "",
        version: str | None = None,
        parent: dict[str, Any] | None = None,
        created: tuple[float, float] = (30.0, 45.0),
        closed: tuple[float, float] = (1.0, 30.0),
        skew: float = 1.0,
        due: int | None = None,
        labels: Iterable[str] = (),
        components: Iterable[str] = (),
        estimate: bool = False,
        required: bool = False,
        touched: tuple[float, float] | None = None,
    ) -> dict[str, Any]:
        """One issue. `role`: done, wont_do, duplicate, ip, review, stale, blocked or todo;
        `assignee` "" picks an engineer, None leaves it unassigned."""
        rng = self.rng
        who = rng.choice(JIRA_ENGINEERS) if assignee == "" else assignee
        item: dict[str, Any] = {"summary": summary, "type": issuetype, "assignee": who}
        item |= self._timed(role, created, closed, skew, touched)
        if role in ("wont_do", "duplicate") and rng.random() < 0.5:
            item["assignee"] = None
        if issuetype == "Bug":
            item["reporter"] = rng.choice([*JIRA_ENGINEERS, "sam.park"])
            item["priority"] = rng.choices(("Highest", "High", "Medium"), (2, 5, 3))[0]
        else:
            item["reporter"] = "dana.lee" if required or rng.random() < 0.25 else "sam.park"
            item["priority"] = rng.choices(("High", "Medium", "Low", "Lowest"), (3, 12, 4, 1))[0]
        item["labels"] = sorted({*labels, *(["requirement"] if required else [])})
        item["components"] = list(components)
        item["fix_versions"] = [version] if version else []
        item["parent"] = parent
        if due is not None:
            item["due_in_days"] = due
        if issuetype not in ("Epic", "Sub-task") and rng.random() < 0.85:
            points = _JIRA_POINTS
            item["story_points"] = rng.choices([p for p, _ in points], [w for _, w in points])[0]
        if estimate:
            item |= self._estimate(role)
        item["sprints"] = self._sprints(item, role, version)
        item["description"] = _wiki_body(rng, summary, issuetype, required)
        self.items.append(item)
        return item

    def _timed(
        self,
        role: str,
        created: tuple[float, float],
        closed: tuple[float, float],
        skew: float,
        touched: tuple[float, float] | None,
    ) -> dict[str, Any]:
        rng = self.rng
        lo, hi = created
        if role in ("done", "wont_do", "duplicate"):
            # Closures cluster on working hours of some days and lean recent when skew > 1.
            day = closed[0] + (closed[1] - closed[0]) * rng.random() ** skew
            when = max(closed[0], int(day) + rng.uniform(0.3, 0.75))
            start = rng.uniform(max(lo, when + 1.0), max(hi, when + 1.5))
            resolution = {"done": "Done", "wont_do": "Won't Do", "duplicate": "Duplicate"}[role]
            return {
                "status": "Done",
                "resolution": resolution,
                "created_days_ago": start,
                "resolved_days_ago": when,
                "updated_days_ago": when - rng.uniform(0, 0.01),
            }
        window = touched or {
            "ip": (0.05, 4.5),
            "review": (0.1, 3.0),
            "stale": (9.2, 14.5),  # in progress, untouched for 9-15 days
            "blocked": (1.0, 8.0),
        }.get(role)
        status = {"ip": "In Progress", "review": "In Review", "stale": "In Progress"}
        status["blocked"] = "Blocked"
        if window:
            updated = rng.uniform(*window)
            start = rng.uniform(max(lo, updated + 1.0), max(hi, updated + 2.0))
            changed = min(start - 0.1, updated + rng.uniform(0.0, 2.0))
            return {
                "status": status[role],
                "created_days_ago": start,
                "updated_days_ago": updated,
                "status_changed_days_ago": changed,
            }
        start = rng.uniform(lo, hi)
        return {
            "status": "To Do",
            "created_days_ago": start,
            "updated_days_ago": rng.uniform(0.1, max(0.2, start - 0.1)),
        }

    def _estimate(self, role: str) -> dict[str, int]:
        rng = self.rng
        original = rng.choice(_HOURS) * 3600
        half_hours = original / 1800
        if role == "done":
            spent = round(half_hours * rng.uniform(0.7, 1.6)) * 1800
            return {"original_estimate": original, "time_spent": spent, "remaining_estimate": 0}
        if role in ("ip", "review", "stale", "blocked"):
            spent = round(half_hours * rng.uniform(0.2, 0.9)) * 1800
            remaining = max(original - spent, 7200)
            return {
                "original_estimate": original,
                "time_spent": spent,
                "remaining_estimate": remaining,
            }
        if role == "wont_do":
            return {"original_estimate": original, "time_spent": 3600, "remaining_estimate": 0}
        return {"original_estimate": original, "remaining_estimate": original}

    def _sprints(self, item: dict[str, Any], role: str, version: str | None) -> list[int]:
        rng = self.rng
        if item["type"] == "Epic":
            return []
        if "resolved_days_ago" in item:
            when = item["resolved_days_ago"]
            ids = [s for s, _, _, start, end in _SPRINTS if end < when <= start]
            if ids and rng.random() < 0.25 and ids[0] > _SPRINTS[0][0]:
                ids.insert(0, ids[0] - 1)  # carried over from the sprint before
            return ids if role == "done" else ids[-1:]
        if item["status"] != "To Do":
            ids = [_ACTIVE_SPRINT]
            if item["created_days_ago"] > 18 and rng.random() < 0.5:
                ids.insert(0, _ACTIVE_SPRINT - 1)
            return ids
        if version == "2.0":
            return [_ACTIVE_SPRINT] if rng.random() < 0.5 else [_FUTURE_SPRINT]
        return []

    def comment(self, item: dict[str, Any], author: str, body: str, days_ago: float) -> None:
        comments = item.setdefault("comments", [])
        comments.append({"author": author, "body": body, "created_days_ago": days_ago})
        comments.sort(key=lambda c: -c["created_days_ago"])

    def sprinkle_comments(self, count: int) -> None:
        rng = self.rng
        for item in rng.sample([i for i in self.items if i["type"] != "Epic"], count):
            first, last = item["created_days_ago"], item["updated_days_ago"]
            author = rng.choice([*JIRA_ENGINEERS, "sam.park"])
            self.comment(item, author, rng.choice(_JIRA_COMMENTS), rng.uniform(last, first))

    def build(self) -> list[dict[str, Any]]:
        self.items.sort(key=lambda i: -i["created_days_ago"])
        for number, item in enumerate(self.items, 1):
            item["key"] = f"{self.key}-{number}"
            item["id"] = 10_230 + number
            for comment in item.get("comments", ()):  # a comment updates its issue
                item["updated_days_ago"] = min(
                    item["updated_days_ago"], comment["created_days_ago"]
                )
        return [self._finish(item) for item in self.items]

    @staticmethod
    def _finish(item: dict[str, Any]) -> dict[str, Any]:
        out = {"key": item["key"], "id": item["id"]}
        for key, value in item.items():
            if key in ("key", "id") or value is None or value == []:
                continue
            if key == "parent":
                value = value["key"]
            elif key == "links":
                value = [{"type": kind, "outward": other["key"]} for kind, other in value]
            elif key.endswith("_days_ago"):
                value = round(value, 4)
            elif key == "comments":
                value = [c | {"created_days_ago": round(c["created_days_ago"], 4)} for c in value]
            out[key] = value
        return out


def _link(source: dict[str, Any], kind: str, target: dict[str, Any]) -> None:
    """`source` blocks (duplicates, relates to) `target`."""
    source.setdefault("links", []).append((kind, target))


def _wiki_body(rng: random.Random, summary: str, kind: str, required: bool) -> str | None:
    if required:
        section = rng.randint(2, 9)
        return (
            f"Client requirement from the ACME statement of work, section {section}.\n\n"
            "Done when the client signs it off in UAT."
        )
    if kind == "Bug":
        return (
            "*Steps to reproduce*\n# Place an order on staging\n# Watch the order service logs\n\n"
            f"Reported by support (ticket {rng.randint(1000, 9999)})."
        )
    if kind in ("Epic", "Sub-task") or rng.random() < 0.15:
        return None
    return "h3. Acceptance criteria\n* Covered by contract tests\n* Documented in the API changelog"


def _demo_jira(rng: random.Random) -> dict[str, Any]:
    """PLAT "Platform": epic PLAT-1 "Checkout v2 — platform work" (a report target) with 20
    children in fix version 2.0, 1.9 released, 2.1 planned with a second epic, sub-tasks,
    blockers, overdue, stale and unassigned work, and titles that test wiki-markup escaping."""
    p = _JiraBuilder(rng, "PLAT")
    checkout, payments, misc = list(_PLAT_CHECKOUT), list(_PLAT_PAYMENTS), list(_PLAT_MISC)
    bugs = list(_PLAT_BUGS)
    rng.shuffle(checkout)
    epic = p.add(
        "Checkout v2 — platform work",
        "ip",
        issuetype="Epic",
        assignee="dana.lee",
        version="2.0",
        created=(64.0, 64.0),
        touched=(1.2, 1.2),
        due=38,
        labels=["checkout"],
        components=["Checkout"],
    )
    epic["reporter"] = "dana.lee"
    epic["priority"] = "High"
    epic["description"] = (
        "h2. Checkout v2 — platform work\n"
        "The platform side of the Checkout v2 delivery to ACME Corp (fix version 2.0).\n\n"
        "Status reports for the delivery lead and the project manager are kept up to date in "
        "the comments below by delivery-sync."
    )
    p.comment(epic, "sam.park", "Client call on Thursday: can we share the forecast before?", 5.3)
    p.comment(epic, "dana.lee", "Yes, I'll point them at the status report here.", 5.1)

    def child(summary: str, role: str, **kw: Any) -> dict[str, Any]:
        kw.setdefault("issuetype", "Story")
        kw.setdefault("components", ["Checkout"])
        kw.setdefault("labels", ["checkout"])
        kw.setdefault("created", (3.0, 40.0))
        return p.add(
            summary, role, version="2.0", parent=epic, closed=(1.0, 30.0), skew=1.3,
            estimate=True, **kw,
        )  # fmt: skip

    for summary in (
        "Payments API v2: create payment intent",
        "Idempotency keys for order submission",
        "Order confirmation e-mail within one minute",
    ):
        child(summary, "done", required=True)
    cart = child("Cart service: persist carts across devices", "done", created=(24.0, 34.0))
    for summary in _take(checkout, 4):
        child(summary, "done", issuetype=rng.choice(["Story", "Task"]))
    child("Klarna pay-later integration", "wont_do")
    dup = child(
        "Persist the cart between devices", "duplicate", issuetype="Task", created=(2.0, 14.0)
    )
    _link(dup, "Duplicate", cart)
    capture = child(
        "Payments API v2: capture and refund", "ip", assignee="alex.kim", created=(20.0, 30.0)
    )
    child("Saved payment methods vault", "ip", assignee="alex.kim", due=-3)
    load_test = child(
        "Load test the checkout API at 200 rps",
        "stale",
        assignee="jordan.diaz",
        issuetype="Task",
        touched=(12.4, 12.4),
    )
    p.comment(load_test, "jordan.diaz", "Need a staging database with production-sized data.", 13)
    child("3-D Secure callback endpoint", "review", assignee="priya.shah", due=1, required=True)
    tax = child("Tax service: EU VAT per shipping country", "blocked", assignee="priya.shah", due=5)
    webhook = child(
        "Webhook receiver for payment status",
        "blocked",
        assignee="jordan.diaz",
        due=9,
        labels=["checkout", "blocked"],
        touched=(0.8, 0.8),
    )
    p.comment(
        webhook, "jordan.diaz", "Waiting for the provider's sandbox keys; asked support.", 0.9
    )
    child("Guest checkout: anonymous sessions", "todo", assignee="mei.chen", due=2, required=True)
    address = child("Address validation service", "todo", assignee="mei.chen", due=12)
    _link(address, "Blocks", tax)  # the blocker is due after what it blocks
    child("{color:red}alarm{color} banner when payments fail", "todo", assignee=None, due=-1)
    child("Retire the legacy checkout endpoints", "todo", assignee=None, issuetype="Task")
    for summary, role, hours in (("Capture endpoint", "done", 6), ("Refund endpoint", "ip", 10)):
        sub = p.add(
            summary,
            role,
            issuetype="Sub-task",
            assignee="alex.kim",
            parent=capture,
            created=(2.0, 18.0),
            closed=(1.0, 15.0),
            touched=(0.2, 2.0),
        )
        sub["original_estimate"] = hours * 3600
        sub["time_spent"] = (hours - 2 if role == "done" else hours // 2) * 3600
        sub["remaining_estimate"] = 0 if role == "done" else 4 * 3600

    released = dict(version="1.9", created=(45.0, 62.0), closed=(21.0, 42.0), skew=0.8)
    client = p.add(_take(payments, 1)[0], "done", components=["Payments"], **released)
    _link(client, "Blocks", capture)  # a resolved blocker no longer blocks
    for summary in _take(payments, 11):
        p.add(summary, "done", components=["Payments"], issuetype="Task", **released)
    p.add(_take(payments, 1)[0], "wont_do", components=["Payments"], **released)

    planned = dict(version="2.0", created=(2.0, 34.0), closed=(1.0, 25.0), skew=1.2)
    p.add("Receipt shows *bold* and _italic_ markers", "done", issuetype="Bug", **planned)
    for summary in _take(misc, 2):
        p.add(summary, "done", issuetype="Task", components=["Infrastructure"], **planned)
    p.add(_take(bugs, 1)[0], "done", issuetype="Bug", components=["API"], **planned)
    keys = p.add(
        "Rotate payment provider API keys", "ip", assignee="priya.shah", due=4, issuetype="Task",
        components=["Payments"], **planned,
    )  # fmt: skip
    _link(keys, "Blocks", webhook)
    p.add(
        "Upgrade PostgreSQL to 16", "stale", assignee="alex.kim", issuetype="Task",
        components=["Infrastructure"], touched=(9.6, 9.6), **planned,
    )  # fmt: skip
    p.add("CSV export splits a|b|c pipes into columns", "review", issuetype="Bug", **planned)
    p.add(
        "Nightly backup restore test", "todo", assignee="jordan.diaz", issuetype="Task",
        labels=["blocked"], components=["Infrastructure"], **planned,
    )  # fmt: skip
    admin = p.add("[~admin] please look at the refund job", "todo", assignee=None, issuetype="Bug",
                  **planned)  # fmt: skip
    p.comment(admin, "sam.park", "Support says the refund job logs are in the usual place.", 0.5)
    p.add(
        "Strip {noformat} from imported order notes", "todo", assignee="jordan.diaz", due=-5,
        **planned,
    )  # fmt: skip
    p.add(_take(bugs, 1)[0], "todo", assignee="mei.chen", issuetype="Bug", due=3, **planned)
    p.add(_take(misc, 1)[0], "todo", issuetype="Task", **planned)

    onboarding = p.add(
        "Mobile onboarding — backend", "todo", issuetype="Epic", assignee="sam.park", version="2.1",
        created=(26.0, 26.0), labels=["onboarding"],
    )  # fmt: skip
    later = dict(version="2.1", parent=onboarding, created=(1.0, 24.0), closed=(1.0, 9.0))
    titles = list(_PLAT_ONBOARDING)
    p.add(titles.pop(0), "done", assignee="mei.chen", **later)
    p.add(titles.pop(0), "ip", assignee="mei.chen", **later)
    p.add("Broken !image.png! in the verification e-mail", "todo", issuetype="Bug", **later)
    for n, summary in enumerate(titles):
        p.add(summary, "todo", assignee=None if n < 2 else "", **later)
    for summary in _take(misc, 3):
        p.add(summary, "todo", issuetype="Task", version="2.1", created=(1.0, 20.0))

    loose = dict(created=(3.0, 50.0), closed=(2.0, 30.0))
    for summary in _take(bugs, 2):
        p.add(summary, "done", issuetype="Bug", components=["API"], **loose)
    for summary in [*_take(checkout, 1), *_take(misc, 2)]:
        p.add(summary, "todo", issuetype="Task", **loose)
    p.sprinkle_comments(5)
    return {
        "key": "PLAT",
        "id": 10_020,
        "name": "Platform",
        "lead": "dana.lee",
        "description": "ACME Corp platform services: orders, payments, checkout APIs.",
        "components": [
            {"name": "Checkout", "description": "Checkout and order APIs"},
            {"name": "Payments", "description": "Payment provider integration"},
            {"name": "API", "description": "Public API gateway"},
            {"name": "Infrastructure", "description": "Databases, deployment, monitoring"},
        ],
        "versions": [
            {
                "id": 10_100,
                "name": "1.9",
                "description": "Payment provider cut-over",
                "released": True,
                "start_in_days": -62,
                "release_in_days": -20,
            },
            {
                "id": 10_101,
                "name": "2.0",
                "description": "Checkout v2 for ACME Corp",
                "start_in_days": -35,
                "release_in_days": 38,
            },
            {
                "id": 10_102,
                "name": "2.1",
                "description": "Mobile onboarding backend",
                "release_in_days": 70,
            },
        ],
        "issues": p.build(),
    }


def jira_users() -> list[dict[str, str]]:
    """The demo's Jira users: each with Data Center name and key and Cloud accountId."""
    return [
        {
            "name": name,
            "account_id": account_id,
            "key": key,
            "display_name": PEOPLE[login],
            "email": f"{name}@acme.example",
        }
        for name, (login, account_id, key) in JIRA_PEOPLE.items()
    ]


def _jira_sprints() -> list[dict[str, Any]]:
    return [
        {
            "id": sid,
            "name": name,
            "state": state,
            "board_id": 3,
            "start_days_ago": start,
            "end_days_ago": end,
            **({"complete_days_ago": end} if state == "closed" else {}),
        }
        for sid, name, state, start, end in _SPRINTS
    ]


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


def _project_key(index: int) -> str:
    """B, then a letter: BA, BB, … BZ, CA, … (Jira's default key pattern takes letters only)."""
    first, second = divmod(index, 26)
    return chr(ord("B") + first) + chr(ord("A") + second)


def generate_jira(
    projects: int = 1,
    issues_per_project: int = 1_000,
    *,
    seed: int = 0,
    versions_per_project: int = 4,
    epics_per_project: int = 5,
    closed_ratio: float = 0.5,
    comment_ratio: float = 0.05,
    days: float = 180.0,
) -> dict[str, Any]:
    """A large synthetic Jira seed for benchmarks, built in memory (≈1 s per 100,000 issues).

    Projects `BA`, `BB`, …; issue 1 of each is a "Delivery tracking" task (a report target),
    the next `epics_per_project` are epics; most other issues belong to an epic and to a fix
    version `V1` … (released from 30 days ago to 90 days ahead); items are spread over the last
    `days` days with statuses, story points, estimates and a few comments. Users `dev.00` …
    """
    rng = random.Random(seed)
    people = [f"dev.{i:02d}" for i in range(20)]
    users = [
        {
            "name": name,
            "account_id": f"712020:{rng.getrandbits(128):032x}",
            "key": f"JIRAUSER{20_000 + n}",
            "display_name": name.replace(".", " ").title(),
            "email": f"{name}@bench.example",
        }
        for n, name in enumerate(people)
    ]
    docs = []
    for index in range(projects):
        key = _project_key(index)
        step = 120 // max(versions_per_project - 1, 1)
        versions = [
            {"name": f"V{v + 1}", "release_in_days": -30 + step * v, "released": step * v < 30}
            for v in range(versions_per_project)
        ]
        shape = (epics_per_project, versions_per_project, days, closed_ratio, comment_ratio)
        issues = _bench_jira_issues(rng, key, issues_per_project, people, *shape)
        for issue in issues:
            issue["id"] += 100_000 * (index + 1)
        docs.append(
            {
                "key": key,
                "id": 20_000 + index,
                "name": f"Benchmark {key}",
                "lead": people[0],
                "versions": versions,
                "issues": issues,
            }
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": f"bench-jira-{projects}x{issues_per_project}",
        "jira": {"bot": JIRA_BOT, "users": users, "projects": docs},
    }


def _bench_jira_issues(
    rng: random.Random,
    key: str,
    count: int,
    people: list[str],
    epics: int,
    versions: int,
    days: float,
    closed_ratio: float,
    comment_ratio: float,
) -> list[dict[str, Any]]:
    out = []
    random_ = rng.random
    count = max(count, epics + 1)
    for number in range(1, count + 1):
        # Creation times fall as numbers rise, so keys follow creation order as on Jira.
        created = days * (count - number + 1) / count
        who = people[int(random_() * len(people))]
        noun = _NOUNS[int(random_() * len(_NOUNS))]
        item: dict[str, Any] = {
            "key": f"{key}-{number}",
            "id": number,
            "summary": f"{_VERBS[number % len(_VERBS)]} {noun} ({number})",
            "type": "Task",
            "reporter": who,
            "created_days_ago": created,
            "updated_days_ago": created,
        }
        out.append(item)
        if number == 1:
            item["summary"] = "Delivery tracking"
            continue
        if number <= epics + 1:
            item["type"] = "Epic"
            continue
        item["type"] = "Bug" if random_() < 0.2 else "Story"
        if random_() < 0.9:
            item["assignee"] = who
        if epics and random_() < 0.7:
            item["parent"] = f"{key}-{2 + int(random_() * epics)}"
        if versions and random_() < 0.8:
            item["fix_versions"] = [f"V{1 + int(random_() * versions)}"]
        if random_() < 0.85:
            item["story_points"] = _JIRA_POINTS[int(random_() * len(_JIRA_POINTS))][0]
        if random_() < 0.5:
            item["original_estimate"] = _HOURS[int(random_() * len(_HOURS))] * 3600
        if random_() < closed_ratio:
            closed = created * random_()
            item.update(status="Done", resolved_days_ago=closed, updated_days_ago=closed)
            if random_() < 0.05:
                item["resolution"] = "Won't Do"
        else:
            item["updated_days_ago"] = created * random_()
            roll = random_()
            if roll < 0.25:
                item["status"] = "In Progress"
            elif roll < 0.28:
                item["status"] = "Blocked"
        if random_() < comment_ratio:
            at = item["updated_days_ago"] + (created - item["updated_days_ago"]) * random_()
            item["comments"] = [{"author": who, "body": "Looking into it.", "created_days_ago": at}]
    return out


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Print a sandbox seed as JSON (default: demo).")
    parser.add_argument("--repos", type=int, help="generate a synthetic set with this many repos")
    parser.add_argument("--issues-per-repo", type=int, default=1_000)
    parser.add_argument(
        "--jira-projects", type=int, help="generate a synthetic Jira set with this many projects"
    )
    parser.add_argument("--issues-per-project", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    if args.repos is None and args.jira_projects is None:
        doc = generate_demo(DEMO_SEED if args.seed is None else args.seed)
    elif args.jira_projects is None:
        doc = generate_github(args.repos, args.issues_per_repo, seed=args.seed or 0)
    else:
        doc = generate_jira(args.jira_projects, args.issues_per_project, seed=args.seed or 0)
        if args.repos is not None:
            github = generate_github(args.repos, args.issues_per_repo, seed=args.seed or 0)
            doc |= {"name": f"{github['name']}+{doc['name']}", "github": github["github"]}
    sys.stdout.write(dumps(doc))


if __name__ == "__main__":
    _main()
