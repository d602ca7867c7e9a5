#!/bin/sh
# make deb: builds the Debian packages (chat, chat-devmongod and their
# -dbgsym) from this tree with debhelper, then checks them with lintian.
#   deb.sh OUT_DIR
# The packaging lives in deploy/debian/ (the repository's top level is kept
# to its few folders); it is copied to debian/ in a staged copy of the tree,
# where dpkg-buildpackage expects it. The version is the top entry of
# deploy/debian/changelog, the one place it is set.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out="$1"
version=$(dpkg-parsechangelog -l "$here/deploy/debian/changelog" -S Version)
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage="$out/chat-$version"
mkdir "$stage"
# The tree as it is now (uncommitted edits included), without build folders.
tar -C "$here" --exclude=./.git --exclude='./build' --exclude='./build-*' --exclude='./state' \
    --exclude=node_modules --exclude=__pycache__ -cf - . | tar -C "$stage" -xf -
cp -R "$stage/deploy/debian" "$stage/debian"
echo "deb: building chat $version in $stage" >&2
(cd "$stage" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
   dpkg-buildpackage --build=binary --no-sign >"$out/build.log" 2>&1) || {
  tail -n 60 "$out/build.log" >&2
  echo "deb: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
  exit 1
}
rm -rf "$stage"
# No errors, no warnings: every warning is fixed or overridden with its
# reason in deploy/debian/*.lintian-overrides.
lintian --fail-on error,warning "$out"/chat_"$version"_*.changes
ls "$out"/*.deb
