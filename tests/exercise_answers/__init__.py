"""The data that tests each notebook's self-checks: one module per notebook, named like its checks.

tests/test_exercises.py runs the tests, written once; the convention is in tests/solutions.py.
"""
