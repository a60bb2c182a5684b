"""Page numbers for long lists, counted up to a cap."""

from __future__ import annotations

from django.contrib.auth.models import User

from openivan.platform.paging import CappedPaginator


def test_a_list_is_counted_up_to_its_cap_and_says_when_there_is_more(db):
    User.objects.bulk_create(User(username=f"u{n}") for n in range(7))
    everyone = User.objects.order_by("pk")
    capped = CappedPaginator(everyone, 2, cap=4)
    assert (capped.count, capped.num_pages, capped.capped) == (4, 2, True)
    assert [u.username for u in capped.get_page(99)] == ["u2", "u3"]  # the last counted page
    whole = CappedPaginator(everyone, 2, cap=7)
    assert (whole.count, whole.num_pages, whole.capped) == (7, 4, False)
