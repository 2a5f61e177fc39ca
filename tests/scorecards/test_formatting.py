"""KPI values and targets in words, by unit."""

from scorecards import compute, formatting


def test_values_are_formatted_by_unit():
    # then
    assert formatting.value_text(0.8734, "fraction") == "87.3 %"
    assert formatting.value_text(1234567.4, "currency") == "$1,234,567"
    assert formatting.value_text(-2500.0, "currency") == "−$2,500"
    assert formatting.value_text(1234.0, "count") == "1,234"
    assert formatting.value_text(8.64, "days") == "8.6 d"
    assert formatting.value_text(1.0456, "index") == "1.05"
    assert formatting.value_text(None, "fraction") == "n/a"
    band = compute.Thresholds(0.85, 0.95, 0.70, 1.00)
    assert formatting.target_text("band", "fraction", band) == "85.0–95.0 %"
    assert formatting.target_text("lower", "days", compute.Thresholds(None, 10.0, None, 14.0)) == (
        "≤ 10.0 d"
    )
    assert formatting.target_text("higher", "count", None) == "—"
    assert formatting.target_text("higher", "fraction", compute.Thresholds(green_min=0.8)) == (
        "≥ 80.0 %"
    )
