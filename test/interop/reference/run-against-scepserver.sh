#!/usr/bin/env bash
# Run scepserver-check.ts in a private network namespace with only loopback: micromdm scepserver
# 2.1.0 listens on ":PORT" (all interfaces) and has no bind-address flag. Needs root (unshare -n).
set -euo pipefail
cd "$(dirname "$0")/../../.."
exec unshare -n bash -c 'ip link set lo up && exec npx --no-install tsx test/interop/reference/scepserver-check.ts'
