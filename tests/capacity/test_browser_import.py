"""An operations manager imports a foreign CSV with a mapping file and reads the chart."""

import json
from datetime import date

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.capacity.test_import import FOREIGN, MAPPING, network
from tests.conftest import login, screenshot

pytestmark = pytest.mark.browser


def test_ops_imports_a_mapped_csv_and_sees_utilized_vs_unutilized(page, ops_user, tmp_path):
    # given: Lakeside (C01) with a physician on Monday mornings in July 2024
    network()
    factories.AssignmentFactory(
        clinic=factories.ClinicFactory(code="C01", name="Lakeside"),
        provider=factories.ProviderFactory(npi="1234567893"),
        weekdays=[0], starts_on=date(2024, 7, 1), ends_on=date(2024, 7, 31),
    )  # fmt: skip
    export = tmp_path / "lakeside-export.csv"
    export.write_bytes(FOREIGN)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING))
    login(page, ops_user.username)

    # when: they upload the export with its mapping file
    page.goto("/capacity/import/")
    page.set_input_files("#id_file", str(export))
    page.set_input_files("#id_mapping", str(mapping))
    page.fill("#id_source", "lakeside-pm")
    page.get_by_role("button", name="Import").click()

    # then: the job page shows it finished, with the summary
    expect(page.locator("#job-state")).to_have_text("succeeded")
    expect(page.locator("#summary")).to_contain_text("3 new, 0 updated, 0 unchanged")
    screenshot(page, "ops-import-finished")

    # when: they open the clinic's utilization for July 2024
    page.goto("/capacity/clinics/C01/?from=2024-07&to=2024-07")

    # then: the chart shows the month; 1 kept + 1 no-show of 15 minutes on 1 July, out of
    # 5 Mondays × 240 minutes = 1200 available
    expect(page.locator("#bars .main-svg").first).to_be_visible()
    expect(page.locator("#months tbody tr")).to_have_count(1)
    expect(page.locator("#months tbody tr td").nth(1)).to_have_text("1200")
    expect(page.locator("#months tbody tr td").nth(3)).to_have_text("30")
    screenshot(page, "ops-clinic-utilization")
