# shellcheck shell=bash
# Sourced by scripts/dev-up, scripts/chaos and bench/run: the processes they start under .run (pid file in
# $RUN/pids, log in $RUN/logs). Needs RUN.

# start_tracked [--append] NAME DIR COMMAND...
# Starts COMMAND in DIR, detached in its own session (dev-down signals its whole process group), output to
# $RUN/logs/NAME.log. The process writes its own pid after setsid, because setsid forks (and $! would be
# wrong) when the caller runs with job control. The directory matters: ASP.NET's content root, where
# appsettings.json is read, is the cwd. The log is truncated first (unless --append) and then appended to:
# nginx reopens /dev/stdout as its own O_APPEND file description, and with a plain `>` the stderr writes
# would overwrite its lines. Fails if the pid file does not appear within 5 s.
start_tracked() {
  local append=false
  if [[ $1 == --append ]]; then append=true; shift; fi
  local name=$1 dir=$2; shift 2
  $append || : >"$RUN/logs/$name.log"
  rm -f "$RUN/pids/$name.pid"
  # shellcheck disable=SC2016 # expanded by the inner bash, on purpose
  setsid bash -c 'echo $$ >"$0"; cd "$1" && shift && exec "$@"' "$RUN/pids/$name.pid" "$dir" "$@" \
    >>"$RUN/logs/$name.log" 2>&1 </dev/null &
  disown # a later kill of it is the caller's business, not news for the caller's output
  for _ in {1..50}; do [[ -s $RUN/pids/$name.pid ]] && return 0; sleep 0.1; done
  return 1
}
