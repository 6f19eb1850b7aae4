import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotrace.durations import DURATION, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("300ms", 300_000_000),
        ("90s", 90_000_000_000),
        ("60m", 3_600_000_000_000),
        ("1h30m", 5_400_000_000_000),
        ("1.5h", 5_400_000_000_000),
        ("2h45m30.5s", 9_930_500_000_000),
        ("10us", 10_000),
        ("10µs", 10_000),
        ("7ns", 7),
        ("0", 0),
        (".5s", 500_000_000),
    ],
)
def test_go_syntax(text: str, ns: int) -> None:
    assert parse_duration(text) == ns


@pytest.mark.parametrize("text", ["", "5", "1d", "h", "-5s", "1h 30m", "5 s", "1.2.3s", "s5"])
def test_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_param_type_is_usage_error() -> None:
    with pytest.raises(click.BadParameter):
        DURATION.convert("soon", None, None)


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["ns", "us", "ms", "s", "m", "h"]))
def test_roundtrip_units(n: int, unit: str) -> None:
    scale = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
    assert parse_duration(f"{n}{unit}") == n * scale[unit]


def test_format() -> None:
    assert format_duration(3_720_000_000_000) == "1h02m"
    assert format_duration(200_000_000_000) == "3m20s"
    assert format_duration(4_200_000_000) == "4.2s"
    assert format_duration(350_000_000) == "350ms"
    assert format_duration(12_000) == "12µs"
