#!/usr/bin/env bash
# Debian's Chromium for the `browser` tests (Playwright drives it; nothing is downloaded
# but the Debian package).
#
#   scripts/services/chromium.sh start   installs Debian's `chromium` package when
#                                        /usr/bin/chromium is missing, checks that it runs
#                                        headless and prints `export LOONBODE_TEST_CHROMIUM=...`
#                                        (nothing else on stdout, so the caller can eval it)
#   scripts/services/chromium.sh stop    does nothing: every test run starts and stops its
#                                        own browser; here for symmetry with the servers
#
# LOONBODE_TEST_CHROMIUM, when already set, names another Chromium binary to check and use.
set -euo pipefail

usage() { echo "usage: $0 start|stop" >&2; exit 2; }
[ $# -eq 1 ] || usage
log() { echo "chromium.sh: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The flags the tests launch it with as well: no sandbox (root, containers), no GPU, and
# no background traffic (the test machine has no network; Chromium would keep trying).
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync)

install_chromium() {
    log "no Chromium found; installing Debian's chromium package"
    # The package lists may be missing (fresh image) or stale: update only when the
    # install fails without it.
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
            >/dev/null 2>&1; then
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    fi
}

start() {
    local chromium=${LOONBODE_TEST_CHROMIUM:-/usr/bin/chromium} profile dom
    [ -x "$chromium" ] || [ -n "${LOONBODE_TEST_CHROMIUM:-}" ] || install_chromium
    [ -x "$chromium" ] || { log "$chromium is not an executable"; return 1; }

    # Prove it starts headless and renders a page, with a throwaway profile.
    profile=$(mktemp -d "${TMPDIR:-/tmp}/loonbode-chromium.XXXXXX")
    dom=$(timeout 120 "$chromium" "${flags[@]}" --user-data-dir="$profile" --dump-dom about:blank 2>"$profile.log") ||
        { tail -n 20 "$profile.log" >&2; rm -rf "$profile" "$profile.log"; log "$chromium does not run headless"; return 1; }
    rm -rf "$profile" "$profile.log"
    case "$dom" in
        *"<body>"*) ;;
        *) log "$chromium rendered no page: $dom"; return 1 ;;
    esac

    log "$("$chromium" --version 2>/dev/null | head -n1) at $chromium"
    echo "export LOONBODE_TEST_CHROMIUM=$chromium"
}

case "$1" in
    start) start ;;
    stop) ;;
    *) usage ;;
esac
