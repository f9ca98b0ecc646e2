"""The benchmarks behind `python -m helpers.bench cpu|io`: runners, reports and command line."""
