"""The benchmark (`make bench`): what the service costs as its work grows, one line per figure.

Counts (calls, items read) come from botocore's events, so they do not depend on the machine;
times are regression figures for this machine. docs/performance.md records them.
"""
