#!/usr/bin/env bash
# deps-check.sh - keeps the include graph pointing one way (docs/architecture.md).
#
#   scripts/deps-check.sh [ROOT]     check ROOT (default: the repository)
#   scripts/deps-check.sh --self-test   prove the check catches a bad include
#
# Every quoted #include of core/ and adapters/ is resolved to a file and both
# ends are given a layer; the include is allowed when the table below says so.
# Angle-bracket includes (system and library headers) are not checked.
set -euo pipefail

# layer of a path relative to the root (empty: not checked)
layer_of() {
  case "$1" in
  core/util/*) echo util ;;
  core/domain/*) echo domain ;;
  core/ports/*) echo ports ;;
  core/app/*) echo app ;;
  core/http/*) echo http ;;
  core/lua/*) echo lua ;;
  core/main.c) echo main ;;
  adapters/common/* | adapters/devtokens/*) echo adapter-lib ;;
  adapters/*/*)
    local rest=${1#adapters/}
    echo "adapter:${rest%%/*}"
    ;;
  *) echo "" ;;
  esac
}

# allowed FROM_LAYER TARGET_PATH TARGET_LAYER -> 0 when the include may stay
allowed() {
  local from=$1 path=$2 to=$3
  [ "$from" = "$to" ] && return 0
  case "$from:$to" in
  domain:util) return 0 ;;
  ports:domain | ports:util) return 0 ;;
  http:util) return 0 ;;
  app:ports | app:domain | app:util) return 0 ;;
  lua:app | lua:ports | lua:domain | lua:util) return 0 ;;
  main:*) return 0 ;;
  adapter-lib:ports | adapter-lib:domain | adapter-lib:util) return 0 ;;
  adapter:*:adapter-lib | adapter:*:ports | adapter:*:domain | adapter:*:util) return 0 ;;
  esac
  case "$from:$path" in
  # http knows the auth port (authentication middleware) and nothing else of the ports
  http:core/ports/auth.h | http:core/ports/errors.h) return 0 ;;
  # handlers see http's request/response types, the route table's shape and the error table
  app:core/http/http.h | app:core/http/router.h | app:core/http/errmap.h) return 0 ;;
  # an adapter is also a Lua module: it boxes its ports the host's way
  adapter:*:core/lua/box.h | adapter:*:core/lua/bind.h) return 0 ;;
  esac
  return 1
}

check() {
  local root=$1 bad=0 n=0
  while IFS= read -r file; do
    local from
    from=$(layer_of "$file")
    [ -n "$from" ] || continue
    while IFS= read -r inc; do
      local target to
      target=$(realpath -m --relative-to="$root" "$root/$(dirname "$file")/$inc")
      to=$(layer_of "$target")
      n=$((n + 1))
      if [ -z "$to" ] || ! allowed "$from" "$target" "$to"; then
        echo "deps-check: $file includes $target ($from -> ${to:-outside}): not allowed" >&2
        bad=$((bad + 1))
      fi
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$root/$file")
  done < <(cd "$root" && find core adapters -name '*.[ch]' | sort)
  if [ "$bad" -gt 0 ]; then
    echo "deps-check: $bad of $n includes break the direction (see docs/architecture.md)" >&2
    return 1
  fi
  echo "deps-check: $n includes, all in the allowed direction"
}

self_test() {
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  mkdir -p "$tmp/core/domain" "$tmp/core/app" "$tmp/core/util"
  printf '#include "../util/u.h"\n' >"$tmp/core/domain/ok.c"
  : >"$tmp/core/util/u.h"
  : >"$tmp/core/app/container.h"
  mkdir -p "$tmp/adapters"
  check "$tmp" >/dev/null || { echo "deps-check self-test: a clean tree was refused" >&2; return 1; }
  printf '#include "../app/container.h"\n' >"$tmp/core/domain/bad.c"
  if check "$tmp" 2>/dev/null; then
    echo "deps-check self-test: domain -> app was not caught" >&2
    return 1
  fi
  echo "deps-check self-test: a domain -> app include is refused"
}

if [ "${1:-}" = "--self-test" ]; then
  self_test
else
  check "${1:-$(cd "$(dirname "$0")/.." && pwd)}"
fi
