# The launcher: run by /bin/sh -c as root on the host, between the worker and bwrap.
# Arguments: the cgroup membership files to join, "--", the command to exec (nsenter ... bwrap ...).
#
# It writes its OWN pid into every cgroup before exec'ing anything, so nsenter, bwrap, the
# sandbox's init and every process the function ever starts are born inside the limits. Moving
# the pid after spawn instead would race: bwrap forks the sandbox right away, and in cgroup v1 a
# fork that happened before the move stays outside.
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
  echo "$$" > "$1" || { echo "kindling-launch: cannot join cgroup $1" >&2; exit 125; }
  shift
done
shift
# Lambda's documented 1,024 file descriptors; hard and soft, so the function cannot raise it.
ulimit -n 1024
# No core dumps: the host's core_pattern may hand them to a host program running as root.
ulimit -c 0
# The worker writes bwrap's --args (the --setenv pairs) to our stdin. bwrap closes the --args fd
# after reading it, so move the pipe to fd 3 and give the function /dev/null as its stdin;
# otherwise the first file the function opens would become its fd 0.
exec 3<&0 </dev/null
exec "$@"
