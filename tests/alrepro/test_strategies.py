"""strategies: a template every registered strategy must pass (scikit-activeml style), then per-strategy tests.

The template is parametrised over ``STRATEGIES``, so a newly registered strategy is covered automatically.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alrepro.errors import AlreproError
from alrepro.strategies import (
    COLD_START_LABELS,
    CORESET_GREEDY_BLOCK,
    STRATEGIES,
    QueryInput,
    badge,
    coreset,
    density_weighted,
    entropy,
    get_strategy,
    least_confidence,
    margin,
    naive,
    probcover,
    probcover_lc,
    qbc_kl,
    qbc_vote_entropy,
    random,
    select,
    top_k,
)

NAMES = sorted(STRATEGIES)


def make_query(n=40, *, n_labeled=10, n_classes=2, members=3, d=6, seed=0, ties=True) -> QueryInput:
    """A complete input (probabilities, embeddings, committee) so any strategy can run; with ``ties``
    the probabilities take few distinct values, so tie-breaking is exercised."""
    rng = np.random.default_rng(seed)
    if ties:
        raw = rng.integers(1, 5, size=(n, n_classes)).astype(float)
    else:
        raw = rng.random((n, n_classes)) + 0.01
    proba = raw / raw.sum(axis=1, keepdims=True)
    committee = rng.random((members, n, n_classes)) + 0.01
    committee /= committee.sum(axis=2, keepdims=True)
    labeled = np.zeros(n, dtype=bool)
    labeled[rng.permutation(n)[:n_labeled]] = True
    return QueryInput(
        proba=proba,
        labeled=labeled,
        row_ids=rng.permutation(n).astype(np.int64) * 3 + 1000,
        embeddings=rng.normal(size=(n, d)),
        committee_proba=committee,
        seed=seed,
    )


def unlabeled(q: QueryInput) -> np.ndarray:
    return np.flatnonzero(~q.labeled)


# ---------------------------------------------------------------------------------------------- template


@pytest.fixture(params=NAMES)
def spec(request):
    return STRATEGIES[request.param]


def test_registry_entries_are_consistent(spec):
    assert get_strategy(spec.name) is spec
    assert spec.fn is spec.function and callable(spec.function)


def test_same_input_same_ranking_regardless_of_global_state(spec):
    q = make_query()
    np.random.seed(0)
    a = spec.function(q)
    np.random.seed(12345)
    np.random.random(100)
    b = spec.function(make_query())
    assert a.dtype == np.int64
    np.testing.assert_array_equal(a, b)


def test_ranking_is_a_permutation_of_exactly_the_unlabeled_rows(spec):
    q = make_query()
    r = spec.function(q)
    assert len(r) == len(unlabeled(q))
    np.testing.assert_array_equal(np.sort(r), unlabeled(q))
    assert not q.labeled[r].any()


def test_input_is_not_modified(spec):
    q = make_query()
    before = {f.name: np.copy(getattr(q, f.name)) for f in dataclasses.fields(q)}
    spec.function(q)
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(q, name), value)


@pytest.mark.parametrize("k", [0, 1, 7, 30, 31, 1000])
def test_batch_is_a_prefix_of_the_ranking(spec, k):
    q = make_query()
    ranking = spec.function(q)
    batch = top_k(spec.name, q, k)
    np.testing.assert_array_equal(batch, ranking[:k])
    np.testing.assert_array_equal(top_k(spec, q, k), batch)
    np.testing.assert_array_equal(select(ranking, k), batch)
    assert len(batch) == min(k, 30)  # a pool smaller than k: everything left, no error


def test_partial_top_k_is_the_full_rankings_prefix_ties_included():
    """The partial sort keeps every row tied at the k-th score, so ties across the boundary, equal row ids
    (then position) and secondary scores come out as the full sort puts them."""
    rng = np.random.default_rng(7)
    n = 5000
    p1 = rng.integers(0, 9, size=n) / 8.0  # nine distinct scores: every boundary falls inside a tie group
    q = dataclasses.replace(
        binary_query(p1, row_ids=rng.integers(0, 600, size=n), labeled=rng.random(n) < 0.3),
        committee_proba=np.stack([np.column_stack([1 - c, c]) for c in rng.integers(0, 5, size=(3, n)) / 4.0]),
    )
    partial = [spec for spec in STRATEGIES.values() if spec.partial]
    assert {s.name for s in partial} >= {"least_confidence", "margin", "entropy", "qbc_kl", "qbc_vote_entropy"}
    for spec in partial:
        if spec.needs_embeddings:
            continue
        full = spec.function(q)
        for k in (0, 1, 99, 100, 101, 1234, full.size - 1, full.size, full.size + 5):
            np.testing.assert_array_equal(spec.top_k(q, k), full[:k], err_msg=f"{spec.name} k={k}")


def test_empty_pool_gives_an_empty_ranking(spec):
    q = dataclasses.replace(make_query(), labeled=np.ones(40, dtype=bool))
    r = spec.function(q)
    assert r.dtype == np.int64 and r.shape == (0,)
    assert top_k(spec.name, q, 5).shape == (0,)


def test_nothing_labeled_ranks_every_row(spec):
    q = make_query(n_labeled=0)
    np.testing.assert_array_equal(np.sort(spec.function(q)), np.arange(40))


def test_missing_requirements_raise_clearly(spec):
    q = make_query()
    needs = {"proba": spec.needs_proba, "embeddings": spec.needs_embeddings, "committee_proba": spec.needs_committee}
    for field, needed in needs.items():
        stripped = dataclasses.replace(q, **{field: None})
        if needed:
            with pytest.raises(AlreproError, match=field.split("_")[0]):
                spec.function(stripped)
        else:
            spec.function(stripped)  # fields a strategy does not need may be absent
    minimal = QueryInput(proba=None, labeled=q.labeled, row_ids=q.row_ids)
    if not (spec.needs_proba or spec.needs_embeddings or spec.needs_committee):
        spec.function(minimal)


def test_malformed_input_raises(spec):
    q = make_query()
    with pytest.raises(AlreproError, match="labeled"):
        spec.function(dataclasses.replace(q, labeled=q.labeled.astype(int)))
    with pytest.raises(AlreproError, match="row_ids"):
        spec.function(dataclasses.replace(q, row_ids=q.row_ids[:-1]))
    if spec.needs_proba:
        bad = q.proba.copy()
        bad[3, 0] = np.nan
        with pytest.raises(AlreproError, match="NaN"):
            spec.function(dataclasses.replace(q, proba=bad))
        with pytest.raises(AlreproError, match="shape"):
            spec.function(dataclasses.replace(q, proba=q.proba[:, :1]))
    if spec.needs_embeddings:
        with pytest.raises(AlreproError, match="shape"):
            spec.function(dataclasses.replace(q, embeddings=q.embeddings[:-1]))
    if spec.needs_committee:
        with pytest.raises(AlreproError, match="shape"):
            spec.function(dataclasses.replace(q, committee_proba=q.committee_proba[0]))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 30),
    n_labeled=st.integers(0, 30),
    n_classes=st.integers(2, 4),
    seed=st.integers(0, 2**16),
    ties=st.booleans(),
    k=st.integers(0, 35),
)
@example(n=4, n_labeled=0, n_classes=2, seed=0, ties=True, k=0)  # probcover once linked a pair one way only
def test_template_properties_hold_for_random_inputs(n, n_labeled, n_classes, seed, ties, k):
    """Any number of classes k >= 2: every strategy still returns a full, reproducible ranking."""
    q = make_query(n, n_labeled=min(n_labeled, n), n_classes=n_classes, seed=seed, ties=ties)
    for spec in STRATEGIES.values():
        r = spec.function(q)
        np.testing.assert_array_equal(np.sort(r), unlabeled(q))
        np.testing.assert_array_equal(top_k(spec, q, k), r[:k])
        np.testing.assert_array_equal(spec.function(q), r)


def test_precomputed_inner_products_give_the_same_ranking(spec):
    """Integer embeddings make every inner product exact, so the gram path and the direct path must agree."""
    q = make_query(ties=False)
    E = np.random.default_rng(3).integers(-3, 4, size=q.embeddings.shape).astype(float)
    q = dataclasses.replace(q, embeddings=E)
    with_gram = dataclasses.replace(q, gram=E @ E.T)
    np.testing.assert_array_equal(spec.function(with_gram), spec.function(q))
    if spec.needs_embeddings:
        with pytest.raises(AlreproError, match="gram"):
            spec.function(dataclasses.replace(q, gram=np.zeros((3, 3))))


# ---------------------------------------------------------------------------------------------- registry


def test_unknown_strategy_lists_valid_names():
    with pytest.raises(AlreproError, match="least_confidence") as info:
        get_strategy("uncertainty")
    for name in NAMES:
        assert name in str(info.value)


def test_negative_batch_is_refused():
    with pytest.raises(AlreproError, match=">= 0"):
        select(np.arange(3), -1)


def test_registry_flags():
    assert not STRATEGIES["naive"].needs_proba and not STRATEGIES["random"].needs_proba
    assert STRATEGIES["least_confidence"].needs_proba
    assert STRATEGIES["coreset"].needs_embeddings and not STRATEGIES["coreset"].needs_proba
    assert STRATEGIES["density_weighted"].needs_embeddings and STRATEGIES["density_weighted"].needs_proba
    assert STRATEGIES["qbc_kl"].needs_committee and STRATEGIES["qbc_vote_entropy"].needs_committee
    assert STRATEGIES["badge"].needs_proba and STRATEGIES["badge"].needs_embeddings and STRATEGIES["badge"].pairwise
    assert STRATEGIES["probcover"].needs_embeddings and not STRATEGIES["probcover"].needs_proba
    assert STRATEGIES["probcover_lc"].needs_proba and STRATEGIES["coreset"].pairwise
    # partial: sorts only the batch; the greedy strategies (core-set, BADGE, ProbCover) rank the whole pool
    assert STRATEGIES["least_confidence"].partial and STRATEGIES["density_weighted"].partial
    assert not any(STRATEGIES[name].partial for name in ("coreset", "badge", "probcover", "random", "naive"))


# ---------------------------------------------------------------------------------------------- specific


def binary_query(p1, row_ids=None, labeled=None) -> QueryInput:
    p1 = np.asarray(p1, dtype=float)
    n = len(p1)
    return QueryInput(
        proba=np.column_stack([1 - p1, p1]),
        labeled=np.zeros(n, dtype=bool) if labeled is None else labeled,
        row_ids=np.arange(n, dtype=np.int64) if row_ids is None else np.asarray(row_ids, dtype=np.int64),
    )


def test_least_confidence_picks_p_half_first():
    q = binary_query([0.9, 0.2, 0.5, 0.7, 0.01])
    np.testing.assert_array_equal(least_confidence(q), [2, 3, 1, 0, 4])


def test_identical_scores_break_ties_by_row_id():
    # dyadic values, so 1 - 0.75 == 0.25 exactly (1 - 0.7 != 0.3: last-ulp differences are not ties)
    q = binary_query([0.25, 0.75, 0.25, 0.75, 0.5], row_ids=[50, 40, 30, 20, 99])
    # 0.5 first; then the four rows at |p - 0.5| = 0.25, in row-id order 20, 30, 40, 50
    for fn in (least_confidence, margin, entropy):
        np.testing.assert_array_equal(fn(q), [4, 3, 2, 1, 0])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 64), min_size=1, max_size=40), st.randoms(use_true_random=False))
def test_binary_uncertainty_measures_agree(grid, rnd):
    """Two classes: least confidence, margin and entropy are all monotone in |p1 - 1/2|, so the rankings
    (ties included) coincide. Dyadic probabilities keep every score exact."""
    p1 = np.array(grid) / 64.0
    ids = list(range(len(p1)))
    rnd.shuffle(ids)
    q = binary_query(p1, row_ids=ids)
    lc = least_confidence(q)
    np.testing.assert_array_equal(margin(q), lc)
    np.testing.assert_array_equal(entropy(q), lc)


def test_margin_and_entropy_differ_from_least_confidence_with_three_classes():
    proba = np.array([[0.5, 0.49, 0.01], [0.4, 0.3, 0.3], [0.34, 0.33, 0.33]])
    q = QueryInput(proba=proba, labeled=np.zeros(3, bool), row_ids=np.arange(3, dtype=np.int64))
    np.testing.assert_array_equal(least_confidence(q), [2, 1, 0])
    np.testing.assert_array_equal(margin(q), [0, 2, 1])  # gaps 0.01, 0.1, 0.01 -> tie 0 vs 2 by row id
    np.testing.assert_array_equal(entropy(q), [2, 1, 0])
    assert entropy(QueryInput(proba=np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]]), labeled=np.zeros(2, bool),
                              row_ids=np.arange(2, dtype=np.int64)))[0] == 1  # 0 log 0 = 0, no NaN


def test_naive_is_file_order():
    labeled = np.array([False, True, False, False, True, False])
    q = QueryInput(proba=None, labeled=labeled, row_ids=np.array([5, 0, 3, 1, 2, 4], dtype=np.int64))
    np.testing.assert_array_equal(naive(q), [3, 2, 5, 0])  # row ids 1, 3, 4, 5


def test_random_is_reproducible_differs_by_seed_and_is_consistent_across_rounds():
    n = 200
    q = QueryInput(proba=None, labeled=np.zeros(n, bool), row_ids=np.arange(n, dtype=np.int64), seed=4)
    a = random(q)
    np.testing.assert_array_equal(a, random(q))
    assert not np.array_equal(a, random(dataclasses.replace(q, seed=5)))
    assert not np.array_equal(a, np.arange(n))
    # after labelling the first batch, the order of the rest is unchanged
    labeled = np.zeros(n, bool)
    labeled[a[:50]] = True
    np.testing.assert_array_equal(random(dataclasses.replace(q, labeled=labeled)), a[50:])


def test_qbc_prefers_disagreement():
    agree = [[0.9, 0.1], [0.8, 0.2], [0.85, 0.15]]
    split = [[0.9, 0.1], [0.1, 0.9], [0.6, 0.4]]
    mild = [[0.6, 0.4], [0.4, 0.6], [0.55, 0.45]]
    committee = np.array([agree, split, mild]).transpose(1, 0, 2)  # (members, rows, classes)
    q = QueryInput(proba=None, labeled=np.zeros(3, bool), row_ids=np.arange(3, dtype=np.int64),
                   committee_proba=committee)
    assert qbc_kl(q)[0] == 1 and qbc_kl(q)[-1] == 0
    # vote entropy: rows 1 and 2 both split 2-1; the tie goes to the higher consensus entropy (row 2)
    np.testing.assert_array_equal(qbc_vote_entropy(q), [2, 1, 0])


def test_qbc_identical_members_tie_by_row_id():
    member = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])
    q = QueryInput(proba=None, labeled=np.zeros(3, bool), row_ids=np.array([2, 0, 1], dtype=np.int64),
                   committee_proba=np.stack([member] * 4))
    np.testing.assert_array_equal(qbc_kl(q), [1, 2, 0])  # KL all zero: row-id order


def test_coreset_picks_far_clusters_first():
    rng = np.random.default_rng(0)
    near = rng.normal(0, 0.1, size=(20, 3))
    far_a = rng.normal(0, 0.1, size=(5, 3)) + [10, 0, 0]
    far_b = rng.normal(0, 0.1, size=(5, 3)) + [0, -10, 0]
    E = np.vstack([near, far_a, far_b])
    labeled = np.zeros(30, bool)
    labeled[:10] = True
    q = QueryInput(proba=None, labeled=labeled, row_ids=np.arange(30, dtype=np.int64), embeddings=E)
    r = coreset(q)
    assert {int(r[0]) // 5, int(r[1]) // 5} == {4, 5}  # one point from each far cluster first
    dist = lambda i: np.linalg.norm(E[labeled] - E[i], axis=1).min()  # noqa: E731
    assert r[0] == max(range(10, 30), key=dist)


def test_coreset_beyond_the_greedy_block_is_ordered_by_distance():
    rng = np.random.default_rng(1)
    n = CORESET_GREEDY_BLOCK + 60
    E = rng.normal(size=(n, 4))
    labeled = np.zeros(n, bool)
    labeled[:5] = True
    q = QueryInput(proba=None, labeled=labeled, row_ids=np.arange(n, dtype=np.int64), embeddings=E)
    r = coreset(q)
    chosen = np.concatenate([np.flatnonzero(labeled), r[:CORESET_GREEDY_BLOCK]])
    rest = r[CORESET_GREEDY_BLOCK:]
    d = np.array([np.linalg.norm(E[chosen] - E[i], axis=1).min() for i in rest])
    assert (np.diff(d) <= 1e-9).all()


def test_coreset_without_labels_starts_near_the_mean():
    E = np.array([[3.0, 3.0], [5.0, 5.0], [1.0, 1.0], [-5.0, -5.0]])  # mean (1, 1) = row 2
    q = QueryInput(proba=None, labeled=np.zeros(4, bool), row_ids=np.arange(4, dtype=np.int64), embeddings=E)
    np.testing.assert_array_equal(coreset(q), [2, 3, 1, 0])  # then farthest-first: -5, 5, 3
    # two rows equally near the mean: the smaller row id starts
    E2 = np.array([[0.0, 0.0], [5.0, 5.0], [1.0, 1.0], [-4.0, -4.0]])  # mean (0.5, 0.5)
    q2 = dataclasses.replace(q, embeddings=E2, row_ids=np.array([9, 8, 7, 6], dtype=np.int64))
    assert coreset(q2)[0] == 2


def test_density_weighting_prefers_dense_rows_at_equal_uncertainty():
    E = np.array([[1.0, 0.0], [0.99, 0.1], [1.0, 0.05], [0.0, 1.0]])
    q = QueryInput(proba=np.full((4, 2), 0.5), labeled=np.zeros(4, bool),
                   row_ids=np.arange(4, dtype=np.int64), embeddings=E)
    r = density_weighted(q)
    assert r[-1] == 3  # the outlier, despite the same uncertainty
    # beta = 0 is plain least confidence
    q2 = make_query(ties=False)
    np.testing.assert_array_equal(density_weighted(q2, beta=0.0), least_confidence(q2))


def test_density_matches_the_pairwise_definition():
    """x_hat_i . mean(x_hat_pool) equals the mean of the pairwise cosine similarities to the pool."""
    q = make_query(ties=False)
    E = q.embeddings
    unit = E / np.linalg.norm(E, axis=1, keepdims=True)
    pool = ~q.labeled
    cos = unit @ unit[pool].T
    density = (1 + cos.mean(axis=1)) / 2
    score = (1 - q.proba.max(axis=1)) * density
    cand = np.flatnonzero(pool)
    expected = cand[np.lexsort((q.row_ids[cand], -score[cand]))]
    np.testing.assert_array_equal(density_weighted(q), expected)


def test_badge_starts_with_the_largest_gradient_and_spreads_out():
    # two tight groups far apart: the first seed is the largest gradient, the second lands in the other group
    rng = np.random.default_rng(4)
    E = np.vstack([rng.normal(0, 0.01, (5, 3)) + [5, 0, 0], rng.normal(0, 0.01, (5, 3)) + [0, 6, 0]])
    p1 = np.r_[np.full(5, 0.5), np.full(5, 0.4)]
    q = QueryInput(proba=np.column_stack([1 - p1, p1]), labeled=np.zeros(10, bool),
                   row_ids=np.arange(10, dtype=np.int64), embeddings=E, seed=1)
    r = badge(q)
    a = np.column_stack([1 - p1, p1]) - np.eye(2)[(p1 > 0.5).astype(int)]
    g = np.einsum("ij,ij->i", a, a) * (np.einsum("ij,ij->i", E, E) + 1)
    assert r[0] == int(np.argmax(g))
    assert {int(r[0]) // 5, int(r[1]) // 5} == {0, 1}
    for seed in range(5):
        again = badge(dataclasses.replace(q, seed=seed))
        assert {int(again[0]) // 5, int(again[1]) // 5} == {0, 1}
    np.testing.assert_array_equal(badge(q), r)


def test_badge_gradient_scales_for_three_classes():
    from alrepro.strategies.badge import gradient_scales

    a = gradient_scales(np.array([[0.2, 0.5, 0.3], [1 / 3, 1 / 3, 1 / 3]]))
    np.testing.assert_allclose(a, [[0.2, -0.5, 0.3], [-2 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(a.sum(axis=1), 0.0, atol=1e-12)


def test_probcover_covers_dense_regions_first_and_skips_covered_ones():
    rng = np.random.default_rng(5)
    dense = rng.normal(0, 0.05, (30, 2))
    mid = rng.normal(0, 0.05, (10, 2)) + [3, 0]
    lone = np.array([[0.0, 6.0]])
    E = np.vstack([dense, mid, lone])
    q = QueryInput(proba=None, labeled=np.zeros(41, bool), row_ids=np.arange(41, dtype=np.int64), embeddings=E)
    r = probcover(q)
    assert r[0] < 30 and 30 <= r[1] < 40  # the largest uncovered ball first, then the next region
    labeled = np.zeros(41, bool)
    labeled[0] = True  # the dense region is covered by a labelled row: it no longer comes first
    assert not probcover(dataclasses.replace(q, labeled=labeled))[0] < 30


def test_probcover_lc_switches_to_least_confidence_after_the_cold_start():
    n = COLD_START_LABELS + 50
    rng = np.random.default_rng(6)
    p1 = rng.random(n)
    labeled = np.zeros(n, bool)
    q = QueryInput(proba=np.column_stack([1 - p1, p1]), labeled=labeled, row_ids=np.arange(n, dtype=np.int64),
                   embeddings=rng.normal(size=(n, 4)))
    np.testing.assert_array_equal(probcover_lc(q), probcover(q))
    labeled = labeled.copy()
    labeled[:COLD_START_LABELS] = True
    q2 = dataclasses.replace(q, labeled=labeled)
    np.testing.assert_array_equal(probcover_lc(q2), least_confidence(q2))


def test_seals_candidates_are_the_labelled_rows_nearest_neighbours():
    from alrepro.strategies.seals import seals_candidates

    rng = np.random.default_rng(4)
    E = rng.integers(-3, 4, size=(300, 5)).astype(float)  # integer rows: many exact distance ties
    labeled = np.zeros(300, dtype=bool)
    labeled[rng.choice(300, 6, replace=False)] = True
    q = QueryInput(proba=None, labeled=labeled, row_ids=np.arange(300), embeddings=E)
    want = np.zeros(300, dtype=bool)
    for j in np.flatnonzero(labeled):
        d2 = ((E - E[j]) ** 2).sum(axis=1)
        d2[j] = np.inf
        want |= d2 <= np.sort(d2)[9]  # the 10 nearest, and every row tied with the 10th
    got = seals_candidates(q, k=10)
    np.testing.assert_array_equal(got, want & ~labeled)
    np.testing.assert_array_equal(seals_candidates(dataclasses.replace(q, gram=E @ E.T), k=10), got)


@pytest.mark.parametrize("name", ["coreset_seals", "badge_seals"])
def test_seals_strategies_rank_the_neighbours_first_then_the_rest_by_row_id(name):
    from alrepro.strategies.seals import seals_candidates

    q = make_query(400, n_labeled=2, d=4, ties=False)
    near = seals_candidates(q)
    assert 0 < near.sum() < 398
    ranking = STRATEGIES[name].function(q)
    head, tail = ranking[: near.sum()], ranking[near.sum() :]
    assert near[head].all() and not near[tail].any()
    assert (np.diff(q.row_ids[tail]) > 0).all()
    plain = {"coreset_seals": coreset, "badge_seals": badge}[name]
    np.testing.assert_array_equal(head, plain(q, candidates=near))
