# Startup file of the drill kernel's bash. It reads no system or user startup
# file, so every drill starts from the same shell whatever the machine has.
PS1='$'
PS2='>'
unset PROMPT_COMMAND
set +o history                     # nothing written to a history file
set +H                             # no history expansion: "fix!" stays "fix!"
bind 'set enable-bracketed-paste off' >/dev/null 2>&1
export PAGER=cat GIT_PAGER=cat

# A tool that is neither installed nor simulated.
command_not_found_handle() {
  printf '%s: not available in the drill sandbox\n' "$1" >&2
  return 127
}

# A step fails on the first failing command, as a script under `set -eo pipefail`
# would; with errexit the shell then exits and the kernel reports the step failed.
set -o errexit -o pipefail
