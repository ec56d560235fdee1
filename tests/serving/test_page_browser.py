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


def _wait_for_tokens(browser, first_tokens):
    from selenium.webdriver.support.ui import WebDriverWait

    shown = "return [...document.querySelectorAll('#tokens .token')].map(token => token.textContent)"
    count = len(first_tokens)
    WebDriverWait(browser, 30).until(lambda driver: driver.execute_script(shown)[:count] == first_tokens)


def _tokens(browser):
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, "#tokens .token")


def test_type_a_sentence_and_see_the_label_name_and_both_directions(browser, lstm_predictor, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    sentence = "A fine film , but the plot is dull and the acting worse ."
    with serving(PredictionService(lstm_predictor)) as url:
        browser.get(url + "/")
        assert "why" in browser.title
        assert not browser.find_element(By.ID, "auth").is_displayed()  # no token on this server
        browser.find_element(By.ID, "sentence").send_keys(sentence)
        browser.find_element(By.ID, "submit").click()
        WebDriverWait(browser, 30).until(expected_conditions.visibility_of_element_located((By.ID, "result")))
        expected = lstm_predictor.predict_json({"sentence": sentence})
        # The label's name, not its number; a bar per label, named.
        assert browser.find_element(By.ID, "label").text == expected["label_name"]
        names = [element.text for element in browser.find_elements(By.CSS_SELECTOR, "#bars .bar-label")]
        assert names == [lstm_predictor.label_names[label] for label in expected["labels"]]
        # signed_gradient (the page's default): orange toward the label, blue against it.
        tokens = _tokens(browser)
        assert [token.text for token in tokens] == expected["tokens"]
        directions = [token.get_attribute("data-direction") for token in tokens]
        values = [float(token.get_attribute("data-saliency")) for token in tokens]
        assert set(directions) == {"toward", "against"}
        for token, direction, value in zip(tokens, directions, values):
            colour = "rgba(214, 96, 20" if direction == "toward" else "rgba(36, 86, 166"
            assert token.value_of_css_property("background-color").startswith(colour)
            assert (value >= 0) == (direction == "toward")
        assert sum(abs(value) for value in values) == pytest.approx(1.0, abs=1e-3)
        assert "against" in browser.find_element(By.ID, "legend").text
        # A method without a direction: every word orange, the shades summing to 1.
        Select(browser.find_element(By.ID, "method")).select_by_value("simple_gradient")
        browser.find_elements(By.CSS_SELECTOR, ".example")[1].click()
        _wait_for_tokens(browser, ["The", "plot"])
        assert {token.get_attribute("data-direction") for token in _tokens(browser)} == {"weight"}
        assert all(token.value_of_css_property("background-color").startswith("rgba(214, 96, 20")
                   for token in _tokens(browser))
        # Words the model cannot read: a warning with their share, and the words underlined.
        assert not browser.find_element(By.ID, "out-of-reach").is_displayed()
        browser.find_element(By.ID, "sentence").clear()
        browser.find_element(By.ID, "sentence").send_keys("这部电影太糟糕了")
        browser.find_element(By.ID, "submit").click()
        _wait_for_tokens(browser, ["这部电影太糟糕了"])
        warning = browser.find_element(By.ID, "out-of-reach")
        assert warning.is_displayed() and "most of these words are unknown to this model (100%" in warning.text
        assert _tokens(browser)[0].get_attribute("class") == "token unknown"
        # a bad input shows the server's error
        browser.find_element(By.ID, "sentence").clear()
        browser.find_element(By.ID, "sentence").send_keys("   ")
        browser.find_element(By.ID, "submit").click()
        assert browser.find_element(By.ID, "error").is_displayed()
        screenshot = os.environ.get("SST_ELMO_SCREENSHOT") or str(tmp_path / "page.png")
        assert browser.save_screenshot(screenshot)


def test_the_page_asks_for_the_token_of_a_server_that_needs_one(browser, lstm_predictor):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    with serving(PredictionService(lstm_predictor), auth_token="s3cret") as url:
        browser.get(url + "/")
        WebDriverWait(browser, 30).until(expected_conditions.visibility_of_element_located((By.ID, "token")))
        browser.find_element(By.ID, "token").send_keys("wrong")
        browser.find_element(By.ID, "sentence").send_keys("A fine film .")
        browser.find_element(By.ID, "submit").click()
        WebDriverWait(browser, 30).until(expected_conditions.visibility_of_element_located((By.ID, "error")))
        assert "needs a token" in browser.find_element(By.ID, "error").text
        browser.find_element(By.ID, "token").clear()
        browser.find_element(By.ID, "token").send_keys("s3cret")
        browser.find_element(By.ID, "submit").click()
        WebDriverWait(browser, 30).until(expected_conditions.visibility_of_element_located((By.ID, "result")))
        assert [token.text for token in _tokens(browser)] == ["A", "fine", "film", "."]


def test_a_new_request_or_an_error_clears_the_old_result_and_errors_are_plain(browser, lstm_predictor):
    import threading
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from sst_elmo.serving.app import make_app
    from tests.serving.test_http import call

    service = PredictionService(lstm_predictor, max_explanations_in_flight=1)
    interpreter = service.saliency._interpreters["signed_gradient"]
    real = interpreter.saliency_interpret_from_json

    def slow_for_slowly(inputs):
        if "slowly" in inputs["tokens"]:
            time.sleep(2.0)
        return real(inputs)

    interpreter.saliency_interpret_from_json = slow_for_slowly
    result_shown = expected_conditions.visibility_of_element_located((By.ID, "result"))
    error_shown = expected_conditions.visibility_of_element_located((By.ID, "error"))

    def ask(sentence):
        browser.find_element(By.ID, "sentence").clear()
        browser.find_element(By.ID, "sentence").send_keys(sentence)
        browser.find_element(By.ID, "submit").click()

    with serving(service) as url:
        browser.get(url + "/")
        # The footer names every endpoint the server has.
        footer = browser.find_element(By.TAG_NAME, "footer").text
        for rule in make_app(service).url_map.iter_rules():
            if rule.endpoint not in ("static", "page"):
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    assert f"{method} {rule.rule}" in footer, (method, rule.rule, footer)
        ask("A fine film .")
        WebDriverWait(browser, 30).until(result_shown)
        # A new request clears the old result at once, before its answer comes.
        ask("It moves slowly .")
        assert not browser.find_element(By.ID, "result").is_displayed()
        assert browser.find_element(By.ID, "label").text == "" and not _tokens(browser)
        WebDriverWait(browser, 30).until(result_shown)
        assert [token.text for token in _tokens(browser)] == ["It", "moves", "slowly", "."]
        # A failing request: its error alone, in plain words, no older result beneath it.
        Select(browser.find_element(By.ID, "method")).select_by_value("leave_one_out")
        ask(" ".join(["fine"] * 100))
        WebDriverWait(browser, 30).until(error_shown)
        error = browser.find_element(By.ID, "error").text
        assert error == ("This text is too long to explain with leave-one-out (100 words; at most 80). "
                         "Try a shorter text, or the signed gradient method.")
        assert not browser.find_element(By.ID, "result").is_displayed()
        # Busy: another explanation holds the only place; the page says when to try again.
        Select(browser.find_element(By.ID, "method")).select_by_value("signed_gradient")
        ask("A fine film .")
        WebDriverWait(browser, 30).until(result_shown)
        slow = {"sentence": "It moves slowly , then stops .", "method": "signed_gradient"}
        other = threading.Thread(target=call, args=(url, "POST", "/interpret", slow))
        other.start()
        time.sleep(0.5)
        ask("A dull film .")
        WebDriverWait(browser, 30).until(error_shown)
        assert browser.find_element(By.ID, "error").text.startswith(
            "The server is busy explaining other texts. Try again in ")
        assert not browser.find_element(By.ID, "result").is_displayed()
        other.join(30)


def test_a_calibrated_model_shows_its_calibrated_probabilities_and_says_so(browser, lstm_predictor):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    lstm_predictor._model.temperature = 3.0  # as `allennlp sst-calibrate` would set it in the archive
    expected = lstm_predictor.predict_json({"sentence": "A fine film ."})
    with serving(PredictionService(lstm_predictor)) as url:
        browser.get(url + "/")
        assert not browser.find_element(By.ID, "calibration").is_displayed()
        browser.find_element(By.ID, "sentence").send_keys("A fine film .")
        browser.find_element(By.ID, "submit").click()
        WebDriverWait(browser, 30).until(expected_conditions.visibility_of_element_located((By.ID, "result")))
        note = browser.find_element(By.ID, "calibration")
        assert note.is_displayed() and "Calibrated probabilities" in note.text and "temperature 3.00" in note.text
        shown = [element.text for element in browser.find_elements(By.CSS_SELECTOR, "#bars .bar-value")]
        assert shown == [f"{100 * expected['label_probs'][label]:.1f}%" for label in expected["labels"]]
