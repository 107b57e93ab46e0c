# Startup file of the drill kernel's bash. It reads no system or user startup
# file, so every drill starts from the same shell whatever the machine has.
# Each step then runs under `set -o errexit -o pipefail` (see kernel.py).
set +o history                     # nothing written to a history file
set +H                             # no history expansion: "fix!" stays "fix!"
export PAGER=cat GIT_PAGER=cat

# A tool that is neither installed nor simulated.
command_not_found_handle() {
  printf '%s: not available in the drill sandbox\n' "$1" >&2
  return 127
}
