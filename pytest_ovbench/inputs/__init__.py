"""What each inference is fed: generated data, data from files (benchmark_app's ``-i``) and the
feeds built from them before any loop runs. May import ``config`` and ``runtime``; never pytest.
"""
