"""Screenshots of the main pages for the README: `make screenshots`.

Starts the application on a throw-away SQLite database holding the demo catalogue
(`manage.py migrate` and `manage.py load_demo`), drives Debian's Chromium with Playwright for
Python (never `playwright install`), and writes PNGs under docs/screenshots/. Pages that do not
exist in this checkout (a 404 for /search/, say) are skipped with a note, not a failure.

    python scripts/screenshots.py [--only home,tool-list] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("REGISTRY_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 720}
# The demo accounts of `manage.py load_demo` (registry/management/commands/load_demo.py).
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 (a demo database only)
EDITOR = "editor@demo.registry"  # editor of polaris-project
OWNER = "owner@demo.registry"  # owner of demo-tech-firm, which offers licences
MODERATOR = "moderator@demo.registry"
DEMO_TRANSLATED_TOOL = "demo-beacon-case-desk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database: Path) -> dict[str, str]:
    """Embedded mode on a database of our own: no broker, no two-factor prompt, plain HTTP."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DEBUG="1",
        REGISTRY_REQUIRE_2FA="0",
        AXES_ENABLED="0",
        API_THROTTLE_ENABLED="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    """Run a management command quietly; show its output only if it fails."""
    result = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed ({result.returncode}).")


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The server stopped (exit code {process.returncode}).")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own server)
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise SystemExit(f"The server did not answer at {url} within {timeout:.0f} s.")


@dataclass
class Shot:
    name: str
    description: str
    take: Callable  # (Shooter) -> None


class Shooter:
    """One browser; a fresh context (cookies, language, viewport) per screenshot."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.written: list[str] = []
        self.skipped: list[str] = []

    def page(self, *, locale="en-GB", viewport=VIEWPORT, user: str | None = None):
        context = self.browser.new_context(
            base_url=self.base_url, locale=locale, viewport=viewport, reduced_motion="reduce"
        )
        context.set_default_timeout(20_000)
        page = context.new_page()
        if user:
            page.goto("/accounts/login/")
            page.fill("#id_username", user)
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_selector(".account__name")
        return page

    def visit(self, page, path: str) -> bool:
        response = page.goto(path)
        if response is None or response.status >= 400:
            status = response.status if response is not None else "no answer"
            self.skipped.append(f"{path} ({status})")
            return False
        return True

    def save(self, page, name: str, *, full_page: bool = False) -> None:
        path = OUTPUT / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        self.written.append(name)
        page.context.close()


def first(items, predicate=lambda item: True):
    return next((item for item in items if predicate(item)), None)


def api_results(shooter: Shooter, path: str) -> list[dict]:
    page = shooter.page(user=MODERATOR)
    response = page.request.get(shooter.base_url + path)
    data = response.json() if response.ok else {}
    page.context.close()
    return data.get("results", []) if isinstance(data, dict) else []


def shot_home(s: Shooter) -> None:
    page = s.page()
    if s.visit(page, "/"):
        s.save(page, "home")


def shot_tool_list(s: Shooter) -> None:
    page = s.page()
    if s.visit(page, "/tools/?functions=victim_identification&sort=name"):
        s.save(page, "tool-list")


def _offered_tool_slug(s: Shooter, organization: str | None = None) -> str | None:
    offers = api_results(s, "/api/v1/license-offers/")
    offer = first(
        offers, lambda o: organization is None or o["organization"]["slug"] == organization
    )
    return offer["tool"]["slug"] if offer else None


def to_top(page) -> None:
    page.evaluate("window.scrollTo(0, 0)")


def shot_tool_detail(s: Shooter) -> None:
    slug = _offered_tool_slug(s)
    if slug is None:
        s.skipped.append("tool page (no tool with a licence offer)")
        return
    page = s.page()
    if s.visit(page, f"/tools/{slug}/"):
        s.save(page, "tool-detail")


def shot_need(s: Shooter) -> None:
    needs = api_results(s, "/api/v1/needs/?status=open")
    need = first(needs) or first(api_results(s, "/api/v1/needs/"))
    if need is None:
        s.skipped.append("need page (the demo catalogue has no need)")
        return
    page = s.page(user=EDITOR)
    # The anchor scrolls to the tools suggested for the need.
    if s.visit(page, f"/needs/{need['slug']}/#candidates-heading"):
        s.save(page, "need-detail")


def shot_search(s: Shooter) -> None:
    page = s.page()
    if s.visit(page, "/search/?q=victim+identification"):
        s.save(page, "search")


def shot_licences(s: Shooter) -> None:
    page = s.page(user=EDITOR)
    if s.visit(page, "/licences/"):
        s.save(page, "licences")


def shot_workspace(s: Shooter) -> None:
    page = s.page(user=OWNER)
    if s.visit(page, "/organizations/demo-tech-firm/workspace/"):
        s.save(page, "workspace")


def shot_offer_form(s: Shooter) -> None:
    page = s.page(user=OWNER)
    if s.visit(page, "/licences/new/?organization=demo-tech-firm"):
        page.fill("#id_title", "Free seats for survivor-led organizations")
        page.select_option("#id_terms", "free")
        page.fill("#id_seats", "10")
        to_top(page)
        s.save(page, "offer-form")


def shot_tool_offers(s: Shooter) -> None:
    """The offers of a tool as its owner sees them: offer, edit and close."""
    slug = _offered_tool_slug(s, "demo-tech-firm")
    if slug is None:
        s.skipped.append("tool offers (demo-tech-firm offers nothing)")
        return
    page = s.page(user=OWNER)
    if s.visit(page, f"/tools/{slug}/#offers-heading"):
        s.save(page, "tool-offers")


def shot_translated_summary(s: Shooter) -> None:
    """The owner writes a Spanish summary; a Spanish reader then sees it on the tool page."""
    slug = DEMO_TRANSLATED_TOOL
    page = s.page(user=OWNER)
    if not s.visit(page, f"/tools/{slug}/translations/"):
        return
    if page.locator("#id_language").count():
        page.select_option("#id_language", "es")
        page.fill(
            "#id_summary",
            "Herramienta de demostración: gestión de casos para albergues y ONG, con registro "
            "del consentimiento y derivaciones entre organizaciones aliadas.",
        )
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
    page.context.close()
    page = s.page(locale="es-ES")
    if s.visit(page, f"/tools/{slug}/#translations"):
        s.save(page, "tool-translated-es")


def shot_moderation(s: Shooter) -> None:
    page = s.page(user=MODERATOR)
    if s.visit(page, "/moderation/"):
        s.save(page, "moderation")


def shot_tool_form_overlap(s: Shooter) -> None:
    page = s.page(user=EDITOR)
    if not s.visit(page, "/tools/new/"):
        return
    page.fill("#id_name", "Victim identification in online advertisements")
    page.fill(
        "#id_summary",
        "Finds signs of trafficking in online sex advertisements for investigators.",
    )
    box = page.locator("#id_functions input[value=victim_identification]")
    if box.count():
        box.check()
    try:
        page.wait_for_selector("#overlap-results .overlap-list__item", timeout=20_000)
    except Exception:  # noqa: BLE001 (no match is still worth a picture)
        # Without the live check, the no-JS button fills the same panel.
        button = page.locator("button[name=check_overlap]")
        if button.count():
            button.click()
            page.wait_for_load_state()
    page.locator("#overlap-heading").scroll_into_view_if_needed()
    s.save(page, "tool-form-overlap")


def shot_spanish(s: Shooter) -> None:
    page = s.page(locale="es-ES")
    if s.visit(page, "/tools/"):
        s.save(page, "tool-list-es")


def shot_narrow(s: Shooter) -> None:
    slug = _offered_tool_slug(s)
    page = s.page(viewport=NARROW)
    if s.visit(page, f"/tools/{slug}/" if slug else "/"):
        s.save(page, "tool-detail-320px")


SHOTS = [
    Shot("home", "Home page", shot_home),
    Shot("tool-list", "Tool list filtered by a facet", shot_tool_list),
    Shot("tool-detail", "Tool page with safeguards and licence offers", shot_tool_detail),
    Shot("need-detail", "Need page with suggested tools", shot_need),
    Shot("search", "Search", shot_search),
    Shot("licences", "Licence marketplace", shot_licences),
    Shot("workspace", "Organization workspace", shot_workspace),
    Shot("tool-offers", "A tool's licence offers, as its owner sees them", shot_tool_offers),
    Shot("offer-form", "Offering a licence", shot_offer_form),
    Shot("moderation", "Moderation queue", shot_moderation),
    Shot("tool-form-overlap", "Adding a tool: the overlap panel", shot_tool_form_overlap),
    Shot(
        "tool-translated-es", "A translated summary for a Spanish reader", shot_translated_summary
    ),
    Shot("tool-list-es", "Tool list in Spanish", shot_spanish),
    Shot("tool-detail-320px", "Tool page 320 px wide", shot_narrow),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated shot names", default="")
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args()
    wanted = {name for name in args.only.split(",") if name}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("Playwright for Python is missing: pip install playwright", file=sys.stderr)
        return 2
    if not Path(args.chromium).exists():
        print(f"Chromium is missing at {args.chromium} (apt-get install chromium)", file=sys.stderr)
        return 2

    OUTPUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="registry-screenshots-"))
    env = server_environment(workdir / "screenshots.sqlite3")
    server = None
    try:
        print("Preparing a demo database…", flush=True)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_demo", "--verbosity", "0")
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_up(base_url + "/healthz", server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            shooter = Shooter(browser, base_url)
            for shot in SHOTS:
                if wanted and shot.name not in wanted:
                    continue
                print(f"  {shot.name}: {shot.description}", flush=True)
                shot.take(shooter)
            browser.close()
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"Wrote {len(shooter.written)} screenshot(s) to {OUTPUT.relative_to(ROOT)}/")
    for skipped in shooter.skipped:
        print(f"  skipped: {skipped}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
