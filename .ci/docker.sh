#!/usr/bin/env bash
# CI, the docker part: a docker engine on this machine, the local Dovecot image built
# from Debian's packages, and the suites against docker:dovecot gated on the
# Dovecot baseline. Called from .ci/run:
#
#   .ci/docker.sh start    # apt-get install docker.io debootstrap, start dockerd, wait
#   .ci/docker.sh build    # mailspec servers build-image dovecot (cached in the engine)
#   .ci/docker.sh gate OUT # the suites against docker:dovecot, --strict-baseline
#   .ci/docker.sh stop     # stop the dockerd this script started (by its PID)
#   .ci/docker.sh all OUT  # start, build, gate, and stop even when a step fails
#
# Engine flags: no registry answers here and containers may use the host's network
# only (no bridge, no published ports, no iptables rules). Everything the gate starts
# listens on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE="${MAILSPEC_CI_DOCKER_STATE:-/tmp/mailspec-ci-docker}"
PIDFILE="$STATE/dockerd.pid"
LOG="$STATE/dockerd.log"
IMAGE="mailspec/dovecot:bookworm"
# What the gate runs: every suite (POP3 and IMAP), which baselines/dovecot.toml covers
# since 2026-12-01 (checked then: 1407 passed, 46 skipped, 40 xfailed, exit 0, 612 s on
# the shared machine). MAILSPEC_CI_DOCKER_SUITES=suites/pop3 runs the POP3 part only.
SUITES="${MAILSPEC_CI_DOCKER_SUITES:-suites}"

say() { echo "== docker: $*"; }

engine_answers() { docker info >/dev/null 2>&1; }

start() {
    mkdir -p "$STATE"
    if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
        say "apt-get install docker.io debootstrap"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends docker.io debootstrap >/dev/null
    fi
    if engine_answers; then
        say "an engine already answers (not started here, so not stopped here either)"
        return 0
    fi
    # A dockerd that was stopped a moment ago (or killed) may leave its pid file behind,
    # and a new one refuses to start while it exists.
    if [ -s /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
        rm -f /var/run/docker.pid
    fi
    say "starting dockerd --iptables=false --bridge=none (log: $LOG)"
    # setsid: its own session, so the CI shell's signals do not reach it half-way;
    # it is stopped by the PID recorded here.
    setsid dockerd --iptables=false --bridge=none >"$LOG" 2>&1 < /dev/null &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 60); do
        if engine_answers; then
            say "engine up ($(docker info --format '{{.ServerVersion}}' 2>/dev/null))"
            return 0
        fi
        if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
            tail -20 "$LOG" >&2
            echo "dockerd exited" >&2
            return 1
        fi
        sleep 1
    done
    tail -20 "$LOG" >&2
    echo "dockerd did not answer within 60 s" >&2
    return 1
}

build() {
    # Skipped when the engine already holds the image built from the same recipe.
    mailspec servers build-image dovecot
}

gate() {
    local out="${1:-$(mktemp -d /tmp/mailspec-ci-docker-out.XXXXXX)}"
    mkdir -p "$out"
    say "$SUITES against docker:dovecot@$IMAGE on the host network (gate: baselines/dovecot.toml)"
    # shellcheck disable=SC2086  # SUITES may name several folders
    python3 -m pytest $SUITES -p no:cacheprovider -q \
        --target "docker:dovecot@$IMAGE" --docker-network host \
        --baseline=baselines/dovecot.toml --strict-baseline \
        --results-json="$out/docker-dovecot.json"
    # The run leaves no container behind.
    local left
    left="$(docker ps -aq --filter label=org.mailspec.provider)"
    if [ -n "$left" ]; then
        echo "containers left behind: $left" >&2
        return 1
    fi
}

stop() {
    if [ ! -s "$PIDFILE" ]; then
        say "no dockerd started by this script"
        return 0
    fi
    local pid
    pid="$(cat "$PIDFILE")"
    # Only the dockerd recorded here: a stale file's PID may belong to anything by now.
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
        say "pid $pid in $PIDFILE is not a dockerd (any more): nothing to stop"
        rm -f "$PIDFILE"
        return 0
    fi
    if kill -0 "$pid" 2>/dev/null; then
        say "stopping dockerd (pid $pid)"
        kill -TERM "$pid"
        for _ in $(seq 1 30); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid"
        fi
    fi
    rm -f "$PIDFILE"
}

case "${1:-}" in
    start) start ;;
    build) build ;;
    gate) gate "${2:-}" ;;
    stop) stop ;;
    all)
        trap stop EXIT
        started=$SECONDS
        start
        build
        gate "${2:-}"
        say "docker part took $((SECONDS - started)) s"
        ;;
    *)
        echo "usage: $0 start | build | gate [OUT] | stop | all [OUT]" >&2
        exit 2
        ;;
esac
