"""Item analysis against hand-computed values, and every flag at and across its threshold."""

import math
import random
import statistics

import pytest

from bot.core.item_analysis import (
    MIN_ANSWERS,
    ItemStats,
    MemberResponse,
    OptionStats,
    analyse,
    flags,
    groups_from_members,
    severity,
)


def member(choice: int, key: int, rest: float | None) -> MemberResponse:
    """A member whose accuracy on 20 other questions is ``rest`` (None: answered nothing else)."""
    if rest is None:
        return MemberResponse(choice, choice == key, 0, 0)
    return MemberResponse(choice, choice == key, 20, round(20 * rest))


FOUR = [member(0, 0, 1.0), member(0, 0, 0.5), member(1, 0, 0.5), member(2, 0, 0.0)]


def stats_of(rows: list[MemberResponse], choices: int = 4, key: int = 0) -> ItemStats:
    ranked = sorted((r.rest for r in rows if r.rest is not None), reverse=True)
    k = sum(1 for r in rows if r.correct and r.rest is not None)
    return analyse("q", choices, key, groups_from_members(rows), top_rest_sum=sum(ranked[:k]))


def test_facility_is_the_share_right():
    """Two of four right: facility 0.5, right 2, answered 4."""
    s = stats_of(FOUR)
    assert (s.answered, s.right, s.facility) == (4, 2, 0.5)


def test_discrimination_by_hand():
    """x = 1,1,0,0 against rest 1, .5, .5, 0: cov 1/6, var x 1/3, var rest 1/6, r = sqrt(18)/6."""
    assert stats_of(FOUR).discrimination == pytest.approx(math.sqrt(18) / 6)


def test_option_point_biserials_by_hand():
    """The key shares the item's r; B (rest .5 = the mean) has r 0; C (the weakest member) -sqrt(2/3)."""
    options = stats_of(FOUR).options
    assert options[0].point_biserial == pytest.approx(math.sqrt(18) / 6)
    assert options[1].point_biserial == pytest.approx(0.0, abs=1e-12)
    assert options[2].point_biserial == pytest.approx(-math.sqrt(2 / 3))
    assert options[3].count == 0 and options[3].point_biserial is None
    assert [o.share for o in options] == [0.5, 0.25, 0.25, 0.0]
    assert [o.key for o in options] == [True, False, False, False]


def test_efficiency_is_one_when_the_right_ones_are_the_strongest_ties_included():
    """Ties at .5 between a right and a wrong member still pair at the maximum covariance."""
    assert stats_of(FOUR).efficiency == pytest.approx(1.0)


def test_efficiency_below_one_when_a_weak_member_is_right():
    """x = 1,0,1,0 against rest .9,.8,.1,0: covariance .1 of the .8 that sorting both would give."""
    rows = [member(0, 0, 0.9), member(1, 0, 0.8), member(0, 0, 0.1), member(1, 0, 0.0)]
    # mean rest .45: right 1.0 - 2 * .45 = .1; the two best 1.7 - .9 = .8; .1 / .8 = .125
    assert stats_of(rows).efficiency == pytest.approx(0.125)


def test_matches_pearson_on_a_random_table():
    """On a random table every point-biserial equals statistics.correlation of the indicator and the rest."""
    rng = random.Random(3)
    rows = [MemberResponse(rng.randrange(4), False, 10, rng.randrange(11)) for _ in range(200)]
    rows = [MemberResponse(r.choice, r.choice == 1, r.other_answered, r.other_correct) for r in rows]
    s = stats_of(rows, key=1)
    rest = [r.rest or 0.0 for r in rows]
    assert s.discrimination == pytest.approx(statistics.correlation([float(r.correct) for r in rows], rest))
    for option in s.options:
        indicator = [float(r.choice == option.choice) for r in rows]
        assert option.point_biserial == pytest.approx(statistics.correlation(indicator, rest))


def test_everyone_right_has_no_discrimination():
    """A question everyone gets right: facility 1, discrimination undefined (no variance), no crash."""
    s = stats_of([member(0, 0, r) for r in (0.2, 0.5, 0.9)])
    assert s.facility == 1.0 and s.discrimination is None and s.efficiency is None


def test_a_single_answer():
    """One answer: facility 0 or 1, every correlation undefined."""
    s = stats_of([member(2, 0, 0.7)])
    assert (s.answered, s.facility, s.discrimination) == (1, 0.0, None)
    assert all(o.point_biserial is None for o in s.options)


def test_no_answers():
    s = analyse("q", 4, 0, [])
    assert (s.answered, s.facility, s.discrimination) == (0, None, None)


def test_members_without_other_answers_count_for_facility_only():
    """A member who answered nothing else has no rest score: in the counts, not in the correlation."""
    with_newcomer = stats_of([*FOUR, member(3, 0, None)])
    assert with_newcomer.answered == 5 and with_newcomer.options[3].count == 1
    assert with_newcomer.discrimination == pytest.approx(math.sqrt(18) / 6)


def test_equal_rest_scores_give_no_discrimination():
    """Everyone equally strong elsewhere: the rest score has no variance, r is undefined."""
    assert stats_of([member(0, 0, 0.5), member(1, 0, 0.5)]).discrimination is None


# -- flags ----------------------------------------------------------------------------------------------------


def item(
    *,
    answered: int = 100,
    facility: float = 0.6,
    discrimination: float | None = 0.5,
    shares: tuple[float, ...] = (0.6, 0.2, 0.1, 0.1),
    pbis: tuple[float | None, ...] = (0.5, -0.2, -0.2, -0.2),
    key: int = 0,
) -> ItemStats:
    options = tuple(
        OptionStats(i, i == key, round(answered * share), share, pb)
        for i, (share, pb) in enumerate(zip(shares, pbis, strict=True))
    )
    return ItemStats(
        "q", len(shares), key, answered, round(answered * facility), facility, discrimination, None, options
    )


def codes(stats: ItemStats) -> list[tuple[str, int | None]]:
    return [(f.code, f.choice) for f in flags(stats)]


def test_a_good_item_has_no_flags():
    assert codes(item()) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-0.01, [("negative_discrimination", None)]),
        (0.0, [("low_discrimination", None)]),
        (0.2999, [("low_discrimination", None)]),
        (0.30, []),
        (None, []),
    ],
)
def test_discrimination_thresholds(value, expected):
    """Below 0: strong members get it wrong; 0 up to (not incl.) 0.30: needs checking."""
    assert codes(item(discrimination=value)) == expected


@pytest.mark.parametrize(("facility", "flagged"), [(0.25, True), (0.2501, False), (0.1, True)])
def test_worse_than_guessing_at_the_chance_score(facility, flagged):
    """Four choices: chance is 1/4; facility at or below it is flagged."""
    assert (("worse_than_guessing", None) in codes(item(facility=facility))) is flagged


def test_chance_follows_the_number_of_choices():
    three = item(facility=1 / 3, shares=(1 / 3, 1 / 3, 1 / 3), pbis=(0.5, -0.1, -0.1))
    assert ("worse_than_guessing", None) in codes(three)


@pytest.mark.parametrize(("share", "flagged"), [(0.0499, True), (0.05, False), (0.0, True)])
def test_idle_distractor_under_five_percent(share, flagged):
    stats = item(shares=(0.6, 0.3, 0.1 - share, share))
    assert (("idle_distractor", 3) in codes(stats)) is flagged


def test_the_key_is_never_an_idle_distractor():
    stats = item(facility=0.01, shares=(0.01, 0.49, 0.25, 0.25), discrimination=0.5)
    assert ("idle_distractor", 0) not in codes(stats)


@pytest.mark.parametrize(("value", "flagged"), [(0.001, True), (0.0, False), (-0.3, False), (None, False)])
def test_attractive_distractor_with_a_positive_point_biserial(value, flagged):
    stats = item(pbis=(0.5, value, -0.2, -0.2))
    assert (("attractive_distractor", 1) in codes(stats)) is flagged


@pytest.mark.parametrize(("answered", "judged"), [(MIN_ANSWERS - 1, False), (MIN_ANSWERS, True)])
def test_too_few_answers_are_not_judged(answered, judged):
    """Below 30 first answers: figures but no flags."""
    stats = item(answered=answered, discrimination=-0.5)
    assert stats.judged is judged
    assert bool(flags(stats)) is judged


def test_severity_orders_a_miskeyed_item_above_an_idle_distractor():
    miskeyed = flags(item(discrimination=-0.4, pbis=(-0.4, 0.3, -0.2, -0.2)))
    idle = flags(item(shares=(0.6, 0.3, 0.09, 0.01)))
    assert severity(miskeyed, 0) > severity(idle, 0) > severity((), 0) == 0
    assert severity((), 1) > 0
