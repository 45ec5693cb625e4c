"""The flow of one check, without pytest: measure, fetch the baseline or the reference, judge,
and keep what the verdict said. May import every core subpackage; never pytest.
"""
