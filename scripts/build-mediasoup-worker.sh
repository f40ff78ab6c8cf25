#!/usr/bin/env bash
# Builds mediasoup-worker OFFLINE from the mediasoup npm package's own worker sources, against
# Debian 12 system libraries. Used by scripts/provision.mjs when mediasoup's postinstall cannot
# download its prebuilt worker (no access to GitHub) and cannot build it either (its meson
# subprojects download their sources from GitHub too). Nothing is downloaded except from the npm
# registry (the mediasoup tarball), Debian's apt repositories (build dependencies, only when run
# as root and something is missing) and the local pip mirror (meson, ninja).
#
#   scripts/build-mediasoup-worker.sh VERSION OUT_FILE
#   e.g. scripts/build-mediasoup-worker.sh 3.19.3 ~/.cache/peer-circle/mediasoup-worker-3.19.3
#
# Takes 5 (3.19) to 9 (3.27) minutes on 2 cores and prints ninja's [n/N] progress lines while it
# compiles.
# OUT_FILE appears atomically, only once the build succeeded. Concurrent runs for the same
# OUT_FILE wait for each other (flock) and the second one reuses the first one's binary.
#
# How: every meson subproject (worker/subprojects/*.wrap) is replaced by a small shim from
# mediasoup-offline/shims/ exposing the same variables, backed by a Debian package (libuv1-dev,
# libssl-dev, libsrtp2-dev + a libsrtp3-API header, libabsl-dev, flatbuffers; libusrsctp-dev
# for releases before 3.2x, which still link usrsctp), mediasoup-offline/include-extra/ stands in
# for the header-only ankerl::unordered_dense (3.2x, not packaged in Debian 12), and a one-line
# fix (see fix_dtls_bio_callback below) repairs a mediasoup bug that crashes DTLS with a
# KTLS-enabled OpenSSL such as Debian's. Tested with mediasoup 3.18.1, 3.19.3 and 3.27.1.
#
# Environment:
#   PEER_CIRCLE_CACHE   cache directory (default ${XDG_CACHE_HOME:-$HOME/.cache}/peer-circle);
#                       the meson/ninja venv is kept in $PEER_CIRCLE_CACHE/build-venv
#   PIP_INDEX           pip index for meson/ninja (default file:///opt/pypi/simple when it
#                       exists, else pip's own configuration)
set -euo pipefail

V="${1:?usage: $0 VERSION OUT_FILE}"
OUT="${2:?usage: $0 VERSION OUT_FILE}"
KIT="$(cd "$(dirname "$0")" && pwd)/mediasoup-offline"
CACHE="${PEER_CIRCLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/peer-circle}"
START=$SECONDS

say() { echo "[build-worker] $*"; }
die() { echo "[build-worker] ERROR: $*" >&2; exit 1; }

[[ "$V" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "VERSION must be an exact version like 3.19.3, got '$V'"
[ -d "$KIT/shims" ] && [ -d "$KIT/include-extra" ] || die "missing $KIT/{shims,include-extra}"
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac
mkdir -p "$CACHE" "$(dirname "$OUT")"

# The binary is usable when it starts and exits with 41 ("MEDIASOUP_VERSION not set"): that
# proves the dynamic loader found all its libraries.
runs() { local rc=0; env -u MEDIASOUP_VERSION "$1" >/dev/null 2>&1 </dev/null || rc=$?; [ "$rc" = 41 ]; }

# One build per OUT_FILE at a time.
if command -v flock >/dev/null; then
  exec 9>"$OUT.lock"
  if ! flock -n 9; then
    say "another build of $OUT is running; waiting for it..."
    flock 9
  fi
  if [ -x "$OUT" ] && runs "$OUT"; then say "$OUT already built"; exit 0; fi
fi

# --- 1. Debian build dependencies -------------------------------------------------------------
need=(libuv1-dev libssl-dev libsrtp2-dev libusrsctp-dev libabsl-dev flatbuffers-compiler
      libflatbuffers-dev pkg-config python3-venv g++ make patch)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian build dependencies: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    die "missing Debian packages: ${missing[*]}
  install them with:  sudo apt-get install -y --no-install-recommends ${missing[*]}"
  fi
fi

# --- 2. meson >= 1.1 and ninja (Debian 12 has meson 1.0.1) into a cached venv -----------------
VENV="$CACHE/build-venv"
if [ ! -x "$VENV/bin/meson" ] || [ ! -x "$VENV/bin/ninja" ]; then
  say "creating a Python venv with meson and ninja in $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  idx=()
  if [ -n "${PIP_INDEX:-}" ]; then idx=(--index-url "$PIP_INDEX")
  elif [ -d /opt/pypi/simple ]; then idx=(--index-url file:///opt/pypi/simple); fi
  "$VENV/bin/pip" install -q "${idx[@]}" "meson>=1.1" ninja || die "pip could not install meson/ninja"
fi
export PATH="$VENV/bin:$PATH"
say "using meson $(meson --version), ninja $(ninja --version)"

# --- the DTLS BIO callback bug ----------------------------------------------------------------
# mediasoup's DTLS BIO callback returns 1 for every returning BIO operation except a bare
# BIO_CB_RETURN (`operationType == BIO_CB_RETURN` where `&` is meant), so every BIO_ctrl() on its
# BIO answers 1. A KTLS-enabled OpenSSL (Debian's libssl3) then believes BIO_get_ktls_send() is
# true, skips allocating its write buffer and the worker dies with SIGSEGV on the first DTLS
# record: every WebRTC connection would kill the worker. Still present in 3.27.1 (the line became
# `const long resultOfcallback = ...`), so the expression itself is fixed, whatever the line
# around it, and the build stops if the fix did not take. When a release fixes it upstream the
# sed finds nothing to change and the check still passes.
fix_dtls_bio_callback() {
  local f="$1"
  grep -q 'BIO_CB_RETURN' "$f" || die "$f no longer mentions BIO_CB_RETURN: re-check the DTLS BIO fix"
  if grep -q '(operationType == BIO_CB_RETURN) ? static_cast<long>(ret)' "$f"; then
    say "fixing the DTLS BIO callback (operationType == BIO_CB_RETURN -> & BIO_CB_RETURN)"
    sed -i 's/(operationType == BIO_CB_RETURN) ? static_cast<long>(ret)/(operationType \& BIO_CB_RETURN) ? static_cast<long>(ret)/' "$f"
  else
    say "DTLS BIO callback: upstream no longer has the == BIO_CB_RETURN bug, nothing to fix"
  fi
  grep -q '(operationType & BIO_CB_RETURN) ? static_cast<long>(ret)' "$f" \
    || die "the DTLS BIO callback in $f has an unknown shape: re-check the fix before building"
}

# --- 3. mediasoup sources from the npm registry, with our shims and the DTLS fix -------------------
SRC="$(mktemp -d "${TMPDIR:-/tmp}/mediasoup-worker-build.XXXXXX")"
HEARTBEAT=""
cleanup() { [ -n "$HEARTBEAT" ] && kill "$HEARTBEAT" 2>/dev/null; rm -rf "$SRC"; rm -f "$OUT.tmp.$$"; }
trap cleanup EXIT
say "fetching mediasoup@$V sources from the npm registry"
(cd "$SRC" && npm pack --silent "mediasoup@$V" >/dev/null) || die "npm pack mediasoup@$V failed"
tar xzf "$SRC"/mediasoup-*.tgz -C "$SRC" --strip-components=1
fix_dtls_bio_callback "$SRC/worker/src/RTC/DtlsTransport.cpp"
cd "$SRC/worker"
rm -f subprojects/*.wrap
cp -a "$KIT/shims/." subprojects/

# --- 4. configure and compile ------------------------------------------------------------------
# unordered_dense (3.2x) is found through pkg-config: point it at the stand-in header.
mkdir -p "$SRC/pc"
printf 'Name: unordered_dense\nDescription: std stand-in (peer-circle)\nVersion: 4.8.1\nCflags: -I%s\n' \
  "$KIT/include-extra" >"$SRC/pc/unordered_dense.pc"
export PKG_CONFIG_PATH="$SRC/pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
extra=()
# liburing was dropped in 3.2x; older releases need it switched off (no liburing in Debian 12).
grep -q ms_disable_liburing meson_options.txt 2>/dev/null && extra+=(-Dms_disable_liburing=true)
# 3.2x uses libsrtp 3's policy-object API: switch it on in the srtp.h stand-in.
grep -q srtp_policy_create src/RTC/SrtpSession.cpp && extra+=(-Dcpp_args=-DMEDIASOUP_SRTP3_POLICY_API=1)
say "configuring (meson setup ${extra[*]})"
LOG="$SRC/build.log"
meson setup --prefix "$PWD/out/Release" --bindir "" --libdir "" --buildtype release \
  -Db_ndebug=true --wrap-mode=nodownload "${extra[@]}" out/Release/build \
  >"$LOG" 2>&1 || { cat "$LOG" >&2; die "meson setup failed"; }
# The flatbuffers headers must exist before the worker's own objects compile.
say "generating flatbuffers headers"
meson compile -C out/Release/build flatbuffers-generator >"$LOG" 2>&1 \
  || { cat "$LOG" >&2; die "flatbuffers generation failed"; }

JOBS="$(nproc 2>/dev/null || echo 2)"
say "compiling mediasoup-worker $V with $JOBS jobs (5-9 minutes on 2 cores)"
# ninja prints one [n/N] line per finished step; the heartbeat covers long single steps
# (e.g. the final link) so that there is never more than a minute of silence.
: >"$LOG"
( while sleep 60 </dev/null >/dev/null 2>&1; do
    last="$(grep -o '^\[[0-9]*/[0-9]*\]' "$LOG" 2>/dev/null | tail -n1 || true)"
    echo "[build-worker] still building... ${last:-starting} ($((SECONDS - START))s elapsed)"
  done ) &
HEARTBEAT=$!
set +e
meson compile -C out/Release/build -j "$JOBS" mediasoup-worker 2>&1 | tee -a "$LOG"
rc=${PIPESTATUS[0]}
set -e
kill "$HEARTBEAT" 2>/dev/null || true
wait "$HEARTBEAT" 2>/dev/null || true
HEARTBEAT=""
[ "$rc" = 0 ] || die "compilation failed (exit $rc); see the output above"

install -m 755 out/Release/build/mediasoup-worker "$OUT.tmp.$$"
runs "$OUT.tmp.$$" || die "the built worker does not start (ldd: $(ldd "$OUT.tmp.$$" 2>&1 | grep 'not found' | tr '\n' ' '))"
mv -f "$OUT.tmp.$$" "$OUT"
say "built $OUT in $((SECONDS - START))s"
