# shellcheck shell=bash
# ensure_packages PKG…: installs the Debian packages that are missing (one apt-get run), so every script brings what
# it needs instead of failing half-way on a missing command.
ensure_packages() {
  local pkg missing=()
  for pkg; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  ((${#missing[@]})) || return 0
  echo "installing: ${missing[*]}"
  apt-get update -q
  # policy-rc.d may forbid starting services during install; the scripts start what they need themselves.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# ensure_build_tools: what building the solution needs beyond the .NET SDK: npm, which Chat.Api's build runs to vendor
# the demo page's SignalR client (Chat.Api.csproj, VendorSignalR). A node from elsewhere (nodesource) is kept.
ensure_build_tools() {
  command -v npm >/dev/null 2>&1 || ensure_packages npm
}
