#!/usr/bin/env bash
# The default drill scenario: a tiny catalog service in production with a bug.
#
# Builds, under $DRILL_SANDBOX:
#   origin.git           bare repository, `origin` of work/
#   work/                a clone of origin, on main (where every step starts)
#   fix.patch            the fix for the production bug (`git apply` it)
#   prod/releases/1/     v1.1.0, healthy
#   prod/releases/2/     v1.2.0, the live release, with the bug
#   prod/current         symlink to releases/2
#   private.git          bare repository, the private fork a security fix is written in
#   bin/gh, bin/dep, bin/argocd, bin/promtool   simulators acting on this sandbox only
#
# Branches on origin: main (production, tagged v1.2.0), develop (main plus
# unreleased work), release-candidate (cut from main for 1.3.0). All three are
# protected: a push to them is refused; they change through merged pull requests.
# The bug: a catalog request without a tenant header crashes instead of getting
# the public catalog. ./run-tests fails on it; fix.patch fixes it.
set -euo pipefail
cd "$DRILL_SANDBOX"

install -m 755 "$DRILL_SCENARIO_DIR"/bin/* bin/
mkdir -p .gh
echo main > .gh/protected-branches

git init --quiet --bare origin.git
git clone --quiet origin.git work 2>/dev/null
cd work

# -- v1.1.0: the catalog service --------------------------------------------
mkdir -p app/tenants
printf 'public: notebook, pen, lamp\n' > app/tenants/public
printf 'acme: anvil, rocket skates, notebook\n' > app/tenants/acme
cat > app/catalog <<'APP'
#!/bin/sh
# Answers one catalog request: app/catalog [TENANT_HEADER]
# A request without a tenant header gets the public catalog.
set -eu
here=$(dirname "$0")
tenant=${1:-public}
[ -f "$here/tenants/$tenant" ] || tenant=public
cat "$here/tenants/$tenant"
APP
cat > run-tests <<'TESTS'
#!/bin/sh
# The test suite: each request shape the catalog must answer.
cd "$(dirname "$0")"
failed=0
check() {
  name=$1; shift
  if output=$("$@" 2>&1); then
    echo "ok   $name"
  else
    echo "FAIL $name: $output"
    failed=1
  fi
}
check "a tenant gets its own catalog" sh -c 'app/catalog acme | grep -q anvil'
check "an unknown tenant gets the public catalog" sh -c 'app/catalog nobody | grep -q lamp'
check "a request without a tenant header gets the public catalog" sh -c 'app/catalog | grep -q lamp'
exit $failed
TESTS
chmod +x app/catalog run-tests
echo 1.1.0 > VERSION
git add -A
git commit --quiet -m "catalog: serve tenant catalogs"
git tag -a v1.1.0 -m "Release 1.1.0"

# -- v1.2.0: tenant lookup rewritten; the default tenant is lost -------------
cp app/catalog "$DRILL_SANDBOX/tmp/catalog.good"
sed -i 's/^tenant=\${1:-public}$/tenant=$1  # the tenant header/' app/catalog
echo 1.2.0 > VERSION
git commit --quiet -am "catalog: read the tenant from the request header"
git tag -a v1.2.0 -m "Release 1.2.0"
git push --quiet origin main v1.1.0 v1.2.0

# fix.patch: restore the public default (the change a responder would write).
cp "$DRILL_SANDBOX/tmp/catalog.good" app/catalog
git diff > "$DRILL_SANDBOX/fix.patch"
git checkout --quiet -- app/catalog
rm "$DRILL_SANDBOX/tmp/catalog.good"

# -- release-candidate: cut from main for the next release --------------------
git checkout --quiet -b release-candidate
echo 1.3.0-rc1 > VERSION
git commit --quiet -am "release: 1.3.0-rc1"
git push --quiet origin release-candidate

# -- develop: main plus unreleased work ---------------------------------------
git checkout --quiet -b develop main
cat > app/search <<'APP'
#!/bin/sh
# Searches every tenant's catalog: app/search WORD
grep -h -- "$1" "$(dirname "$0")"/tenants/*
APP
chmod +x app/search
git add app/search
git commit --quiet -m "search: find a product across tenants"
git push --quiet origin develop

git checkout --quiet main
git branch --quiet --set-upstream-to=origin/main main
git fetch --quiet origin

# -- the private fork: where a security fix is written before anyone sees it ----
git clone --quiet --bare "$DRILL_SANDBOX/origin.git" "$DRILL_SANDBOX/private.git"

# -- branch protection on origin, as GitHub enforces it --------------------------
# A push to a protected branch is refused; `gh pr merge` updates them (it sets
# GH_SIMULATOR_MERGE for its own push). Tags and other branches push freely.
cat > "$DRILL_SANDBOX/origin.git/hooks/pre-receive" <<'HOOK'
#!/bin/sh
status=0
while read -r old new ref; do
  case "$ref" in
    refs/heads/main|refs/heads/develop|refs/heads/release-candidate)
      if [ "${GH_SIMULATOR_MERGE:-}" != 1 ]; then
        echo "error: GH006: Protected branch update failed for $ref."
        echo "error: Changes must be made through a pull request."
        status=1
      fi
      ;;
  esac
done
exit $status
HOOK
chmod +x "$DRILL_SANDBOX/origin.git/hooks/pre-receive"

# -- production: two releases, the live one with the bug ----------------------
mkdir -p "$DRILL_SANDBOX/prod/releases"
release=0
for tag in v1.1.0 v1.2.0; do
  release=$((release + 1))
  mkdir "$DRILL_SANDBOX/prod/releases/$release"
  git archive "$tag" | tar -x -C "$DRILL_SANDBOX/prod/releases/$release"
  git rev-parse "$tag^{commit}" > "$DRILL_SANDBOX/prod/releases/$release/REVISION"
done
ln -s "releases/$release" "$DRILL_SANDBOX/prod/current"
