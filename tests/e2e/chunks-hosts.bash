# chunks-hosts.bash -- N SSH "hosts" on this machine for the chunked
# encoding recipe: a network namespace each, a veth link to it and
# Debian's sshd listening inside.  The hosts share this file system (as a
# farm shares storage); the recipe still moves files over SSH.
#
#   hosts_up DIR N    start them; writes DIR/ssh_config (hosts h1..hN)
#   hosts_down DIR    stop the sshds by PID, remove links and namespaces

# hosts_can: why the hosts cannot be made here, or nothing
hosts_can() {
    [ "$(id -u)" -eq 0 ] || { echo "needs root for network namespaces"; return; }
    [ -x /usr/sbin/sshd ] || { echo "no sshd (openssh-server)"; return; }
    parallel --version 2>/dev/null | grep -q 'GNU parallel' ||
        { echo "no GNU parallel"; return; }
    command -v rsync >/dev/null || { echo "no rsync"; return; }
    ip netns add "svck-probe-$$" 2>/dev/null || { echo "cannot add a network namespace"; return; }
    ip netns del "svck-probe-$$"
}

hosts_up() {
    local d=$1 n=$2 i ns
    mkdir -p "$d" /run/sshd
    ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" </dev/null
    ssh-keygen -q -t ed25519 -N '' -f "$d/id" </dev/null
    cp "$d/id.pub" "$d/authorized_keys"
    : > "$d/ssh_config"
    for ((i = 1; i <= n; i++)); do
        ns=svck$$-h$i
        ip netns add "$ns"
        echo "$ns" >> "$d/netns"
        ip link add "svck$$h$i" type veth peer name eth0 netns "$ns"
        ip addr add "10.231.$i.1/24" dev "svck$$h$i"
        ip link set "svck$$h$i" up
        ip -n "$ns" addr add "10.231.$i.2/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" link set lo up
        ip netns exec "$ns" /usr/sbin/sshd -D -e -f /dev/null \
            -o HostKey="$d/host_key" -o ListenAddress="10.231.$i.2:22" \
            -o AuthorizedKeysFile="$d/authorized_keys" \
            -o PidFile="$d/sshd$i.pid" -o StrictModes=no -o UsePAM=no \
            -o PermitRootLogin=prohibit-password \
            -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
            -o MaxStartups=100 -o MaxSessions=100 \
            2>>"$d/sshd$i.log" &
        echo $! >> "$d/pids"
        cat >> "$d/ssh_config" <<CFG
Host h$i
    HostName 10.231.$i.2
    User root
    IdentityFile $d/id
    IdentitiesOnly yes
    StrictHostKeyChecking no
    UserKnownHostsFile /dev/null
    BatchMode yes
    LogLevel ERROR
CFG
    done
    for ((i = 1; i <= n; i++)); do
        wait_for ssh -F "$d/ssh_config" "h$i" true ||
            { cat "$d/sshd$i.log" >&2; return 1; }
    done
}

hosts_down() {
    local d=$1 p ns
    if [ -f "$d/pids" ]; then
        while read -r p; do
            kill "$p" 2>/dev/null || :   # status ignored: may be gone
            wait "$p" 2>/dev/null || :   # status ignored: killed on purpose
        done < "$d/pids"
        rm -f "$d/pids"
    fi
    if [ -f "$d/netns" ]; then
        while read -r ns; do
            ip netns del "$ns" 2>/dev/null || :  # status ignored: may be gone
        done < "$d/netns"
        rm -f "$d/netns"
    fi
}
