"""The case list keeps a window of pages: pages scrolled away are dropped and read again exactly."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex

from triage_desk import case_access, demo
from triage_desk.caselist import CaseFilters, CaseSort
from triage_desk.ui.case_list_model import SUBJECT, CaseListModel

N = 120


@pytest.fixture
def many(workspace):
    demo.bulk_generate(workspace, N, seed=5)
    return workspace


def _load_all(model) -> None:
    model.reload()
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())


def test_scrolling_keeps_a_window_and_rereads_dropped_pages_exactly(qtbot, many):
    expected, _ = case_access.case_page(many, CaseFilters(), CaseSort(), None, N)
    model = CaseListModel(many, page_size=10, window_pages=3, background=False)
    _load_all(model)
    assert model.rowCount() == N and model.cached_pages() == 3  # 12 pages read, 3 kept
    assert [model.row_at(i).id for i in range(N)] == [r.id for r in expected]  # top to bottom, re-read
    assert model.cached_pages() == 3
    assert [model.row_at(i).id for i in reversed(range(N))] == [r.id for r in reversed(expected)]
    shown = model.data(model.index(0, SUBJECT))
    assert shown == expected[0].subject_name


def test_a_dropped_page_read_in_the_background_repaints_when_it_arrives(qtbot, many):
    expected, _ = case_access.case_page(many, CaseFilters(), CaseSort(), None, N)
    model = CaseListModel(many, page_size=10, window_pages=2, background=False)
    _load_all(model)
    model.background = True  # as in the window: a dropped page is read off the GUI thread
    assert model.row_at(0) is None  # dropped: a blank row until the page is back
    with qtbot.waitSignal(model.dataChanged, timeout=10000) as changed:
        pass
    top, bottom = changed.args[0], changed.args[1]
    assert (top.row(), bottom.row()) == (0, 9)
    assert [model.row_at(i).id for i in range(10)] == [r.id for r in expected[:10]]
