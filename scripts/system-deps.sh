#!/usr/bin/env bash
# Debian packages the project needs: gettext (compiling translations),
# libsodium (referendum cryptography, through pysodium) and chromium (browser tests). Installed when missing and we are root; otherwise
# we say what is missing and how to install it.
set -euo pipefail
missing=()
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
# (grep reads the whole list: with -q it would stop early and pipefail would count ldconfig's SIGPIPE.)
{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; } | grep -c 'libsodium\.so' >/dev/null || missing+=(libsodium23)
if [ "${SKIP_BROWSER_DEPS:-0}" != "1" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" fonts-dejavu-core >/dev/null
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  echo "(Set SKIP_BROWSER_DEPS=1 to run without the browser tests' chromium.)" >&2
  exit 1
fi
