"""The mapping loader reads with libyaml when it can, and that changes nothing but the speed.

A file is read first with libyaml's C parser under the same limits, and, if anything is wrong
with it, again with the pure-Python reader, whose problems are reported. So for any text,
`parse_mapping` gives what the pure-Python reader alone gives: the same mapping, or the same
problems with the same lines. Hostile files are refused by the libyaml reader itself too,
quickly and without a crash, before the pure-Python reader is asked.
"""

from __future__ import annotations

import time

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mappings import config
from mappings.config import MAX_NODES, MappingError, MappingFile, parse_mapping
from tests.test_config import VALID
from tests.test_mapping_fuzz import BASES, EDITS, FUZZ, MUTATION, TREE, mutate, mutated, render
from tests.test_mapping_limits import billion_laughs


def pure(text: str) -> MappingFile | list[str]:
    """What the pure-Python reader alone makes of `text`: the mapping, or its problems."""
    try:
        return config._parse(text, "m.yaml", config._BoundedLoader)
    except MappingError as exc:
        return [str(p) for p in exc.problems]


def loaded(text: str) -> MappingFile | list[str]:
    try:
        return parse_mapping(text, "m.yaml")
    except MappingError as exc:
        return [str(p) for p in exc.problems]


def test_this_pyyaml_has_libyaml_so_the_fast_reader_is_the_one_tested():
    assert yaml.__with_libyaml__
    assert config._FAST_LOADER is not None


def test_a_valid_file_is_read_by_libyaml_alone(monkeypatch):
    def refuse(*_args):
        raise AssertionError("the pure-Python reader was asked")

    monkeypatch.setattr(config._BoundedLoader, "__init__", refuse)
    assert parse_mapping(VALID).deliverables[0].id == "checkout-v2"


@pytest.mark.parametrize("text", BASES, ids=["valid", "demo", "github", "jira", "mixed"])
def test_both_readers_make_the_same_mapping_of_every_example(text):
    assert loaded(text) == pure(text)
    assert isinstance(loaded(text), MappingFile)


def test_without_libyaml_the_pure_python_reader_reads_every_file(monkeypatch):
    by_libyaml = config._parse(VALID, "m.yaml", config._FAST_LOADER)
    monkeypatch.setattr(config, "_FAST_LOADER", None)
    read = []
    original = config._BoundedLoader.__init__

    def counted(self, text):
        read.append(text)
        original(self, text)

    monkeypatch.setattr(config._BoundedLoader, "__init__", counted)
    assert parse_mapping(VALID) == by_libyaml
    assert read == [VALID]


def test_a_tab_libyaml_would_take_for_a_space_is_refused_as_before():
    text = VALID.replace("name: Checkout v2", "name:\tCheckout v2")
    assert config._parse(text, "m.yaml", config._FAST_LOADER).deliverables  # libyaml takes it
    assert loaded(text) == pure(text)
    assert loaded(text) == [
        "(top level) (line 18): YAML syntax error: while scanning for the next token, "
        "found character '\\t' that cannot start any token"
    ]


HOSTILE = {
    "alias bomb": billion_laughs(30),
    "flow lists 5,000 deep": "x: " + "[" * 5000 + "]" * 5000 + "\n",
    "flow mappings 5,000 deep": "x: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n",
    "block lists 5,000 deep": "x:\n" + "- " * 5000 + "1\n",
    "block mappings 200 deep": "".join(" " * i + f"k{i}:\n" for i in range(200)),
    "a megabyte of [": "[" * (1024 * 1024 - 1),
    "nesting through aliases": f"a: &a {'[' * 45}1{']' * 45}\nb: {'[' * 10}*a{']' * 10}\n",
    "alias to its own parent": "version: 1\na: &a [1, *a]\n",
    "lone surrogate": VALID.replace("Europe/Berlin", "Eu\ud800"),
    "NUL": VALID.replace("Europe/Berlin", "Eu\x00"),
    "key given twice": VALID.replace("timezone: Europe/Berlin", "timezone: UTC\ntimezone: UTC"),
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_files_are_refused_by_the_libyaml_reader_itself_and_reported_as_before(text):
    started = time.perf_counter()
    with pytest.raises(Exception):  # noqa: B017 - refused one way or another, never accepted
        config._parse(text, "m.yaml", config._FAST_LOADER)
    assert time.perf_counter() - started < 1.0
    assert loaded(text) == pure(text)
    assert isinstance(loaded(text), list)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            billion_laughs(9),
            f"(top level) (line 6): aliases expand to more than {MAX_NODES} values",
        ),
        ("x:\n" + "- " * 5000 + "1\n", "(top level) (line 2): nesting deeper than 50 levels"),
        (
            f"a: &a {'[' * 45}1{']' * 45}\nb: {'[' * 10}*a{']' * 10}\n",
            "(top level) (line 2): nesting deeper than 50 levels through aliases",
        ),
        (
            "version: 1\na: &a [1, *a]\n",
            "(top level) (line 2): an alias refers to a list or mapping that contains it",
        ),
    ],
    ids=["alias bomb", "block nesting", "nesting through aliases", "alias to its parent"],
)
def test_both_readers_enforce_the_bounds_with_the_same_message(text, message):
    for loader in (config._FAST_LOADER, config._BoundedLoader):
        with pytest.raises(MappingError) as caught:
            config._parse(text, "m.yaml", loader)
        assert [str(p) for p in caught.value.problems] == [message], loader.__name__


def test_both_readers_stop_a_huge_flat_list_at_the_limit(monkeypatch):
    monkeypatch.setattr("mappings.config.MAX_NODES", 500)
    text = "x: [" + ", ".join(["1"] * 600) + "]\n"
    for loader in (config._FAST_LOADER, config._BoundedLoader):
        with pytest.raises(MappingError) as caught:
            config._parse(text, "m.yaml", loader)
        assert [str(p) for p in caught.value.problems] == [
            "(top level) (line 1): the file holds more than 500 values"
        ]


# ---- the same outcome for any text ---------------------------------------------------------


@FUZZ
@given(tree=TREE, edits=EDITS)
def test_yaml_from_the_grammar_reads_the_same_with_libyaml(tree, edits):
    top = ("map", "", [("version", ("scalar", "1")), ("x", tree)], False)
    for text in (mutate(render(top) + "\n", edits), mutate(render(tree) + "\n", edits)):
        assert loaded(text) == pure(text)


@FUZZ
@given(**MUTATION)
def test_mutated_valid_files_read_the_same_with_libyaml(base, edits, line, value):
    text = mutated(base, edits, line, value)
    assert loaded(text) == pure(text)


@FUZZ
@given(text=st.text(max_size=500))
def test_arbitrary_text_reads_the_same_with_libyaml(text):
    assert loaded(text) == pure(text)
