"""The demo citizens' home addresses: complete (first line, town, postcode), so that services
that ask for an address can fill it in from the profile. The same homes as their property tax."""

from __future__ import annotations

DEMO_ADDRESSES = {
    "amina@example.org": ("12 River Street", "", "Riverton", "RV1 4AB"),
    "ben@example.org": ("Flat 4A", "Mill Court", "Riverton", "RV2 7DE"),
    "lucia@example.org": ("7 Orchard Lane", "", "Riverton", "RV3 1FG"),
}


def demo_address(email: str) -> dict[str, str]:
    """Profile fields of *email*'s address (only the town for someone not listed)."""
    line1, line2, town, postcode = DEMO_ADDRESSES.get(email, ("", "", "Riverton", ""))
    return {"address_line_1": line1, "address_line_2": line2, "town": town, "postcode": postcode}
