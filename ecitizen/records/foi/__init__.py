"""Freedom-of-information requests: asked in public, answered by agencies on a statutory clock (issue 16)."""
