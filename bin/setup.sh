# Shared by bin/kindling and bin/test: find JDK 25, install missing Debian packages (as root),
# and build the jar when it is missing or older than the sources. Source it; do not run it.

KINDLING_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KINDLING_JAR="$KINDLING_HOME/cli/target/kindling.jar"

say() { printf 'kindling: %s\n' "$*" >&2; }

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

find_jdk() {
    local candidate
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*; do
        [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
        if [ "$(java_major "$candidate")" -ge 25 ] 2>/dev/null; then
            export JAVA_HOME="$candidate"
            return 0
        fi
    done
    say "no JDK 25 or newer found (looked at \$JAVA_HOME and /usr/lib/jvm). Install Temurin 25 and set JAVA_HOME."
    exit 1
}

# Installs Debian packages that are missing, when we are root; otherwise says what to install.
need_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        say "installing Debian packages: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
            || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
    else
        say "missing Debian packages: ${missing[*]} (run as root to install them automatically)"
        exit 1
    fi
}

need_build_tools() {
    command -v mvn >/dev/null || need_packages maven
}

jar_is_stale() {
    [ -f "$KINDLING_JAR" ] || return 0
    [ -n "$(find "$KINDLING_HOME" -path '*/target' -prune -o -path '*/.git' -prune -o -path '*/.kindling' -prune -o \
        \( -path '*/src/main/*' -o -name 'pom.xml' \) -type f -newer "$KINDLING_JAR" -print -quit)" ]
}

build_if_stale() {
    if jar_is_stale; then
        need_build_tools
        say "building (first run or sources changed)..."
        (cd "$KINDLING_HOME" && mvn -B -q -Dstyle.color=never -Dmaven.test.skip=true -pl cli -am install) >&2
        # Maven leaves an unchanged jar untouched; mark it fresh so the next start skips the build.
        touch "$KINDLING_JAR"
    fi
}
