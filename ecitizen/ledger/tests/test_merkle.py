"""RFC 9162 hashing, proofs and the tlog-tiles layout of ecitizen.ledger.merkle (no database)."""

from __future__ import annotations

import pytest

from ecitizen.ledger import merkle

# RFC 6962 / 9162 reference leaves, as used by the Certificate Transparency test suites.
VECTOR = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
VECTOR_ROOT_8 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
MAX = 70


def leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]


def reader(hashes: list[bytes]) -> merkle.HashReader:
    def read(nodes):
        out = {}
        for level, index in nodes:
            lo, hi = index << level, (index + 1) << level
            assert hi <= len(hashes), "asked for an incomplete subtree"
            out[(level, index)] = merkle.root_of(hashes[lo:hi])
        return out

    return read


def flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 1]) + h[1:]


def test_reference_vector_root():
    assert merkle.root_of([merkle.leaf_hash(d) for d in VECTOR]).hex() == VECTOR_ROOT_8
    assert merkle.root_of([]) == merkle.EMPTY_ROOT
    assert merkle.root_of([merkle.leaf_hash(b"")]).hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )


def test_tree_hash_from_complete_subtrees_equals_root_of_every_size():
    hashes = leaves(MAX)
    for size in range(MAX + 1):
        assert merkle.tree_hash(size, reader(hashes)) == merkle.root_of(hashes[:size]), size


def test_inclusion_proofs_verify_for_every_index_and_size():
    hashes = leaves(MAX)
    read = reader(hashes)
    for size in range(1, MAX + 1):
        root = merkle.root_of(hashes[:size])
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, read)
            merkle.verify_inclusion(hashes[index], index, size, proof, root)
            with pytest.raises(merkle.ProofError):
                merkle.verify_inclusion(flip(hashes[index]), index, size, proof, root)
            with pytest.raises(merkle.ProofError):
                merkle.verify_inclusion(hashes[index], index, size, proof, flip(root))
            if proof:
                with pytest.raises(merkle.ProofError):
                    merkle.verify_inclusion(hashes[index], index, size, [*proof[:-1], flip(proof[-1])], root)
                with pytest.raises(merkle.ProofError):
                    merkle.verify_inclusion(hashes[index], index, size, proof[:-1], root)
            with pytest.raises(merkle.ProofError):
                merkle.verify_inclusion(hashes[index], index, size, [*proof, root], root)
            if size > 1:
                other = (index + 1) % size
                with pytest.raises(merkle.ProofError):
                    merkle.verify_inclusion(hashes[index], other, size, proof, root)


def test_consistency_proofs_verify_for_every_pair_of_sizes():
    hashes = leaves(MAX)
    read = reader(hashes)
    for new in range(MAX + 1):
        new_root = merkle.root_of(hashes[:new])
        for old in range(new + 1):
            old_root = merkle.root_of(hashes[:old])
            proof = merkle.consistency_proof(old, new, read)
            merkle.verify_consistency(old, new, old_root, new_root, proof)
            if 0 < old < new:
                with pytest.raises(merkle.ProofError):
                    merkle.verify_consistency(old, new, flip(old_root), new_root, proof)
                with pytest.raises(merkle.ProofError):
                    merkle.verify_consistency(old, new, old_root, flip(new_root), proof)
                for i in range(len(proof)):
                    bad = [*proof[:i], flip(proof[i]), *proof[i + 1 :]]
                    with pytest.raises(merkle.ProofError):
                        merkle.verify_consistency(old, new, old_root, new_root, bad)


def test_consistency_refuses_a_rewritten_prefix():
    hashes = leaves(20)
    rewritten = [*hashes[:3], merkle.leaf_hash(b"changed"), *hashes[4:]]
    proof = merkle.consistency_proof(10, 20, reader(rewritten))
    with pytest.raises(merkle.ProofError, match="rewritten"):
        merkle.verify_consistency(10, 20, merkle.root_of(hashes[:10]), merkle.root_of(rewritten), proof)
    with pytest.raises(merkle.ProofError, match="forked"):
        merkle.verify_consistency(20, 20, merkle.root_of(hashes), merkle.root_of(rewritten), [])


@pytest.mark.parametrize(
    ("index", "path"),
    [
        (0, "tile/0/000"),
        (7, "tile/0/007"),
        (999, "tile/0/999"),
        (1000, "tile/0/x001/000"),
        (1234067, "tile/0/x001/x234/067"),
        (10**9, "tile/0/x001/x000/x000/000"),
    ],
)
def test_tile_path_round_trip(index, path):
    assert merkle.tile_path(0, index) == path
    assert merkle.parse_tile_index(path.split("/")[2:]) == index
    assert merkle.tile_path("entries", index, 5) == path.replace("tile/0/", "tile/entries/") + ".p/5"


def test_tile_path_round_trip_property():
    for index in [*range(0, 3000, 7), *(10**k - 1 for k in range(1, 16)), *(10**k for k in range(1, 16))]:
        for width in (1, 255, 256):
            path = merkle.tile_path(3, index, width)
            groups = path.split("/")[2:]
            if width < merkle.TILE_WIDTH:
                assert groups[-1] == str(width) and groups[-2].endswith(".p")
                groups = [*groups[:-2], groups[-2][:-2]]
            assert merkle.parse_tile_index(groups) == index


@pytest.mark.parametrize("groups", [["1"], ["001", "000"], ["x000", "001"], ["0001"], ["x1", "000"], [], ["00a"]])
def test_parse_tile_index_refuses_non_canonical_paths(groups):
    with pytest.raises(ValueError):
        merkle.parse_tile_index(groups)


def _tiles(hashes: list[bytes], size: int):
    """The bottom rows of every tile of a tree of *size* leaves, as a log would store them."""

    def read_tiles(wanted):
        out = {}
        for level, index in wanted:
            width = merkle.tile_width(level, index, size)
            bottom = merkle.TILE_HEIGHT * level
            row = [
                merkle.root_of(hashes[(index * 256 + i) << bottom : (index * 256 + i + 1) << bottom])
                for i in range(width)
            ]
            out[(level, index)] = b"".join(row)
        return out

    return read_tiles


def test_proofs_from_tiles_cross_tile_levels():
    size = 600  # two complete level-8 hashes: the top of the tree comes from a level-1 tile
    hashes = leaves(size)
    read = merkle.tiles_reader(_tiles(hashes, size))
    root = merkle.root_of(hashes)
    assert merkle.tree_hash(size, read) == root
    for index in (0, 255, 256, 511, 512, 599):
        merkle.verify_inclusion(hashes[index], index, size, merkle.inclusion_proof(index, size, read), root)
    for old in (1, 256, 300, 512, 599):
        proof = merkle.consistency_proof(old, size, read)
        merkle.verify_consistency(old, size, merkle.root_of(hashes[:old]), root, proof)


def test_tile_width():
    assert merkle.tile_width(0, 0, 0) == 0
    assert merkle.tile_width(0, 0, 5) == 5
    assert merkle.tile_width(0, 0, 300) == 256
    assert merkle.tile_width(0, 1, 300) == 44
    assert merkle.tile_width(1, 0, 300) == 1
    assert merkle.tile_width(1, 0, 255) == 0


def test_entry_bundle_round_trip():
    entries = [b"", b"a", "é".encode() * 100, b"x" * 0xFFFF]
    assert merkle.parse_entry_bundle(merkle.entry_bundle(entries)) == entries
    with pytest.raises(ValueError):
        merkle.parse_entry_bundle(merkle.entry_bundle([b"abc"])[:-1])
    with pytest.raises(ValueError):
        merkle.entry_bundle([b"x" * 0x10000])


def test_agrees_with_pymerkle():
    import pymerkle  # a requirement: the test must run, never skip

    # pymerkle's default hashing (security on) prefixes leaves with 0x00 and nodes with 0x01, as RFC 9162.
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    datas = [f"entry {i}".encode() for i in range(MAX)]
    hashes = [merkle.leaf_hash(d) for d in datas]
    read = reader(hashes)
    assert tree.get_root(0) == merkle.EMPTY_ROOT
    for size, data in enumerate(datas, 1):
        tree.append_entry(data)
        assert tree.get_root() == merkle.root_of(hashes[:size]) == merkle.tree_hash(size, read)
    for size in range(1, MAX + 1):
        for index in range(size):
            theirs = tree.prove_inclusion(index + 1, size).path  # pymerkle counts leaves from 1
            assert theirs[0] == hashes[index]
            assert theirs[1:] == merkle.inclusion_proof(index, size, read), (index, size)
