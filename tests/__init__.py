"""physlit's tests, one folder per package; tests/support holds fakes, corpora and factories."""

import pytest

# conftest.py imports these helpers before pytest would load them as plugins: rewrite their asserts anyway.
pytest.register_assert_rewrite("tests.support")
