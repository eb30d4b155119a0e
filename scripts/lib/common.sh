# Shared by the scripts in scripts/: locating the repository, building what a command needs.
# Sourced, not run; expects $root to be the repository root.

say() { printf '%s\n' "$*" >&2; }

die() { say "$(basename "$0"): $*"; exit 1; }

require() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is required ($2)"
}

# Java 17 or newer: the build's floor.
require_java() {
  require java "install a JDK 17 or newer"
  local version
  version="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [[ "${version%%.*}" -ge 17 ]] || die "Java 17 or newer is required; found $version"
}

# Maven, quiet, its output on stderr. Debian's Maven 3.8 prints colour resets even in batch
# quiet mode; they are stripped so the scripts' own output stays clean.
mvn_quiet() {
  mvn -B -q -ntp -Dstyle.color=never "$@" 2>&1 | sed -u $'s/\e\\[[0-9;]*m//g' >&2
  return "${PIPESTATUS[0]}"
}

# True when any source file under the given paths is newer than $1 (or $1 is missing); build
# output (target/) and node_modules/ do not count.
stale() {
  local target="$1"; shift
  [[ -e "$target" ]] || return 0
  [[ -n "$(find "$@" \( -name target -o -name node_modules \) -prune -o -newer "$target" -type f -print -quit 2>/dev/null)" ]]
}

# The sources of the modules named, with the specs and scripts they package, one path a line.
module_sources() {
  local m
  for m in "$@"; do
    printf '%s\n' "$root/$m/src/main" "$root/$m/pom.xml"
  done
  printf '%s\n' "$root/kernel/js" "$root/worker-protocol/spec" "$root/worker-protocol/js" "$root/pom.xml"
}

# Builds cli/target/packetfs-cli.jar (and its lib/) when missing or older than its sources.
ensure_cli_jar() {
  local jar="$root/cli/target/packetfs-cli.jar"
  local sources
  mapfile -t sources < <(module_sources kernel worker-protocol client cli)
  if stale "$jar" "${sources[@]}"; then
    require_java
    require mvn "install Apache Maven 3.8.6 or newer"
    say "building the pfs client (first run after a change)..."
    (cd "$root" && mvn_quiet -pl cli -am install -DskipTests) || die "pfs client build failed"
    # Maven leaves an up-to-date jar untouched; mark it as built now, or it stays "stale".
    touch "$jar"
  fi
}

# Builds the dispatcher service (dispatcher-function/server) when missing or older than its sources.
ensure_server_jar() {
  local jar="$root/dispatcher-function/server/target/quarkus-app/quarkus-run.jar"
  local sources
  mapfile -t sources < <(module_sources kernel worker-protocol)
  if stale "$jar" "$root/dispatcher-function" "$root/browser-runtime" "${sources[@]}"; then
    require_java
    require mvn "install Apache Maven 3.8.6 or newer"
    say "building the dispatcher (first run after a change)..."
    (cd "$root" && mvn_quiet -pl dispatcher-function/server -am install -DskipTests) || die "dispatcher build failed"
    touch "$jar"
  fi
}

# Builds every artifact the local fabric runs (deploy-all --target local) when one is missing or
# older than its sources: the dispatcher, the Fly.io worker, the Lambda worker's function.zip and
# the local Lambda service.
ensure_fabric_jars() {
  local stamp="$root/lambda-local/target/packetfs-lambda-local.jar"
  local sources artifact
  mapfile -t sources < <(module_sources kernel worker-protocol aws-secrets worker-flyio worker-lambda lambda-local)
  for artifact in "$root/dispatcher-function/server/target/quarkus-app/quarkus-run.jar" \
      "$root/worker-flyio/target/quarkus-app/quarkus-run.jar" "$root/worker-lambda/target/function.zip" "$stamp"; do
    if stale "$artifact" "$root/dispatcher-function" "$root/browser-runtime" "${sources[@]}"; then
      require mvn "install Apache Maven 3.8.6 or newer"
      say "building the fabric's artifacts (first run after a change)..."
      (cd "$root" && mvn_quiet -pl dispatcher-function/server,worker-flyio,worker-lambda,lambda-local -am install -DskipTests) ||
        die "the fabric's build failed"
      touch "$root/dispatcher-function/server/target/quarkus-app/quarkus-run.jar" \
        "$root/worker-flyio/target/quarkus-app/quarkus-run.jar" "$root/worker-lambda/target/function.zip" "$stamp"
      return
    fi
  done
}

# Installs Debian packages when a command is missing and apt-get can be used (root or sudo).
# Returns non-zero when the command is still missing afterwards.
ensure_command() {
  local command="$1"; shift
  command -v "$command" >/dev/null 2>&1 && return 0
  local sudo=""
  [[ "$(id -u)" -eq 0 ]] || sudo="sudo -n"
  if command -v apt-get >/dev/null 2>&1; then
    say "installing $* (for $command)..."
    $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2 || true
  fi
  command -v "$command" >/dev/null 2>&1
}

# Every directory holding a package.json of ours (not node_modules).
package_dirs() {
  # The workspace's root installs its packages; the rest (infra's CDK CLI) install on their own.
  local members
  members="$(node -p "require('$root/package.json').workspaces.map((w) => '$root/' + w).join('\\n')")"
  find "$root" -name package.json -not -path '*/node_modules/*' -not -path '*/target/*' -printf '%h\n' | sort |
    grep -vxF "$members"
}
