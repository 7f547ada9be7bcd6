#!/usr/bin/env python3
"""The public statement page in a real browser: the README's first command as a new user runs
it (`demo --serve`), the FY2025 statement it prints opened in headless Chromium (Debian's
`chromium` and `chromium-driver`, driven by selenium with the driver's path given, since
selenium's own driver download cannot reach its servers).

It checks that:
- `demo --serve` loads the demo and prints the statement's address, its JSON, a curl and the
  verify command;
- every figure on the page (every element with `data-figure`, read back from the DOM as shown)
  equals the published JSON at that path: exact amounts to the penny, headline amounts
  ("£22.8 million") to their rounding, counts exactly; a figure of another statement
  (`data-statement`) against that statement's JSON;
- axe-core (axe-selenium-python) finds no serious or critical violation of WCAG 2.2 AA;
- at 320 px wide nothing is wider than the screen;
- every page carries the "example data" banner;
- the table of who reported and checked each outcome figure has a row per measure line of the
  JSON, with its state and who checked it.

It saves screenshots at desktop width and at 320 px (and with --readme, the desktop one's top for
the README). Prints PASS or FAIL with its figures; exit 0 on PASS, 1 on FAIL, 2 when it could
not be set up. Installs what it needs when missing (apt-get as root; pip)."""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evidence import SetUpError, free_port, locate_binary, log, workspace  # noqa: E402

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"


def install():
    """Chromium and its driver from Debian, selenium and axe-selenium-python from PyPI."""
    if not (os.path.exists(CHROMEDRIVER) and os.path.exists(CHROMIUM)):
        if os.geteuid() != 0:
            raise SetUpError("chromium and chromium-driver are needed: apt-get install chromium chromium-driver")
        log("installing chromium and chromium-driver")
        subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium",
                        "chromium-driver"], check=True, stdout=subprocess.DEVNULL)
    try:
        import axe_selenium_python  # noqa: F401
        import selenium  # noqa: F401
    except ImportError:
        log("installing selenium and axe-selenium-python")
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                   "selenium", "axe-selenium-python"]
        if subprocess.run(command).returncode != 0:
            subprocess.run(command + ["--break-system-packages"], check=True)


def serve_demo(binary, work, port):
    """`demo --serve`, as the README's first command; answers the process and what it printed."""
    data_dir = os.path.join(work, "cluster")
    output = open(os.path.join(work, "demo.log"), "w+")
    process = subprocess.Popen(
        [binary, "demo", "--serve", "--port", str(port), "--data-dir", data_dir, "--log-level", "warning"],
        stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            raise SetUpError(f"demo --serve exited with {process.returncode}:\n{output.read()}")
        output.seek(0)
        printed = output.read()
        if "alliance-ledger statement verify" in printed:
            return process, printed
        time.sleep(0.2)
    process.terminate()
    raise SetUpError("demo --serve printed no statement within 600 s")


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as answer:
        return answer.read()


def at(document, path):
    """The value at `path` (`budget.byPartner.2.actual`); `*` sums over a list."""
    parts = path.split(".")
    for index, part in enumerate(parts):
        if part == "*":
            return sum(at(item, ".".join(parts[index + 1:])) for item in document)
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


def shown(text, kind):
    """What the page shows, as the JSON would have it: pence, or (pence, tolerance) for a
    rounded headline, or a count."""
    text = text.strip()
    if kind == "count":
        return int(text.replace(",", "")), 0
    negative = text.startswith("-")
    digits = text.lstrip("-").lstrip("£")
    if digits.endswith(" million"):
        millions = float(digits[: -len(" million")].replace(",", ""))
        value = round(millions * 100_000_000)
        return (-value if negative else value), 5_000_000
    match = re.fullmatch(r"([0-9,]+)(?:\.([0-9]{2}))?", digits)
    if not match:
        raise ValueError(f"not an amount: {text!r}")
    value = int(match.group(1).replace(",", "")) * 100 + int(match.group(2) or 0)
    return (-value if negative else value), 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="the built alliance-ledger (default: swift build's)")
    parser.add_argument("--screenshots", default=None, help="where to save the screenshots (default: the work directory)")
    parser.add_argument("--readme", help="also save the top of the desktop page here, for the README")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    arguments = parser.parse_args()
    try:
        install()
        binary = locate_binary(arguments.binary)
    except (SetUpError, subprocess.CalledProcessError) as error:
        print(f"SET-UP FAILED: {error}", file=sys.stderr)
        return 2
    from axe_selenium_python import Axe
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    work = workspace("browser")
    screenshots = arguments.screenshots or work
    os.makedirs(screenshots, exist_ok=True)
    port = free_port()
    process = None
    driver = None
    failures = []
    try:
        process, printed = serve_demo(binary, work, port)
        urls = re.findall(r"http://\S+/statements/S-\d{4}(?:\.json)?", printed)
        page_url = next((url for url in urls if not url.endswith(".json")), None)
        if not page_url or f"{page_url}.json" not in urls or "curl -X POST" not in printed:
            raise SetUpError(f"demo --serve did not print the statement, its JSON and a curl:\n{printed}")
        log(f"demo --serve printed {page_url}")
        statement = json.loads(fetch(f"{page_url}.json"))
        others = {}

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--hide-scrollbars", "--window-size=1280,1000"]:
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(60)
        driver.get(page_url)
        if "statement for FY2025" not in driver.find_element(By.TAG_NAME, "h1").text:
            failures.append(f"the page's heading is {driver.find_element(By.TAG_NAME, 'h1').text!r}")

        # Every figure, as the browser shows it, against the JSON.
        checked = 0
        for element in driver.find_elements(By.CSS_SELECTOR, "[data-figure]"):
            path = element.get_attribute("data-figure")
            source = element.get_attribute("data-statement")
            document = statement
            if source:
                if source not in others:
                    others[source] = json.loads(fetch(page_url.rsplit("/", 1)[0] + f"/{source}.json"))
                document = others[source]
            text = element.get_attribute("textContent")
            try:
                value, tolerance = shown(text, element.get_attribute("data-kind"))
                expected = at(document, path)
            except (ValueError, KeyError, IndexError, TypeError) as error:
                failures.append(f"{path}: {text!r}: {error}")
                continue
            if abs(value - expected) > tolerance:
                failures.append(f"{path}{' of ' + source if source else ''}: the page shows {text!r}, the JSON {expected}")
            checked += 1
        log(f"{checked} figures checked against the JSON ({len(others)} other statements)")
        if checked < 100:
            failures.append(f"only {checked} figures on the page")

        # Who stands behind each outcome figure: one row per measure line of the JSON, each
        # with the reporting partner, the figure's state and who checked it.
        lines = [(period["period"], measure) for period in statement["outcomes"]["periods"]
                 for measure in period["measures"]]
        reviews = [table for table in driver.find_elements(By.TAG_NAME, "table")
                   if "Who reported each measurement" in table.find_element(By.TAG_NAME, "caption").text]
        if not reviews:
            failures.append("the page has no table of who reported and checked each measurement")
        else:
            rows = reviews[0].find_elements(By.CSS_SELECTOR, "tbody tr")
            if len(rows) != len(lines):
                failures.append(f"the review table has {len(rows)} rows for {len(lines)} measure lines")
            for row, (period, measure) in zip(rows, lines):
                cells = [cell.get_attribute("textContent") for cell in row.find_elements(By.CSS_SELECTOR, "th, td")]
                if cells[1] != period or cells[3].lower() != (measure.get("state") or "").lower() or not cells[4]:
                    failures.append(f"review row {cells} does not say {period}, {measure.get('state')} and who checked it")

        banners = driver.find_elements(By.CSS_SELECTOR, ".banner")
        if not banners or "invented" not in banners[0].text:
            failures.append("the page has no example-data banner")
        for path in ["/", page_url.split("/statements/")[0].split(f":{port}")[1]]:
            driver.get(f"http://127.0.0.1:{port}{path}")
            if not driver.find_elements(By.CSS_SELECTOR, ".banner"):
                failures.append(f"{path} has no example-data banner")
        driver.get(page_url)

        # Accessibility: axe-core on WCAG 2 A and AA and its best practices, called directly
        # (axe-selenium-python's own run() passes options where axe reads a context).
        Axe(driver).inject()
        driver.set_script_timeout(600)
        results = driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'best-practice']}})"
            ".then(done, function (error) { done({error: String(error)}); });")
        if "error" in results:
            raise SetUpError(f"axe-core failed: {results['error']}")
        serious = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
        for violation in results["violations"]:
            log(f"axe {violation['impact']}: {violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)")
        log(f"axe: {len(results['passes'])} rules passed, {len(results['violations'])} violated "
            f"({len(serious)} serious or critical)")
        failures += [f"axe {v['impact']}: {v['id']}: {v['help']}" for v in serious]

        # Screenshots: desktop, and 320 px as a phone shows it.
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(height, 16000))
        desktop = os.path.join(screenshots, "statement-desktop.png")
        driver.save_screenshot(desktop)
        if arguments.readme:
            driver.set_window_size(1280, 860)
            driver.execute_script("window.scrollTo(0, 0)")
            driver.save_screenshot(arguments.readme)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 320, "height": 640, "deviceScaleFactor": 1, "mobile": True})
        driver.get(page_url)
        overflow = driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if overflow[0] > overflow[1]:
            failures.append(f"at 320 px the page is {overflow[0]} px wide")
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 320, "height": min(height, 30000), "deviceScaleFactor": 1,
                                "mobile": True})
        narrow = os.path.join(screenshots, "statement-320px.png")
        driver.save_screenshot(narrow)
        log(f"screenshots: {desktop}, {narrow}")
    except SetUpError as error:
        print(f"SET-UP FAILED: {error}", file=sys.stderr)
        return 2
    finally:
        if driver:
            driver.quit()
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        # demo --serve leaves its embedded cluster running, as every command does.
        subprocess.run([binary, "db", "stop", "--data-dir", os.path.join(work, "cluster")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    passed = not failures
    for failure in failures:
        print(f"  {failure}")
    print(f"{'PASS' if passed else 'FAIL'}: {checked} figures on the statement page equal the JSON, "
          f"{len(serious)} serious or critical axe violations, screenshots at 1280 and 320 px")
    if passed and not arguments.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}", file=sys.stderr)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
