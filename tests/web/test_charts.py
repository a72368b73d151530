"""What the server-drawn charts' axes say: each line labelled with the value it stands at."""

from __future__ import annotations

from cyberreponse.web.charts import bar_chart


def labels(maximum: float, integer: bool) -> list[str]:
    chart = bar_chart("t", [("A", maximum, "category")], maximum=maximum, integer=integer)
    return [label for _, label in chart.grid]


def test_a_count_chart_of_few_organisations_has_no_repeated_axis_labels() -> None:
    assert labels(2, integer=True) == ["0", "1", "2"]
    assert labels(1, integer=True) == ["0", "1"]


def test_larger_counts_get_about_four_whole_steps() -> None:
    assert labels(40, integer=True) == ["0", "10", "20", "30", "40"]
    assert labels(10, integer=True) == ["0", "3", "6", "9"]


def test_scores_out_of_a_hundred_keep_their_quarters() -> None:
    assert labels(100, integer=False) == ["0", "25", "50", "75", "100"]
    assert labels(3, integer=False) == ["0", "0,75", "1,5", "2,25", "3"]


def test_each_line_stands_where_its_value_is() -> None:
    chart = bar_chart("t", [("A", 2, "category")], maximum=2, integer=True)
    (zero_y, _), (one_y, _), (two_y, _) = chart.grid
    assert zero_y - one_y == one_y - two_y > 0
    assert chart.bars[0].y == two_y  # a bar of 2 reaches the line labelled 2
