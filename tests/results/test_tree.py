"""A division's path to the root: the one walk of the division tree."""

from __future__ import annotations

from saylau.results.tree import MAX_DEPTH, path_to_root

TREE: dict[str, str | None] = {
    "kz": None,
    "region:Almaty": "kz",
    "district:Almaty/Medeu": "region:Almaty",
    "001": "district:Almaty/Medeu",
    "abroad": "kz",
    "abroad:TR": "abroad",
}


def test_root_down_to_the_division() -> None:
    assert path_to_root("001", TREE) == ["kz", "region:Almaty", "district:Almaty/Medeu", "001"]
    assert path_to_root("abroad:TR", TREE) == ["kz", "abroad", "abroad:TR"]
    assert path_to_root("kz", TREE) == ["kz"]


def test_a_mapping_or_a_function_gives_the_same_walk() -> None:
    asked: list[str] = []

    def parent(d: str) -> str | None:
        asked.append(d)
        return TREE.get(d)

    assert path_to_root("001", parent) == path_to_root("001", TREE)
    assert asked == ["001", "district:Almaty/Medeu", "region:Almaty", "kz"]  # once a level


def test_an_unknown_division_is_its_own_root() -> None:
    assert path_to_root("nowhere", TREE) == ["nowhere"]
    assert path_to_root("x", {"x": "gone"}) == ["gone", "x"]


def test_a_cycle_of_parents_stops() -> None:
    path = path_to_root("a", {"a": "b", "b": "a"})
    assert len(path) == MAX_DEPTH and path[-1] == "a"
