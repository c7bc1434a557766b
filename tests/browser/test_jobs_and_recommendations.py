"""In real headless Chromium: start a job from the form and watch it finish, recommendations with their
paths, and accepting a prediction (which becomes a fact)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, Site


def _sign_in(site: Site, page: Page, then: str) -> None:
    page.goto(f"{site.url}/signin?next={then}")
    page.fill("#name", ADMIN[0])
    page.fill("#password", ADMIN[1])
    page.click("#signin-form button")
    expect(page.locator("#signed-in")).to_contain_text("admin")


def test_the_job_form_shows_errors_next_to_the_fields(site: Site, page: Page) -> None:
    _sign_in(site, page, "/jobs/new")
    page.fill("#epochs", "many")
    page.fill("#relations", "NO_SUCH_RELATION")
    page.click("#start-job")
    expect(page.locator("#epochs-error")).to_contain_text("not a whole number")
    expect(page.locator("#relations")).to_have_value("NO_SUCH_RELATION")
    page.fill("#epochs", "3")
    page.click("#start-job")
    expect(page.locator("#relations-error")).to_contain_text("NO_SUCH_RELATION")


def test_start_a_job_from_the_form_and_watch_it_finish(site: Site, page: Page) -> None:
    _sign_in(site, page, "/jobs/new")
    page.select_option("#model", "distmult")
    page.fill("#relations", "WATCHED")
    page.fill("#epochs", "4")
    page.fill("#dim", "16")
    page.click("#start-job")
    expect(page.locator("#job")).to_have_attribute("data-status", "succeeded", timeout=120_000)
    expect(page.locator("#job-percent")).to_have_text("100")
    expect(page.locator("#job-metrics")).to_contain_text("mrr")
    expect(page.locator("#job")).to_have_attribute("data-charted", "yes")
    expect(page.locator("#chart canvas").first).to_be_visible()
    job_id = page.locator("#job").get_attribute("data-job")
    assert job_id and site.store.run_readonly(
        "MATCH ()-[p:PREDICTED {job_id: $j}]->() RETURN count(p)", {"j": job_id}).rows[0][0] > 0


def test_recommendations_with_their_paths(site: Site, page: Page) -> None:
    user = site.store.run_readonly("MATCH (u:User)-[:WATCHED]->() RETURN u.id, count(*) AS n "
                                   "ORDER BY n DESC, u.id LIMIT 1").rows[0][0]
    page.goto(site.url + "/recommendations")
    page.fill("#user", user)
    page.click("#pick-user button")
    expect(page.locator("#recommended > li").first).to_be_visible()
    expect(page.locator(".path-sentence").first).to_contain_text("because you watched")
    expect(page.locator(".path-graph canvas").first).to_be_visible()
    expect(page.locator("#recommended .item-name").first).to_have_attribute("href", re.compile(r"^/entity/"))


def test_accept_a_prediction_and_it_becomes_a_fact(site: Site, page: Page) -> None:
    _sign_in(site, page, "/predictions")
    row = page.locator("#prediction-list tr.predicted").first
    head, tail = row.locator("td").nth(1).inner_text(), row.locator("td").nth(3).inner_text()
    row.locator("input[name=chosen]").check()
    page.click("#accept-chosen")
    expect(page.locator(".flash")).to_contain_text("accepted 1 prediction")
    facts = site.store.run_readonly("MATCH (:Entity {id: $h})-[r:WATCHED]->(:Entity {id: $t}) RETURN count(r)",
                                    {"h": head, "t": tail}).rows[0][0]
    assert facts == 1, "the accepted prediction is a fact edge now"
