"""In real headless Chromium: search and open an entity, expand the graph, query in the console, refused writes."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, Site


def _count(site: Site, query: str) -> int:
    return int(site.store.run_readonly(query).rows[0][0])


def test_search_and_open_an_entity(site: Site, page: Page) -> None:
    page.goto(site.url + "/")
    page.fill("header input[name=q]", "nolan")
    page.press("header input[name=q]", "Enter")
    page.click("#search-results >> text=Christopher Nolan")
    expect(page.locator("#entity-name")).to_contain_text("Christopher Nolan")
    expect(page.locator("#facts")).to_contain_text("DIRECTED")
    expect(page.locator("#facts")).to_contain_text("Memento")


def test_click_a_node_to_expand_it(site: Site, page: Page) -> None:
    page.goto(site.url + "/explore?q=Memento")
    page.click("#search-results >> text=Memento")
    page.wait_for_function("() => window.kgGraph && window.kgGraph.nodes().length > 3")
    before = page.evaluate("() => window.kgGraph.nodes().length")
    box = page.locator("#graph").bounding_box()
    assert box is not None
    target = page.evaluate("""() => {
        const node = window.kgGraph.nodes().filter(n => !n.hasClass('focus') && !n.hasClass('more'))
                                           .filter(n => n.data('label') === 'Christopher Nolan')[0];
        return node.renderedPosition();
    }""")
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    page.wait_for_function("n => window.kgGraph.nodes().length > n", arg=before)
    labels = page.evaluate("() => window.kgGraph.nodes().map(n => n.data('label'))")
    assert "Inception" in labels or "The Prestige" in labels, "Nolan's other films joined the graph"
    expect(page.locator("#graph-status")).to_contain_text("nodes shown")


def _run(page: Page, query: str) -> None:
    page.evaluate("q => document.querySelector('.CodeMirror').CodeMirror.setValue(q)", query)
    page.click("#run")


def test_run_a_read_query_and_see_the_table_and_the_graph(site: Site, page: Page) -> None:
    page.goto(site.url + "/console")
    expect(page.locator("#limits")).to_contain_text("rows")
    page.fill("#params", '{"who": "Christopher Nolan"}')
    _run(page, "MATCH (p:Person)-[:DIRECTED]->(m:Movie) WHERE p.name = $who "
               "RETURN p, m, m.year AS year ORDER BY year")
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#rows tr").nth(1)).to_contain_text("Christopher Nolan")
    expect(page.locator("#rows")).to_contain_text("Memento")
    expect(page.locator("#summary")).to_contain_text("read")
    page.click("[data-view=graph]")
    expect(page.locator("#graph-view canvas").first).to_be_visible()
    page.wait_for_function("() => window.kgResultGraph && window.kgResultGraph.edges().length >= 8")


def test_a_write_query_is_refused_for_an_anonymous_user(site: Site, page: Page) -> None:
    before = _count(site, "MATCH (n:Entity) RETURN count(n)")
    page.goto(site.url + "/console")
    expect(page.locator("#read-only-note")).to_contain_text("sign in as an admin")
    _run(page, "CREATE (:Entity {id: 'vandal'})")
    expect(page.locator("#error")).to_contain_text("401")
    expect(page.locator("#error")).to_contain_text("writes")
    assert _count(site, "MATCH (n:Entity) RETURN count(n)") == before


def test_an_admin_signs_in_and_may_write(site: Site, page: Page) -> None:
    page.goto(site.url + "/console")
    page.click("#sign-in-link")
    page.fill("#name", ADMIN[0])
    page.fill("#password", ADMIN[1])
    page.click("#signin-form button")
    expect(page.locator("#signed-in")).to_contain_text("ada (admin)")
    page.check("#write")
    _run(page, "CREATE (:Entity {id: 'made-by-ada', name: 'Made by Ada'})")
    expect(page.locator("#summary")).to_contain_text("write")
    assert _count(site, "MATCH (n:Entity {id: 'made-by-ada'}) RETURN count(n)") == 1
