"""A waiting applicant's status read reads the same few items at any place in the queue, and
the 07:45 spike model's count of the old design is what DynamoDB reads (counted, never timed;
`make bench ARGS=spike` takes the same figures at 50,000 and 20,000 waiting)."""

from __future__ import annotations

from infra.bench.spike import measure_positions, measure_spike


def test_a_status_read_reads_the_same_few_items_at_any_place(
    aws: None, env: dict[str, str]
) -> None:
    first, middle, last = measure_positions(env, (1, 400, 800), 800)

    for cost in (first, middle, last):
        # The registration, the six counts, the minute bucket (issue 17: at most 10 and 16 KB).
        assert cost.calls == "dynamodb.BatchGetItem=1, dynamodb.Query=2"
        assert cost.items <= 10
        assert cost.bytes <= 16 * 1024
    assert last.items - first.items <= 1  # a neighbour in the minute bucket, not the queue


def test_the_spike_reads_a_fraction_of_what_counting_everyone_ahead_read(
    aws: None, env: dict[str, str]
) -> None:
    spike = measure_spike(env, waiting=600, reads=200, sample=6)

    # The model of the old count is what the count reads, item bytes and pages alike.
    assert [measured for _, measured, _ in spike.before_checked] == [
        modelled for _, _, modelled in spike.before_checked
    ]
    assert max(c.items for c in spike.sample) <= 10
    _, hottest = spike.now_hottest
    assert hottest * 5 < spike.before_units_per_second
