"""A base written straight from a whole build: only when compacting it would make it again."""

from __future__ import annotations

from trialtui.search import SearchIndex


def same_arrays(one: SearchIndex, other: SearchIndex) -> bool:
    (left, left_meta), (right, right_meta) = one.arrays(), other.arrays()
    return left_meta == right_meta and left.keys() == right.keys() and all(
        left[name].dtype == right[name].dtype and left[name].tobytes() == right[name].tobytes() for name in left)


def test_a_build_in_id_order_is_its_own_compaction(api_digests):
    in_order = sorted(api_digests, key=lambda digest: digest.trial_id)
    built = SearchIndex.build(in_order)
    assert built.is_compact()
    assert same_arrays(built, built.compacted())


def test_anything_compacting_would_change_is_seen(api_digests):
    in_order = sorted(api_digests, key=lambda digest: digest.trial_id)
    assert not SearchIndex.build(in_order[::-1]).is_compact()
    assert not SearchIndex.build(in_order).is_compact(leave_out={in_order[3].trial_id})
    removed = SearchIndex.build(in_order)
    removed.remove(in_order[3].trial_id)
    assert not removed.is_compact()
    added = SearchIndex.build(in_order[:-1])
    added.add(in_order[-1])
    assert not added.is_compact()
