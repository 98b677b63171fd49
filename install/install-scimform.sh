#!/usr/bin/env bash
# Installs a released scimform binary without compiling: downloads the archive for this
# machine and the release's SHA256SUMS, checks the archive against it, and unpacks the
# binary into DEST. Refuses (and installs nothing) when the checksum does not match or is
# missing. Used by action.yml; usable by hand and in other CI systems:
#
#   install/install-scimform.sh VERSION DEST
#
# VERSION is a release's version without its `v` (0.1.0). The releases are read from
# SCIMFORM_RELEASES_URL (default: the GitHub releases of SCIMFORM_REPOSITORY, OWNER/NAME),
# as ci-examples/github/release.yml publishes them: scimform-VERSION-TARGET.tar.gz
# (.zip on Windows) and SHA256SUMS.
set -euo pipefail

version=${1:?usage: install-scimform.sh VERSION DEST}
dest=${2:?usage: install-scimform.sh VERSION DEST}

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-musl ;;
  Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-musl ;;
  Darwin-x86_64) target=x86_64-apple-darwin ;;
  Darwin-arm64) target=aarch64-apple-darwin ;;
  MINGW*-x86_64 | MSYS*-x86_64 | CYGWIN*-x86_64) target=x86_64-pc-windows-msvc ;;
  *)
    echo "install-scimform: no released binary for $(uname -s) $(uname -m); install with cargo instead" >&2
    exit 1
    ;;
esac
case "$target" in
  *windows*) archive="scimform-${version}-${target}.zip" ;;
  *) archive="scimform-${version}-${target}.tar.gz" ;;
esac

if [ -n "${SCIMFORM_RELEASES_URL:-}" ]; then
  base="${SCIMFORM_RELEASES_URL%/}/v${version}"
else
  repository=${SCIMFORM_REPOSITORY:?set SCIMFORM_REPOSITORY (OWNER/NAME) or SCIMFORM_RELEASES_URL}
  base="https://github.com/${repository}/releases/download/v${version}"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl -fsSL --retry 3 -o "$work/$archive" "$base/$archive"
curl -fsSL --retry 3 -o "$work/SHA256SUMS" "$base/SHA256SUMS"

expected=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1 }' "$work/SHA256SUMS")
if [ -z "$expected" ]; then
  echo "install-scimform: SHA256SUMS of v${version} lists no ${archive}; refusing to install it" >&2
  exit 1
fi
if command -v sha256sum >/dev/null 2>&1; then
  actual=$(sha256sum "$work/$archive" | awk '{ print $1 }')
else
  actual=$(shasum -a 256 "$work/$archive" | awk '{ print $1 }')
fi
if [ "$actual" != "$expected" ]; then
  echo "install-scimform: ${archive} does not match its SHA-256 in SHA256SUMS (${actual}, expected ${expected}); refusing to install it" >&2
  exit 1
fi

mkdir -p "$work/unpacked" "$dest"
case "$archive" in
  *.zip) unzip -q "$work/$archive" -d "$work/unpacked" ;;
  *) tar -xzf "$work/$archive" -C "$work/unpacked" ;;
esac
binary=scimform
case "$target" in *windows*) binary=scimform.exe ;; esac
if [ ! -f "$work/unpacked/$binary" ]; then
  echo "install-scimform: ${archive} holds no ${binary}" >&2
  exit 1
fi
install -m 0755 "$work/unpacked/$binary" "$dest/$binary"
echo "install-scimform: scimform ${version} (${target}) installed in ${dest}, checksum verified" >&2
