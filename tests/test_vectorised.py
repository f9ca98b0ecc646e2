"""NumPy's one-liner overflows where the course's check says so; the chunked form is exact."""

import pytest

from helpers.cpu.vectorised import (
    BLOCK,
    INT64_MAX,
    chunk_for,
    sum_of_squares_exact,
    sum_of_squares_int64,
)
from helpers.cpu.workloads import sum_of_squares, sum_of_squares_closed, wrong_results


def test_the_one_liner_is_right_while_the_sum_fits_and_wrong_after():
    assert sum_of_squares_int64(10**5) == sum_of_squares_closed(10**5)
    assert wrong_results([10**7], [sum_of_squares_int64(10**7)]) == [10**7]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 1_000, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 5])
def test_the_exact_form_equals_the_loop(n):
    assert sum_of_squares_exact(n) == sum_of_squares(n)


@pytest.mark.parametrize("n", [10**7, 10**7 + 19, 3 * 10**7, 10**8])
def test_the_exact_form_equals_the_closed_form_past_int64(n):
    assert sum_of_squares_closed(n) > INT64_MAX or n < 10**7
    assert sum_of_squares_exact(n) == sum_of_squares_closed(n)


def test_a_chunk_sum_always_fits_in_int64():
    for n in (2, 10**4, 10**7, 10**8, 3 * 10**9):
        assert chunk_for(n) * (n - 1) ** 2 <= INT64_MAX
    assert chunk_for(10) == BLOCK  # small numbers: one chunk per block


def test_numbers_whose_square_overflows_are_refused():
    with pytest.raises(ValueError, match="does not fit in int64"):
        chunk_for(2**32 + 1)
    with pytest.raises(ValueError, match="at least 0"):
        sum_of_squares_exact(-1)
