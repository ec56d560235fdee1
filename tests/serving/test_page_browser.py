"""
The page in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`)
driven by Selenium loads it from the server, types a sentence, and sees the label, a bar
per label and the tokens shaded by saliency. Skipped, with the reason, without a browser.
"""
import os
import shutil
import tempfile

import pytest

from sst_elmo.serving.service import PredictionService
from tests.serving.conftest import serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="no browser: apt-get install chromium chromium-driver (.ci/run does) to run the page test",
)

# Flags for a headless browser that reaches nothing but the loopback server.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1000,900"]


@pytest.fixture
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="sst_serve_chromium_")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    # The driver's path given: Selenium Manager (which downloads drivers) never runs.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_type_a_sentence_and_see_the_label_and_shaded_tokens(browser, lstm_predictor, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    with serving(PredictionService(lstm_predictor)) as url:
        browser.get(url + "/")
        assert "why" in browser.title
        browser.find_element(By.ID, "sentence").send_keys("A fine film , with excellent acting .")
        browser.find_element(By.ID, "submit").click()
        WebDriverWait(browser, 30).until(expected_conditions.visibility_of_element_located((By.ID, "result")))
        expected = lstm_predictor.predict_json({"sentence": "A fine film , with excellent acting ."})
        assert browser.find_element(By.ID, "label").text == expected["label"]
        bars = browser.find_elements(By.CSS_SELECTOR, "#bars .bar-fill")
        assert len(bars) == len(expected["labels"])
        tokens = browser.find_elements(By.CSS_SELECTOR, "#tokens .token")
        assert [token.text for token in tokens] == expected["tokens"]
        shades = [token.value_of_css_property("background-color") for token in tokens]
        assert all(shade.startswith("rgba(214, 96, 20") for shade in shades) and len(set(shades)) > 1
        saliency = [float(token.get_attribute("data-saliency")) for token in tokens]
        assert sum(saliency) == pytest.approx(1.0, abs=1e-3)
        # an example sentence fills the box and predicts it
        browser.find_elements(By.CSS_SELECTOR, ".example")[1].click()
        shown = "return [...document.querySelectorAll('#tokens .token')].map(token => token.textContent)"
        WebDriverWait(browser, 30).until(lambda driver: driver.execute_script(shown)[:2] == ["The", "plot"])
        # a bad input shows the server's error
        browser.find_element(By.ID, "sentence").clear()
        browser.find_element(By.ID, "sentence").send_keys("   ")
        browser.find_element(By.ID, "submit").click()
        assert browser.find_element(By.ID, "error").is_displayed()
        screenshot = os.environ.get("SST_ELMO_SCREENSHOT") or str(tmp_path / "page.png")
        assert browser.save_screenshot(screenshot)
