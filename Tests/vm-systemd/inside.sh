#!/usr/bin/env bash
# swiftrun systemd suite, guest side: runs as root from swiftrun-vmtest.service on the Debian
# systemd host Tests/vm-systemd/run.sh boots (systemd is PID 1, pure cgroup v2, the repository is
# /host, read-only). Drives `swiftrun --systemd-cgroup` and checks the units with systemctl and
# the cgroup files. Prints PASS/FAIL/SKIP lines and ends with "N passed, N failed, N skipped".
#
# Usage: inside.sh --runtime PATH --rootfs PATH [--only REGEX]
# Adding a check: a function t_NAME, appended to CHECKS. Each runs in its own bash process with its
# own --root ($R) and directory ($D), under a timeout; containers it made are force-deleted after.
set -u

SELF=$(readlink -f "${BASH_SOURCE[0]}")
CG=/sys/fs/cgroup
: "${VT_RUNTIME:=}" "${VT_ROOTFS_SRC:=}" "${VT_ONLY:=}" "${VT_WORK:=/tmp/vt}"
MODE=all ONE="" PART=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runtime) VT_RUNTIME=$2; shift 2 ;;
        --rootfs) VT_ROOTFS_SRC=$2; shift 2 ;;
        --only) VT_ONLY=$2; shift 2 ;;
        --one) MODE=one; ONE=$2; shift 2 ;;
        --as-user) MODE=user; ONE=$2; PART=$3; shift 3 ;;
        *) echo "inside.sh: unknown argument: $1"; exit 2 ;;
    esac
done
export VT_RUNTIME VT_ROOTFS_SRC VT_ONLY VT_WORK
ROOTFS=$VT_WORK/rootfs

# ---------------------------------------------------------------- helpers
CHECK="" D="" R=""
rt() { timeout -k 5 60 "$VT_RUNTIME" --root "$R" "$@"; }
die() { printf '%s\n' "$*" > "$D/.reason"; exit 1; }
skip() { printf '%s\n' "$*" > "$D/.reason"; exit 77; }
note() { printf '    note: %s\n' "$*"; }
show() { [ -s "$1" ] && sed 's/^/    | /' "$1" | head -n 30; return 0; }
expect() {
    local label=$1 got=$2 w; shift 2
    for w in "$@"; do
        [ "$got" = "$w" ] && { echo "PASS $CHECK/$label"; echo P >> "$VT_WORK/.results"; return 0; }
    done
    local want; want=$(printf "'%s' or " "$@"); want=${want% or }
    echo "FAIL $CHECK/$label: got '$got', want $want"; echo F >> "$VT_WORK/.results"
    return 1
}
# prop UNIT NAME: one property as systemctl show prints it.
prop() { systemctl show -P "$2" "$1" 2>/dev/null; }
# gone UNIT: "gone" when systemd has no such unit loaded (or only an inactive, unfailed husk).
gone() {
    local ls as
    ls=$(prop "$1" LoadState); as=$(prop "$1" ActiveState)
    if [ "$ls" = not-found ] || [ "$as" = inactive ]; then echo gone; else echo "$ls/$as"; fi
}
state_field() {
    rt state "$1" 2>/dev/null | tr -d '\n' | sed -n 's/.*"'"$2"'"[[:space:]]*:[[:space:]]*"\{0,1\}\([^",}]*\).*/\1/p'
}
wait_status() {
    local i=0 s=""
    while [ $i -lt "${3:-100}" ]; do
        s=$(state_field "$1" status); [ "$s" = "$2" ] && return 0
        sleep 0.1; i=$((i + 1))
    done
    echo "    status of $1 is '$s', waited for '$2'"; return 1
}
wait_match() {
    local i=0
    while [ $i -lt "${3:-100}" ]; do grep -Eq "$2" "$1" 2>/dev/null && return 0; sleep 0.1; i=$((i + 1)); done
    return 1
}
json_arr() { local o="" a; for a in "$@"; do a=${a//\\/\\\\}; a=${a//\"/\\\"}; o+="${o:+,}\"$a\""; done; printf '[%s]' "$o"; }

# mkbundle ID CGROUPSPATH [--resources JSON] [--annotations JSON] [--hooks JSON] [--userns] -- ARGS...
# (--userns: a user namespace mapping root to the caller's uid/gid, for the rootless checks)
mkbundle() {
    local id=$1 cgp=$2 res="" ann="" hooks="" userns=""; shift 2
    while [ $# -gt 0 ]; do
        case "$1" in
            --resources) res=$2; shift 2 ;;
            --annotations) ann=$2; shift 2 ;;
            --hooks) hooks=$2; shift 2 ;;
            --userns) userns=1; shift ;;
            --) shift; break ;;
        esac
    done
    B=$D/$id; mkdir -p "$B"
    local extra="" lin=""
    [ -n "$ann" ] && extra+="\"annotations\": $ann,"
    [ -n "$hooks" ] && extra+="\"hooks\": $hooks,"
    [ -n "$res" ] && lin=", \"resources\": $res"
    local nsuser=""
    [ -n "$userns" ] && { nsuser='{"type": "user"}, '
        lin+=", \"uidMappings\": [{\"containerID\": 0, \"hostID\": $(id -u), \"size\": 1}]"
        lin+=", \"gidMappings\": [{\"containerID\": 0, \"hostID\": $(id -g), \"size\": 1}]"; }
    cat > "$B/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": $(json_arr "$@"),
    "env": ["PATH=/bin:/sbin:/usr/bin"], "cwd": "/",
    "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}},
  "root": {"path": "$ROOTFS"},
  "hostname": "vt",
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
             {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
             {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}],
  $extra
  "linux": {
    "namespaces": [$nsuser{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
    "cgroupsPath": "$cgp"$lin
  }
}
EOF
}
# sd_create ID: create --systemd-cgroup from $B, output in $D/ID.log.
sd_create() { rt --systemd-cgroup create --bundle "$B" "$1" </dev/null >"$D/$1.log" 2>&1 || { show "$D/$1.log"; die "create $1 failed"; }; }
sd_started() { sd_create "$1"; rt start "$1" >>"$D/$1.log" 2>&1 || { show "$D/$1.log"; die "start $1 failed"; }; }

# ---------------------------------------------------------------- checks
CHECKS=(env forms properties properties_devices_io io_device_weight memory_enforced pids_enforced update pause_resume events_ps kill_all
        failed_create killed_create notify_socket criu_restore podman containerd user_bus user_bus_refusals podman_rootless leftovers)

t_env() {
    expect pid1 "$(cat /proc/1/comm)" systemd
    expect cgroup2 "$(stat -fc %T $CG)" cgroup2fs
    local f; f=$("$VT_RUNTIME" features | tr -d ' \n')
    expect features.systemd "$(grep -o '"systemd":[a-z]*' <<<"$f" | head -n1)" '"systemd":true'
}

# Every cgroupsPath form: the unit, its slice and cgroup, the init in it; delete removes all.
t_forms() {
    local cgp id unit want n=0
    for spec in "system.slice:vt:a1|vt-a1.scope|/system.slice/vt-a1.scope" \
                ":vt:a2|vt-a2.scope|/system.slice/vt-a2.scope" \
                "machine-vt.slice:vt:a3|vt-a3.scope|/machine.slice/machine-vt.slice/vt-a3.scope" \
                "|swiftrun-a4.scope|/system.slice/swiftrun-a4.scope" \
                "user.slice::a5|a5.scope|/user.slice/a5.scope"; do
        n=$((n + 1)); id=a$n
        IFS='|' read -r cgp unit want <<<"$spec"
        mkbundle $id "$cgp" -- sleep 1000
        sd_started $id
        expect $id.active "$(prop $unit ActiveState)" active
        expect $id.cgroup "$(prop $unit ControlGroup)" "$want"
        expect $id.delegate "$(prop $unit Delegate)" yes
        expect $id.init-in-unit "$(grep -cx "$(state_field $id pid)" "$CG$want/cgroup.procs" 2>/dev/null)" 1
        [ $n = 1 ] && expect $id.exec-cgroupns "$(rt exec $id cat /proc/self/cgroup 2>&1)" "0::/"
        rt delete --force $id >/dev/null 2>&1
        expect $id.unit-gone "$(gone $unit)" gone
        expect $id.cgroup-gone "$([ -d "$CG$want" ] && echo present || echo gone)" gone
    done
    # A cgroupfs path is refused with runc's wording.
    mkbundle bad "/not/systemd" -- true
    rt --systemd-cgroup create --bundle "$B" bad >"$D/bad.log" 2>&1
    expect refuses-path "$(grep -c 'expected cgroupsPath to be of format' "$D/bad.log")" 1
    expect refused-leaves-no-state "$([ -d "$R/bad" ] && echo left || echo none)" none
}

# linux.resources and annotations as unit properties, and in the files.
t_properties() {
    local id=props unit=vt-props.scope dir res
    res='{"memory":{"limit":67108864,"reservation":33554432},"pids":{"limit":20},'
    res+='"cpu":{"shares":1024,"quota":50000,"period":100000,"cpus":"0"},"blockIO":{"weight":500},'
    res+='"unified":{"memory.high":"50331648"}}'
    mkbundle $id "system.slice:vt:props" --resources "$res" \
        --annotations '{"org.systemd.property.TimeoutStopSec":"uint64 7","org.systemd.property.CollectMode":"'"'inactive-or-failed'"'"}' \
        -- sleep 1000
    sd_create $id
    dir=$CG$(prop $unit ControlGroup)
    expect Description "$(prop $unit Description)" "swiftrun container $id"
    expect Slice "$(prop $unit Slice)" system.slice
    expect MemoryMax "$(prop $unit MemoryMax)" 67108864
    expect MemoryLow "$(prop $unit MemoryLow)" 33554432
    expect MemoryHigh "$(prop $unit MemoryHigh)" 50331648
    expect TasksMax "$(prop $unit TasksMax)" 20
    expect CPUWeight "$(prop $unit CPUWeight)" 100
    expect CPUQuotaPerSecUSec "$(prop $unit CPUQuotaPerSecUSec)" 500ms
    expect CPUQuotaPeriodUSec "$(prop $unit CPUQuotaPeriodUSec)" 100ms
    expect AllowedCPUs "$(prop $unit AllowedCPUs)" 0
    expect IOWeight "$(prop $unit IOWeight)" 4950
    expect TimeoutStopUSec "$(prop $unit TimeoutStopUSec)" 7s
    expect CollectMode "$(prop $unit CollectMode)" inactive-or-failed
    expect file.memory.max "$(cat $dir/memory.max)" 67108864
    expect file.memory.high "$(cat $dir/memory.high)" 50331648
    expect file.pids.max "$(cat $dir/pids.max)" 20
    expect file.cpu.max "$(cat $dir/cpu.max)" "50000 100000"
    expect file.cpu.weight "$(cat $dir/cpu.weight)" 100
    expect file.cpuset.cpus "$(cat $dir/cpuset.cpus)" 0
    rt delete --force $id >/dev/null 2>&1
    expect unit-gone "$(gone $unit)" gone
}

# The properties t_properties does not cover: swap, memory nodes, devices, per-device IO limits.
t_properties_devices_io() {
    local id=propdev unit=vt-propdev.scope res root
    root=$(mountpoint -d /)   # MAJOR:MINOR of the root disk, for a per-device limit
    res='{"memory":{"limit":67108864,"swap":134217728},"cpu":{"mems":"0"},'
    res+='"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"}],'
    res+='"blockIO":{"throttleReadBpsDevice":[{"major":'${root%%:*}',"minor":'${root##*:}',"rate":1048576}]}}'
    mkbundle $id "system.slice:vt:propdev" --resources "$res" -- sleep 1000
    sd_create $id
    expect MemorySwapMax "$(prop $unit MemorySwapMax)" 67108864
    expect AllowedMemoryNodes "$(prop $unit AllowedMemoryNodes)" 0
    expect DevicePolicy "$(prop $unit DevicePolicy)" strict
    # The config's rule, next to the default devices the runtime always allows (as runc).
    expect DeviceAllow "$(prop $unit DeviceAllow | grep -cx '/dev/char/1:3 rwm')" 1
    expect IOReadBandwidthMax "$(prop $unit IOReadBandwidthMax)" "/dev/block/$root 1048576"
    rt delete --force $id >/dev/null 2>&1
    expect unit-gone "$(gone $unit)" gone
}

# blockIO.weightDevice (IODeviceWeight) as runc: without BFQ it is not applied (a warning, the
# create succeeds); with BFQ loaded but the disk on another scheduler the kernel refuses the
# per-device weight and create fails naming the field, leaving nothing; with the disk on BFQ the
# weight is in io.bfq.weight and IODeviceWeight shows it (converted to io.weight's range, as runc).
t_io_device_weight() {
    local id unit root res sched
    root=$(mountpoint -d /)
    res='{"blockIO":{"weightDevice":[{"major":'${root%%:*}',"minor":'${root##*:}',"weight":500}]}}'
    grep -qw bfq /proc/modules && die "bfq is already loaded: the no-BFQ case cannot be checked"
    id=iow1 unit=vt-iow1.scope
    mkbundle $id "system.slice:vt:$id" --resources "$res" -- sleep 1000
    sd_create $id
    expect nobfq.IODeviceWeight "$(prop $unit IODeviceWeight)" "/dev/block/$root 4950"
    expect nobfq.warning "$(grep -c 'blockIO.weightDevice ignored: the BFQ I/O scheduler is not loaded' "$D/$id.log")" 1
    expect nobfq.no-bfq-file "$([ -e "$CG$(prop $unit ControlGroup)/io.bfq.weight" ] && echo present || echo absent)" absent
    rt delete --force $id >/dev/null 2>&1
    expect nobfq.unit-gone "$(gone $unit)" gone

    modprobe bfq 2>"$D/modprobe.log" || { show "$D/modprobe.log"; die "modprobe bfq failed"; }
    sched=$(cat /sys/block/vda/queue/scheduler)
    note "vda scheduler: $sched"
    id=iow2 unit=vt-iow2.scope
    mkbundle $id "system.slice:vt:$id" --resources "$res" -- sleep 1000
    if rt --systemd-cgroup create --bundle "$B" $id >"$D/$id.log" 2>&1; then
        show "$D/$id.log"; expect bfq-other-scheduler.create-fails succeeded failed
    else
        expect bfq-other-scheduler.error-names-field "$(grep -c "linux.resources.blockIO.weightDevice\[0\] ($root weight 500)" "$D/$id.log")" 1
        grep -q 'weightDevice' "$D/$id.log" || show "$D/$id.log"
    fi
    expect bfq-other-scheduler.unit-gone "$(gone $unit)" gone
    expect bfq-other-scheduler.state-gone "$([ -d "$R/$id" ] && echo present || echo gone)" gone

    echo bfq > /sys/block/vda/queue/scheduler || die "cannot switch vda to bfq"
    expect scheduler "$(grep -o '\[bfq\]' /sys/block/vda/queue/scheduler)" "[bfq]"
    id=iow3 unit=vt-iow3.scope
    mkbundle $id "system.slice:vt:$id" --resources "$res" -- sleep 1000
    sd_create $id
    expect bfq.IODeviceWeight "$(prop $unit IODeviceWeight)" "/dev/block/$root 4950"
    expect bfq.file "$(grep -cx "$root 500" "$CG$(prop $unit ControlGroup)/io.bfq.weight")" 1
    expect bfq.no-warning "$(grep -c 'weightDevice ignored' "$D/$id.log")" 0
    rt delete --force $id >/dev/null 2>&1
    expect bfq.unit-gone "$(gone $unit)" gone
    # Back to the scheduler the disk had, and BFQ unloaded (best effort).
    grep -o '\[[^]]*\]' <<<"$sched" | tr -d '[]' > /sys/block/vda/queue/scheduler 2>/dev/null
    rmmod bfq 2>/dev/null
    return 0
}

t_memory_enforced() {
    local id=mem unit=vt-mem.scope dir
    mkbundle $id "system.slice:vt:mem" --resources '{"memory":{"limit":33554432,"swap":33554432}}' -- \
        sh -c 'dd if=/dev/zero of=/dev/null bs=100M count=1; echo "dd_rc=$?"; sleep 1000'
    sd_started $id
    dir=$CG$(prop $unit ControlGroup)
    wait_match "$D/$id.log" '^dd_rc=' 300 || { show "$D/$id.log"; die "dd did not finish in 30 s"; }
    expect dd-killed "$(sed -n 's/^dd_rc=//p' "$D/$id.log")" 137
    expect oom_kill "$(awk '$1=="oom_kill"{print ($2>0)?"yes":"no"}' $dir/memory.events)" yes
    rt delete --force $id >/dev/null 2>&1
}

t_pids_enforced() {
    local id=pids unit=vt-pids.scope dir
    mkbundle $id "system.slice:vt:pids" --resources '{"pids":{"limit":10}}' -- \
        sh -c '(for i in $(seq 30); do sleep 100 & done) 2>/dev/null; echo forked; exec sleep 1000'
    sd_started $id
    dir=$CG$(prop $unit ControlGroup)
    wait_match "$D/$id.log" 'forked' 300 || { show "$D/$id.log"; die "the fork loop did not finish"; }
    expect pids.current-capped "$(( $(cat $dir/pids.current) <= 10 ))" 1
    expect pids.events-max "$(awk '$1=="max"{print ($2>0)?"hit":"not hit"}' $dir/pids.events)" hit
    rt delete --force $id >/dev/null 2>&1
}

t_update() {
    local id=upd unit=vt-upd.scope dir
    mkbundle $id "system.slice:vt:upd" --resources '{"memory":{"limit":67108864},"pids":{"limit":20}}' -- sleep 1000
    sd_started $id
    dir=$CG$(prop $unit ControlGroup)
    rt update --memory 134217728 --pids-limit 30 --cpu-share 2048 $id >"$D/u.log" 2>&1 || { show "$D/u.log"; die "update failed"; }
    expect MemoryMax "$(prop $unit MemoryMax)" 134217728
    expect TasksMax "$(prop $unit TasksMax)" 30
    expect CPUWeight "$(prop $unit CPUWeight)" "$(cat $dir/cpu.weight)"
    expect file.memory.max "$(cat $dir/memory.max)" 134217728
    expect file.pids.max "$(cat $dir/pids.max)" 30
    rt delete --force $id >/dev/null 2>&1
}

t_pause_resume() {
    local id=pz unit=vt-pz.scope dir
    mkbundle $id "system.slice:vt:pz" -- sleep 1000
    sd_started $id
    dir=$CG$(prop $unit ControlGroup)
    rt pause $id || die "pause failed"
    expect paused "$(state_field $id status)" paused
    expect cgroup.freeze "$(cat $dir/cgroup.freeze)" 1
    rt resume $id || die "resume failed"
    expect resumed "$(state_field $id status)" running
    expect unit-active "$(prop $unit ActiveState)" active
    rt delete --force $id >/dev/null 2>&1
}

t_events_ps() {
    local id=ev out
    mkbundle $id "system.slice:vt:ev" --resources '{"pids":{"limit":50}}' -- sh -c 'sleep 1000 & sleep 1000 & wait'
    sd_started $id
    sleep 0.5
    out=$(rt events --stats $id 2>&1)
    expect stats-pids "$(grep -o '"pids":{"current":[0-9]*' <<<"$out" | sed 's/.*://')" 3
    expect stats-type "$(grep -o '"type":"stats"' <<<"$out")" '"type":"stats"'
    expect ps-count "$(rt ps --format json $id | tr ',' '\n' | grep -c '[0-9]')" 3
    rt delete --force $id >/dev/null 2>&1
}

t_kill_all() {
    local id=ka unit=vt-ka.scope
    mkbundle $id "system.slice:vt:ka" -- sh -c 'sleep 1000 & sleep 1000 & wait'
    sd_started $id
    sleep 0.5
    rt kill --all $id KILL || die "kill --all failed"
    wait_status $id stopped 100 || die "not stopped after kill --all"
    expect stopped "$(state_field $id status)" stopped
    rt delete $id >/dev/null 2>&1 || die "delete failed"
    expect unit-gone "$(gone $unit)" gone
}

# A create that fails after the unit exists (a createRuntime hook fails) leaves no unit, cgroup
# or state.
t_failed_create() {
    local id=fc unit=vt-fc.scope
    mkbundle $id "system.slice:vt:fc" --hooks '{"createRuntime":[{"path":"/bin/false"}]}' -- sleep 1000
    if rt --systemd-cgroup create --bundle "$B" $id >"$D/$id.log" 2>&1; then die "create succeeded with a failing hook"; fi
    expect unit-gone "$(gone $unit)" gone
    expect cgroup-gone "$([ -d $CG/system.slice/$unit ] && echo present || echo gone)" gone
    expect state-gone "$([ -d "$R/$id" ] && echo present || echo gone)" gone
}

# A create killed (SIGKILL) while its unit exists: delete of the half-made container removes it.
t_killed_create() {
    local id=kc unit=vt-kc.scope pid i
    mkbundle $id "system.slice:vt:kc" --hooks '{"createRuntime":[{"path":"/bin/sleep","args":["sleep","30"]}]}' -- sleep 1000
    rt --systemd-cgroup create --bundle "$B" $id >"$D/$id.log" 2>&1 &
    pid=$!
    for i in $(seq 150); do [ "$(prop $unit ActiveState)" = active ] && break; sleep 0.1; done
    expect unit-during-create "$(prop $unit ActiveState)" active
    kill -9 $pid; wait $pid 2>/dev/null
    pkill -9 -f 'sleep 30' 2>/dev/null
    rt delete --force $id >"$D/del.log" 2>&1 || { show "$D/del.log"; die "delete of the killed create failed"; }
    expect unit-gone "$(gone $unit)" gone
    expect cgroup-gone "$([ -d $CG/system.slice/$unit ] && echo present || echo gone)" gone
    expect state-gone "$([ -d "$R/$id" ] && echo present || echo gone)" gone
}

# NOTIFY_SOCKET: a Type=notify service running the container in the foreground becomes active
# when the container sends READY=1 (relayed by the runtime, with MAINPID = the runtime).
t_notify_socket() {
    [ -x "$ROOTFS/bin/sd_notify_send" ] || skip "no sd_notify_send helper (run.sh builds it with gcc -static)"
    local id=nt unit=vt-notify.service
    mkbundle $id "system.slice:vt:nt" -- sh -c 'sleep 2; sd_notify_send STATUS=ignored; sd_notify_send READY=1; sleep 1000'
    systemd-run --unit=$unit -p Type=notify -p TimeoutStartSec=60 -p KillMode=mixed \
        "$VT_RUNTIME" --root "$R" --systemd-cgroup run --bundle "$B" $id >"$D/sr.log" 2>&1 \
        || { show "$D/sr.log"; journalctl -u $unit --no-pager | tail -n 20 > "$D/j.log"; show "$D/j.log"; die "the Type=notify unit did not start"; }
    expect service-active "$(prop $unit ActiveState)" active
    expect MainPID-is-runtime "$(cat /proc/$(prop $unit MainPID)/comm 2>/dev/null)" swiftrun
    expect container-running "$(state_field $id status)" running
    expect container-unit "$(prop vt-nt.scope ActiveState)" active
    # The container's sh (PID 1 of its namespace) ignores SIGTERM: kill it, the foreground run ends.
    rt kill $id KILL >/dev/null 2>&1
    for i in $(seq 200); do case "$(prop $unit ActiveState)" in active|deactivating) sleep 0.1 ;; *) break ;; esac; done
    systemctl stop $unit 2>/dev/null; systemctl reset-failed $unit 2>/dev/null
    rt delete --force $id >/dev/null 2>&1
    expect container-unit-gone "$(gone vt-nt.scope)" gone
}

# checkpoint + restore --systemd-cgroup: the restored container is in a transient scope made as
# create makes it (CRIU is its first process, the restored tasks land in its cgroup, the
# resources become the unit's properties); delete stops the unit.
t_criu_restore() {
    command -v criu >/dev/null || skip "criu is not in the image (build-image.sh installs it with the engines)"
    local id=cr unit=vt-cr.scope before pid cgp i
    mkbundle $id "system.slice:vt:cr" --resources '{"memory": {"limit": 67108864}}' -- \
        sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; echo "n=$i"; sleep 0.2; done'
    # Pipes for stdio: CRIU cannot dump a file opened outside the container.
    ( sleep 300 | timeout -k 5 240 "$VT_RUNTIME" --root "$R" --systemd-cgroup run -d --bundle "$B" $id 2>&1 | cat > "$D/run.out" ) &
    wait_match "$D/run.out" '^n=5$' 300 || { show "$D/run.out"; die "the counter did not start"; }
    expect unit-before "$(prop $unit ActiveState)" active
    timeout -k 5 240 "$VT_RUNTIME" --root "$R" checkpoint --image-path "$D/img" $id >"$D/ckpt.err" 2>&1 \
        || { show "$D/ckpt.err"; die "checkpoint failed"; }
    expect stopped-after-checkpoint "$(state_field $id status)" stopped
    before=$(sed -n 's/^n=//p' "$D/run.out" | tail -n1)
    ( sleep 300 | timeout -k 5 240 "$VT_RUNTIME" --root "$R" --systemd-cgroup restore -d --bundle "$B" --image-path "$D/img" $id 2>&1 \
        | cat > "$D/restore.out" ) &
    wait_status $id running 1200 || { show "$D/restore.out"; grep -h Error "$D/img/restore.log" | head | sed 's/^/    | /'; die "restore failed"; }
    pid=$(state_field $id pid)
    expect unit-active "$(prop $unit ActiveState)" active
    cgp=$(prop $unit ControlGroup)
    expect restored-pid-in-scope "$(grep -cx "$pid" "$CG$cgp/cgroup.procs" 2>/dev/null)" 1
    expect proc-cgroup "$(sed -n 's/^0:://p' /proc/$pid/cgroup)" /system.slice/$unit
    expect unit-MemoryMax "$(prop $unit MemoryMax)" 67108864
    expect memory.max "$(cat "$CG$cgp/memory.max" 2>/dev/null)" 67108864
    wait_match "$D/restore.out" "^n=$((before + 3))\$" 150
    expect count-continues "$?" 0
    expect first-after-restore "$(sed -n 's/^n=//p' "$D/restore.out" | head -n1 | awk -v b="$before" '{ print ($1 > b) ? "yes" : "no (" $1 " after " b ")" }')" yes
    rt delete --force $id >"$D/delete.err" 2>&1 || show "$D/delete.err"
    expect unit-gone "$(gone $unit)" gone
    expect cgroup-gone "$([ -d "$CG$cgp" ] && echo present || echo gone)" gone
}

t_podman() {
    command -v podman >/dev/null || skip "podman is not in the image"
    local out
    mkdir -p "$D/store" "$D/run"
    tar -C "$ROOTFS" -c . | podman --root "$D/store" --runroot "$D/run" --storage-driver vfs import - localhost/vt-busybox >"$D/import.log" 2>&1 \
        || { show "$D/import.log"; die "podman import failed"; }
    out=$(timeout 120 podman --root "$D/store" --runroot "$D/run" --storage-driver vfs --cgroup-manager=systemd --runtime "$VT_RUNTIME" \
        run --rm --network none --name vtpod localhost/vt-busybox sh -c 'echo hello; cat /proc/self/cgroup' 2>&1)
    echo "$out" > "$D/podman.log"
    expect run-output "$(head -n1 <<<"$out")" hello
    expect in-libpod-scope "$(grep -c 'libpod-.*\.scope' <<<"$out")" 1 0
    out=$(timeout 120 podman --root "$D/store" --runroot "$D/run" --storage-driver vfs --cgroup-manager=systemd --runtime "$VT_RUNTIME" \
        run -d --network none --memory 64m --name vtpod2 localhost/vt-busybox sleep 1000 2>&1 | tail -n1)
    local cid=$out unit
    unit=$(systemctl list-units --all --plain --no-legend 'libpod-*.scope' | awk '{print $1}' | grep -v conmon | head -n1)
    expect unit-exists "$([ -n "$unit" ] && echo yes || echo no)" yes
    [ -n "$unit" ] && expect unit-MemoryMax "$(prop "$unit" MemoryMax)" 67108864
    timeout 60 podman --root "$D/store" --runroot "$D/run" --storage-driver vfs --runtime "$VT_RUNTIME" rm -f -t 0 vtpod2 >/dev/null 2>&1
    [ -n "$unit" ] && expect unit-gone "$(gone "$unit")" gone
}

t_containerd() {
    command -v containerd >/dev/null && command -v ctr >/dev/null || skip "containerd is not in the image"
    local addr=$D/ctrd.sock out pid
    containerd --root "$D/croot" --state "$D/cstate" --address "$addr" >"$D/containerd.log" 2>&1 &
    pid=$!
    for i in $(seq 100); do [ -S "$addr" ] && break; sleep 0.1; done
    [ -S "$addr" ] || { kill $pid; die "containerd did not start"; }
    out=$(timeout 120 ctr --address "$addr" run --rm --rootfs --runc-binary "$VT_RUNTIME" --runc-systemd-cgroup \
        --cgroup "system.slice:vtctr:c1" "$ROOTFS" c1 sh -c 'echo hi; cat /proc/self/cgroup' 2>&1)
    echo "$out" > "$D/ctr.log"
    expect ctr-run "$(head -n1 <<<"$out")" hi
    expect unit-gone "$(gone vtctr-c1.scope)" gone
    kill $pid; wait $pid 2>/dev/null
}

# ---------------------------------------------------------------- rootless: the user's systemd
# A throwaway user (with a subuid range) whose systemd instance runs because of lingering
# (user@UID.service, the user bus at /run/user/UID/bus from dbus-user-session). The u_* parts run
# as that user in a service of its systemd instance (systemd-run --user --pipe): the runtime must
# run inside the user's own cgroup tree, or its systemd could not move the init into the scope.
VTU=vtuser
user_setup() {
    if ! id $VTU >/dev/null 2>&1; then
        useradd -m -s /bin/bash $VTU >"$D/useradd.log" 2>&1 || { show "$D/useradd.log"; die "useradd $VTU failed"; }
    fi
    grep -q "^$VTU:" /etc/subuid 2>/dev/null || echo "$VTU:200000:65536" >> /etc/subuid
    grep -q "^$VTU:" /etc/subgid 2>/dev/null || echo "$VTU:200000:65536" >> /etc/subgid
    VUID=$(id -u $VTU)
    loginctl enable-linger $VTU || die "loginctl enable-linger $VTU failed"
    local i
    for i in $(seq 600); do
        [ "$(systemctl is-active user@$VUID.service 2>/dev/null)" = active ] && [ -S /run/user/$VUID/bus ] && break
        sleep 0.1
    done
    [ "$(systemctl is-active user@$VUID.service)" = active ] || die "user@$VUID.service is not active after enable-linger"
    [ -S /run/user/$VUID/bus ] || die "no user bus at /run/user/$VUID/bus (dbus-user-session)"
}
# as_user PART: runs u_PART of this script as $VTU in its systemd instance; its PASS/FAIL lines
# come back on the pipe, a die() there lands in $D/.reason.
as_user() {
    chown -R $VTU "$D"; chmod 666 "$VT_WORK/.results"
    timeout -k 5 300 runuser -u $VTU -- env XDG_RUNTIME_DIR=/run/user/$VUID \
        systemd-run --user --wait --pipe --quiet --collect -p TimeoutStartSec=280 \
        -E XDG_RUNTIME_DIR=/run/user/$VUID -E PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        -E VT_RUNTIME="$VT_RUNTIME" -E VT_WORK="$VT_WORK" -E VT_ROOTFS_SRC="$VT_ROOTFS_SRC" \
        bash "$SELF" --as-user "$CHECK" "$1" </dev/null
    [ -s "$D/.reason" ] && exit 1
    return 0
}
uprop() { systemctl --user show -P "$2" "$1" 2>/dev/null; }
ugone() {
    local ls as
    ls=$(uprop "$1" LoadState); as=$(uprop "$1" ActiveState)
    if [ "$ls" = not-found ] || [ "$as" = inactive ]; then echo gone; else echo "$ls/$as"; fi
}

t_user_bus() {
    user_setup
    # Debian's user@.service delegates only some controllers to the user's systemd.
    local dc ctl
    dc=$(prop user@$VUID.service DelegateControllers)
    ctl=$(cat $CG/user.slice/user-$VUID.slice/user@$VUID.service/cgroup.controllers 2>/dev/null)
    note "user@$VUID.service: Delegate=$(prop user@$VUID.service Delegate) DelegateControllers='$dc'; the manager's controllers: '$ctl'"
    expect delegated-memory-pids "$(grep -ow -e memory -e pids <<<"$ctl" | sort | tr '\n' ' ')" "memory pids "
    as_user user_bus
}

u_user_bus() {
    local uid unit base id dir
    uid=$(id -u)
    base=/user.slice/user-$uid.slice/user@$uid.service
    unset DBUS_SESSION_BUS_ADDRESS   # runc's fallback: unix:path=$XDG_RUNTIME_DIR/bus
    # cgroupsPath user.slice:swiftrun:ID, limits from linux.resources.
    id=u1 unit=swiftrun-u1.scope
    mkbundle $id "user.slice:swiftrun:$id" --userns --resources '{"memory":{"limit":67108864},"pids":{"limit":20}}' -- sleep 1000
    sd_started $id
    dir=$CG$base/user.slice/$unit
    expect $id.active "$(uprop $unit ActiveState)" active
    expect $id.cgroup "$(uprop $unit ControlGroup)" "$base/user.slice/$unit"
    expect $id.init-in-unit "$(grep -cx "$(state_field $id pid)" "$dir/cgroup.procs" 2>/dev/null)" 1
    expect $id.MemoryMax "$(uprop $unit MemoryMax)" 67108864
    expect $id.TasksMax "$(uprop $unit TasksMax)" 20
    expect $id.file.memory.max "$(cat $dir/memory.max)" 67108864
    expect $id.file.pids.max "$(cat $dir/pids.max)" 20
    rt update --memory 134217728 --pids-limit 30 $id >"$D/u.log" 2>&1 || { show "$D/u.log"; die "update failed"; }
    expect $id.update.MemoryMax "$(uprop $unit MemoryMax)" 134217728
    expect $id.update.TasksMax "$(uprop $unit TasksMax)" 30
    expect $id.update.file.pids.max "$(cat $dir/pids.max)" 30
    rt pause $id || die "pause failed"
    expect $id.paused "$(state_field $id status)/$(cat $dir/cgroup.freeze)" paused/1
    rt resume $id || die "resume failed"
    expect $id.resumed "$(state_field $id status)/$(cat $dir/cgroup.freeze)" running/0
    expect $id.ps "$(rt ps --format json $id | tr ',' '\n' | grep -c '[0-9]')" 1
    rt kill --all $id KILL || die "kill --all failed"
    wait_status $id stopped 100 || die "not stopped after kill --all"
    rt delete $id >"$D/del.log" 2>&1 || { show "$D/del.log"; die "delete failed"; }
    expect $id.unit-gone "$(ugone $unit)" gone
    expect $id.cgroup-gone "$([ -d "$dir" ] && echo present || echo gone)" gone

    # No cgroupsPath: swiftrun-ID.scope in the user manager's user.slice; a pids limit holds.
    id=u2 unit=swiftrun-u2.scope
    mkbundle $id "" --userns --resources '{"pids":{"limit":10}}' -- \
        sh -c '(for i in $(seq 30); do sleep 100 & done) 2>/dev/null; echo forked; exec sleep 1000'
    sd_started $id
    dir=$CG$base/user.slice/$unit
    expect $id.cgroup "$(uprop $unit ControlGroup)" "$base/user.slice/$unit"
    wait_match "$D/$id.log" 'forked' 300 || { show "$D/$id.log"; die "the fork loop did not finish"; }
    expect $id.pids-capped "$(( $(cat $dir/pids.current) <= 10 ))" 1
    expect $id.pids.events-max "$(awk '$1=="max"{print ($2>0)?"hit":"not hit"}' $dir/pids.events)" hit
    rt delete --force $id >/dev/null 2>&1
    expect $id.unit-gone "$(ugone $unit)" gone
    expect $id.cgroup-gone "$([ -d "$dir" ] && echo present || echo gone)" gone

    # An explicit DBUS_SESSION_BUS_ADDRESS; a memory limit kills an over-allocating process.
    export DBUS_SESSION_BUS_ADDRESS=unix:path=$XDG_RUNTIME_DIR/bus
    id=u3 unit=vt-u3.scope
    mkbundle $id ":vt:$id" --userns --resources '{"memory":{"limit":33554432,"swap":33554432}}' -- \
        sh -c 'dd if=/dev/zero of=/dev/null bs=100M count=1; echo "dd_rc=$?"; sleep 1000'
    sd_started $id
    dir=$CG$base/user.slice/$unit
    wait_match "$D/$id.log" '^dd_rc=' 300 || { show "$D/$id.log"; die "dd did not finish in 30 s"; }
    expect $id.dd-killed "$(sed -n 's/^dd_rc=//p' "$D/$id.log")" 137
    expect $id.oom_kill "$(awk '$1=="oom_kill"{print ($2>0)?"yes":"no"}' $dir/memory.events)" yes
    rt delete --force $id >/dev/null 2>&1
    expect $id.unit-gone "$(ugone $unit)" gone
}

t_user_bus_refusals() {
    user_setup
    as_user user_bus_refusals
}

u_user_bus_refusals() {
    local id unit out
    # No user bus: the error says so, naming what was tried; nothing is left.
    id=nb
    mkbundle $id "" --userns -- true
    out=$(env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR=$D/nobus "$VT_RUNTIME" --root "$R" --systemd-cgroup create --bundle "$B" $id 2>&1)
    expect no-bus.error "$(grep -c "no user bus was found: DBUS_SESSION_BUS_ADDRESS is not set and $D/nobus/bus" <<<"$out")" 1 || note "$out"
    expect no-bus.state-gone "$([ -d "$R/$id" ] && echo present || echo gone)" gone
    out=$(DBUS_SESSION_BUS_ADDRESS=unix:path=$D/nobus.sock rt --systemd-cgroup create --bundle "$B" $id 2>&1)
    expect bad-address.error "$(grep -c "cannot connect to the user's systemd instance on the user bus unix:path=$D/nobus.sock" <<<"$out")" 1 || note "$out"
    expect bad-address.state-gone "$([ -d "$R/$id" ] && echo present || echo gone)" gone
    # A create that fails once the scope exists (a createRuntime hook fails) leaves no unit.
    id=fc unit=vt-fc.scope
    mkbundle $id "user.slice:vt:$id" --userns --hooks '{"createRuntime":[{"path":"/bin/false"}]}' -- sleep 1000
    if rt --systemd-cgroup create --bundle "$B" $id >"$D/$id.log" 2>&1; then die "create succeeded with a failing hook"; fi
    expect failed-create.unit-gone "$(ugone $unit)" gone
    expect failed-create.cgroup-gone "$(ls -d $CG/user.slice/user-$(id -u).slice/user@$(id -u).service/user.slice/$unit 2>/dev/null | grep -c .)" 0
    expect failed-create.state-gone "$([ -d "$R/$id" ] && echo present || echo gone)" gone
    # A limit of a controller the user's systemd was not given (cpuset) fails, as with runc, and
    # leaves nothing.
    id=cs unit=vt-cs.scope
    mkbundle $id "user.slice:vt:$id" --userns --resources '{"cpu":{"cpus":"0"}}' -- sleep 1000
    if rt --systemd-cgroup create --bundle "$B" $id >"$D/$id.log" 2>&1; then
        note "cpuset is delegated to the user here: create succeeded"
        rt delete --force $id >/dev/null 2>&1
    else
        expect cpuset.error-names-it "$(grep -q 'cpuset' "$D/$id.log" && echo named || echo not-named)" named || show "$D/$id.log"
    fi
    expect cpuset.unit-gone "$(ugone $unit)" gone
    expect cpuset.state-gone "$([ -d "$R/$id" ] && echo present || echo gone)" gone
}

# Rootless podman with the systemd cgroup manager and swiftrun, as the user. podman runs the
# runtime as root of its user namespace, where libdbus's EXTERNAL authentication (uid 0) does not
# match what the user's bus sees (the user's uid): swiftrun reaches the user's manager through
# systemd-stdio-bridge (libdbus's unixexec: transport; Docs/CGROUPS.md).
t_podman_rootless() {
    command -v podman >/dev/null || skip "podman is not in the image"
    user_setup
    as_user podman_rootless
}

u_podman_rootless() {
    local out P uid cid unit dir id bus get
    uid=$(id -u)
    bus=unix:path=$XDG_RUNTIME_DIR/bus
    mkdir -p "$D/store" "$D/run"
    P=(podman --root "$D/store" --runroot "$D/run" --storage-driver vfs --runtime "$VT_RUNTIME")
    get=(--print-reply --dest=org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.DBus.Properties.Get
         string:org.freedesktop.systemd1.Manager string:ControlGroup)
    # By hand, inside podman's namespace: a direct connection is refused, the bridge reaches the manager.
    out=$(timeout 60 "${P[@]}" unshare dbus-send --bus="$bus" "${get[@]}" 2>&1)
    expect by-hand.direct-refused "$(grep -c "user@$uid.service" <<<"$out")" 0 || note "$out"
    # (The bridge's own --user does not do: as uid 0 it reaches the system manager, whose
    # ControlGroup is "". swiftrun gives it the user bus's address with --bus-path.)
    out=$(timeout 60 "${P[@]}" unshare dbus-send --bus="unixexec:path=/usr/bin/systemd-stdio-bridge,argv1=--user" "${get[@]}" 2>&1)
    note "bridge --user: ControlGroup $(grep -o 'string ".*"' <<<"$out")"
    out=$(timeout 60 "${P[@]}" unshare dbus-send --bus="unixexec:path=/usr/bin/systemd-stdio-bridge,argv1=--bus-path%3dunix%3apath%3d$XDG_RUNTIME_DIR/bus" "${get[@]}" 2>&1)
    expect by-hand.bridge-bus-path "$(grep -c "user@$uid.service\"" <<<"$out")" 1 || note "$out"

    tar -C "$ROOTFS" -c . | timeout 120 "${P[@]}" import - localhost/vt-busybox >"$D/import.log" 2>&1 \
        || { show "$D/import.log"; die "podman import failed"; }
    out=$(timeout 120 "${P[@]}" --cgroup-manager=systemd run --rm --network none localhost/vt-busybox echo hello 2>&1)
    expect run-rm "$(tail -n1 <<<"$out")" hello || note "$out"
    timeout 120 "${P[@]}" --cgroup-manager=systemd run -d --network none --memory 64m --pids-limit 50 --name vtpodr \
        localhost/vt-busybox sleep 1000 >"$D/run.log" 2>&1 || show "$D/run.log"
    cid=$(tail -n1 "$D/run.log"); unit=libpod-$cid.scope
    expect scope.active "$(uprop "$unit" ActiveState)" active || systemctl --user list-units --all --plain --no-legend 'libpod-*' | sed 's/^/    | /'
    expect scope.MemoryMax "$(uprop "$unit" MemoryMax)" 67108864
    expect scope.TasksMax "$(uprop "$unit" TasksMax)" 50
    timeout 60 "${P[@]}" exec vtpodr echo exec-ok > "$D/exec.log" 2>&1
    expect exec "$(head -n1 "$D/exec.log")" exec-ok || show "$D/exec.log"
    timeout 60 "${P[@]}" stop -t 1 vtpodr >"$D/stop.log" 2>&1 || show "$D/stop.log"
    expect stop "$(timeout 30 "${P[@]}" inspect -f '{{.State.Status}}' vtpodr 2>&1)" exited
    timeout 60 "${P[@]}" rm vtpodr >"$D/rm.log" 2>&1 || show "$D/rm.log"
    expect scope.gone-after-rm "$(ugone "$unit")" gone
    # The same podman with its cgroupfs manager runs the container too.
    out=$(timeout 120 "${P[@]}" --cgroup-manager=cgroupfs run --rm --network none localhost/vt-busybox echo hello 2>&1)
    expect cgroupfs-manager.run "$(tail -n1 <<<"$out")" hello || note "$out"

    # swiftrun itself inside podman's namespace (root there): pids limit enforced in a foreground run.
    local U=("${P[@]}" unshare) base=/user.slice/user-$uid.slice/user@$uid.service
    id=pu
    mkbundle $id "user.slice:swiftrun:$id" --resources '{"pids":{"limit":10}}' -- \
        sh -c '(for i in $(seq 30); do sleep 100 & done) 2>/dev/null; n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo procs $n'
    out=$(timeout 120 "${U[@]}" "$VT_RUNTIME" --root "$R" --systemd-cgroup run --bundle "$B" $id </dev/null 2>&1)
    local n; n=$(sed -n 's/^procs //p' <<<"$out" | tail -n1)
    expect unshare-run.pids-limited "$([ -n "$n" ] && [ "$n" -le 10 ] && [ "$n" -ge 2 ] && echo limited || echo "procs=$n")" limited || note "$out"
    expect unshare-run.scope-gone "$(ugone swiftrun-$id.scope)" gone
    # create/start: the init is in the scope (same pid namespace), the scope's files are writable
    # from inside the namespace, a memory limit is enforced, delete removes the scope.
    id=pm; unit=swiftrun-$id.scope; dir=$CG$base/user.slice/$unit
    mkbundle $id "user.slice:swiftrun:$id" --resources '{"memory":{"limit":33554432,"swap":33554432}}' -- sleep 1000
    timeout 120 "${U[@]}" "$VT_RUNTIME" --root "$R" --systemd-cgroup create --bundle "$B" $id </dev/null >"$D/$id.log" 2>&1 \
        && timeout 60 "${U[@]}" "$VT_RUNTIME" --root "$R" start $id >>"$D/$id.log" 2>&1 || show "$D/$id.log"
    expect unshare.scope-active "$(uprop $unit ActiveState)" active
    expect unshare.MemoryMax "$(cat "$dir/memory.max" 2>&1)" 33554432
    local pid; pid=$(timeout 60 "${U[@]}" "$VT_RUNTIME" --root "$R" state $id 2>/dev/null | tr -d '\n' | sed -n 's/.*"pid"[[:space:]]*:[[:space:]]*\([0-9]*\).*/\1/p')
    expect unshare.init-in-scope "$(grep -cx "${pid:-none}" "$dir/cgroup.procs" 2>/dev/null)" 1
    expect unshare.files-writable "$(timeout 60 "${U[@]}" sh -c "test -w '$dir/cgroup.procs' && test -w '$dir/memory.max' && echo writable")" writable
    out=$(timeout 60 "${U[@]}" "$VT_RUNTIME" --root "$R" exec $id sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null && echo survived || echo killed' 2>&1)
    expect unshare.memory-enforced "$(tail -n1 <<<"$out")" killed || note "$out"
    timeout 60 "${U[@]}" "$VT_RUNTIME" --root "$R" delete -f $id >>"$D/$id.log" 2>&1 || show "$D/$id.log"
    expect unshare.scope-gone "$(ugone $unit)" gone
    expect unshare.state-gone "$([ -d "$R/$id" ] && echo present || echo gone)" gone
    # Refusals, before anything is made: no bridge (hidden in a mount namespace of its own: podman
    # unshare's is shared by every podman unshare), and a pid
    # namespace of the runtime's own (the pids StartTransientUnit gets would be wrong).
    id=pr; unit=swiftrun-$id.scope
    mkbundle $id "user.slice:swiftrun:$id" -- sleep 1000
    out=$(timeout 60 "${U[@]}" unshare -m sh -c 'mount --bind /dev/null /usr/bin/systemd-stdio-bridge && exec "$@"' sh \
        "$VT_RUNTIME" --root "$R" --systemd-cgroup create --bundle "$B" $id </dev/null 2>&1)
    expect no-bridge.error "$(grep -c "needs /usr/bin/systemd-stdio-bridge (systemd's systemd-stdio-bridge)" <<<"$out")" 1 || note "$out"
    expect no-bridge.state-gone "$([ -d "$R/$id" ] && echo present || echo gone)" gone
    out=$(timeout 60 "${U[@]}" unshare -p -f --mount-proc "$VT_RUNTIME" --root "$R" --systemd-cgroup create --bundle "$B" $id </dev/null 2>&1)
    expect own-pidns.error "$(grep -c "the runtime is in a pid namespace other than the user's systemd's" <<<"$out")" 1 || note "$out"
    expect own-pidns.state-gone "$([ -d "$R/$id" ] && echo present || echo gone)" gone
    expect own-pidns.no-unit "$(ugone $unit)" gone
    expect no-bridge-left "$(pgrep -u "$uid" -f systemd-stdio-bridge | grep -c .)" 0
    return 0
}

t_leftovers() {
    expect no-vt-units "$(systemctl list-units --all --plain --no-legend 'vt-*.scope' 'swiftrun-*.scope' | grep -c .)" 0
    expect no-failed-units "$(systemctl list-units --failed --plain --no-legend | grep -c 'scope')" 0
    if id $VTU >/dev/null 2>&1; then
        local u; u=$(id -u $VTU)
        expect no-user-units "$(runuser -u $VTU -- env XDG_RUNTIME_DIR=/run/user/$u systemctl --user list-units --all --plain --no-legend 'vt-*.scope' 'swiftrun-*.scope' 'libpod-*.scope' | grep -c .)" 0
        loginctl disable-linger $VTU 2>/dev/null
    fi
}

# ---------------------------------------------------------------- driver
if [ "$MODE" = user ]; then
    # A check's u_PART, as $VTU (as_user): its own state root, containers deleted after.
    CHECK=$ONE D=$VT_WORK/$ONE R=$VT_WORK/$ONE/uroot
    mkdir -p "$R"
    cleanup() { for d in "$R"/*/; do [ -d "$d" ] && timeout 20 "$VT_RUNTIME" --root "$R" delete --force "$(basename "$d")" >/dev/null 2>&1; done; }
    trap cleanup EXIT
    "u_$PART"
    exit 0
fi
if [ "$MODE" = one ]; then
    CHECK=$ONE D=$VT_WORK/$ONE R=$VT_WORK/$ONE/root
    mkdir -p "$D" "$R"
    cleanup() { for d in "$R"/*/; do [ -d "$d" ] && timeout 20 "$VT_RUNTIME" --root "$R" delete --force "$(basename "$d")" >/dev/null 2>&1; done; }
    trap cleanup EXIT
    "t_$ONE"
    exit 0
fi

echo "inside: runtime $VT_RUNTIME ($("$VT_RUNTIME" --version 2>&1 | head -n1))"
echo "inside: systemd $(systemctl --version | head -n1), $(uname -r), controllers: $(cat $CG/cgroup.controllers)"
rm -rf "$VT_WORK"; mkdir -p "$VT_WORK"; : > "$VT_WORK/.results"
cp -a "$VT_ROOTFS_SRC" "$ROOTFS"
# The runtime from the local disk: 9p reads are slow and every call reads the whole binary.
install -m 755 "$VT_RUNTIME" /usr/local/sbin/swiftrun && VT_RUNTIME=/usr/local/sbin/swiftrun && export VT_RUNTIME
[ -x /host/.build/vm-systemd/sd_notify_send ] && cp /host/.build/vm-systemd/sd_notify_send "$ROOTFS/bin/"
timings=""
for name in "${CHECKS[@]}"; do
    if [ -n "$VT_ONLY" ] && ! [[ $name =~ $VT_ONLY ]]; then continue; fi
    before=$(wc -l < "$VT_WORK/.results"); t0=$(date +%s)
    timeout -k 5 "${VT_CHECK_TIMEOUT:-400}" bash "$SELF" --one "$name"; rc=$?
    timings+=" $name=$(( $(date +%s) - t0 ))s"
    reason=$(head -n1 "$VT_WORK/$name/.reason" 2>/dev/null)
    subs=$(( $(wc -l < "$VT_WORK/.results") - before ))
    case $rc in
        0) [ "$subs" -gt 0 ] || { echo "PASS $name"; echo P >> "$VT_WORK/.results"; } ;;
        77) echo "SKIP $name: ${reason:-skipped}"; echo S >> "$VT_WORK/.results" ;;
        124|137) echo "FAIL $name: timed out"; echo F >> "$VT_WORK/.results" ;;
        *) echo "FAIL $name: ${reason:-exit status $rc}"; echo F >> "$VT_WORK/.results" ;;
    esac
done
echo "timings:$timings"
p=$(grep -c P "$VT_WORK/.results"); f=$(grep -c F "$VT_WORK/.results"); s=$(grep -c S "$VT_WORK/.results")
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
