"""The page in real headless Chromium (Debian's `chromium`, driven by Playwright's Python
package: no browser download): draw a 7 with mouse strokes, upload a photo, upload a blank
image, and on a phone-sized touch screen use the keyboard and draw a 1 with a finger, each
answered by the real server; screenshots go to the test's tmp folder.
"""

from __future__ import annotations

import io
import os
import shutil

import pytest
from PIL import Image

from helpers.serve import SAMPLES, require

sync_api = require("playwright.sync_api")

CHROMIUM = os.environ.get("MNIST_EDGE_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"needs Debian's chromium at {CHROMIUM} (apt-get install -y chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 800, "height": 1100})
    page = context.new_page()
    page.goto(server.url + "/")
    yield page
    context.close()


def draw(page, strokes: list[list[tuple[float, float]]]) -> None:
    """Mouse strokes on the canvas, points as fractions of its width and height."""
    box = page.locator("#pad").bounding_box()
    for stroke in strokes:
        (x, y), rest = stroke[0], stroke[1:]
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
        page.mouse.down()
        for x, y in rest:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=12)
        page.mouse.up()


def answer(page, what: str) -> str:
    page.wait_for_function("what => document.getElementById('status').textContent.includes(what)",
                           arg=what, timeout=60_000)
    return page.locator("#digit").text_content()


def test_draw_a_seven(page, tmp_path):
    draw(page, [[(0.25, 0.22), (0.72, 0.22), (0.45, 0.85)]])
    assert answer(page, "Read the drawing") == "7"
    assert page.locator("#bars tbody tr").count() == 10
    assert page.locator("#bars tr.best td").first.text_content() == "7"
    assert page.locator("#seen").get_attribute("src").startswith("data:image/png;base64,")
    page.screenshot(path=tmp_path / "drawn-7.png", full_page=True)


def test_upload_a_photo(page, tmp_path):
    sample = SAMPLES / "digit_4_idx4.png"
    page.get_by_label("Upload an image").set_input_files(sample)
    assert answer(page, f"Read {sample.name}") == "4"
    page.screenshot(path=tmp_path / "uploaded-4.png", full_page=True)


def test_blank_image_is_not_a_digit(page, tmp_path):
    buffer = io.BytesIO()
    Image.new("L", (200, 200), 255).save(buffer, "PNG")
    page.get_by_label("Take a photo").set_input_files(
        {"name": "blank.png", "mimeType": "image/png", "buffer": buffer.getvalue()})
    assert answer(page, "Not a digit") == "not a digit"
    page.screenshot(path=tmp_path / "blank.png", full_page=True)


def test_phone_layout_keyboard_and_finger(browser, server, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    page.goto(server.url + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone's screen
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "read"  # the canvas needs a pointer; the buttons don't
    page.keyboard.press("Enter")
    assert "Draw a digit first" in page.locator("#status").text_content()
    touch_stroke(context, page, [(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)])  # a finger draws a 1
    assert answer(page, "Read the drawing") == "1"
    page.screenshot(path=tmp_path / "phone.png", full_page=True)
    context.close()


def touch_stroke(context, page, points: list[tuple[float, float]]) -> None:
    """One finger stroke on the canvas, as real touch events (Chrome's DevTools protocol)."""
    box = page.locator("#pad").bounding_box()
    at = [{"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"]} for x, y in points]
    cdp = context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [at[0]]})
    for a, b in zip(at, at[1:]):
        for i in range(1, 11):
            point = {"x": a["x"] + (b["x"] - a["x"]) * i / 10, "y": a["y"] + (b["y"] - a["y"]) * i / 10}
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
