import pytest

from helpers.cpu.workloads import (
    ARTICLE_START,
    article_numbers,
    check_closed_form,
    sum_of_squares,
    sum_of_squares_closed,
    wrong_results,
)


def test_article_numbers_are_twenty_from_ten_million():
    numbers = article_numbers()
    assert numbers == [10_000_000 + x for x in range(20)]


def test_closed_form_equals_the_sum_for_small_n():
    for n in range(201):
        assert sum_of_squares_closed(n) == sum_of_squares(n), n


@pytest.mark.parametrize("n", [1_000, 65_537, 1_000_003])
def test_closed_form_equals_the_sum_for_bigger_n(n):
    assert sum_of_squares_closed(n) == sum_of_squares(n)


def test_closed_form_equals_the_sum_for_the_first_article_number():
    check_closed_form([ARTICLE_START])


def test_the_article_sums_overflow_int64():
    # So a numpy int64 sum would wrap around; Python ints stay exact.
    assert sum_of_squares_closed(10**7) > 2**63 - 1


def test_check_closed_form_passes_on_small_numbers():
    check_closed_form(article_numbers(5, 1_000))


def test_closed_form_rejects_negative_n():
    with pytest.raises(ValueError, match="n must be at least 0, got -1"):
        sum_of_squares_closed(-1)


def test_wrong_results_names_the_wrong_numbers():
    numbers = [3, 4, 5]
    results = [sum_of_squares(3), 0, sum_of_squares(5)]
    assert wrong_results(numbers, results) == [4]
    assert wrong_results(numbers, [sum_of_squares(n) for n in numbers]) == []


def test_wrong_results_rejects_missing_results():
    with pytest.raises(ValueError, match="got 2 results for 3 numbers"):
        wrong_results([3, 4, 5], [5, 14])
