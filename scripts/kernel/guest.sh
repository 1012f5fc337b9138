#!/bin/sh
# PID 1 of the test VM, started by the initramfs from the repo share (/repo). It runs the
# tests of one run, one after another, and powers off. It is read from the share at every
# boot, so editing it needs no image rebuild.
#
#   kernel command line   rig.run=REL (run dir, relative to the repo)  rig.shell=1 (shell at the end)
#   REL/plan              one test a line: NAME TIMEOUT_S RUNNER FILE [MODULE ...]
#                         RUNNER is sh, bash, node or exec; FILE is relative to the repo
#   REL/NAME.log          the test's output (also copied to the console as it runs)
#   REL/NAME.status       its exit status: 124 timed out, 125 a module failed to load
#   REL/NAME/             the test's own artifacts ($KERNEL_TEST_OUT)
#   console markers       @@rig ready UPTIME | @@rig start NAME | @@rig end NAME STATUS SECONDS | @@rig done
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=vt100

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
hostname phonemic-vm
ip link set lo up

arg() { sed -n "s/.*\brig\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
now() { cut -d' ' -f1 /proc/uptime; }
loaded() { cut -d' ' -f1 /proc/modules | sort; }
off() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 30
}

# A USB gadget left in configfs pins its modules and its UDC: take it apart.
remove_gadgets() {
	for g in /sys/kernel/config/usb_gadget/*/; do
		[ -d "$g" ] || continue
		echo "" >"$g/UDC" 2>/dev/null
		find "$g" -type l -delete
		rmdir "$g"/configs/*/strings/* "$g"/configs/* "$g"/functions/* "$g"/strings/* "$g" 2>/dev/null
	done
}

run=/repo/$(arg run)
echo "@@rig ready $(now)"
[ -f "$run/plan" ] || { echo "@@rig fail no plan at $run/plan"; off; }

while read -r name timeout runner file modules <&3; do
	log=/tmp/rig.log # local: stray children of a test must not hold the share or a pipe
	out=$run/$name
	mkdir -p "$out"
	: >"$log"
	echo "@@rig start $name"
	t0=$(now)
	loaded >/tmp/modules.before
	status=0
	for m in $modules; do
		modprobe "$m" >>"$log" 2>&1 || { echo "rig: modprobe $m failed" | tee -a "$log"; status=125; }
	done
	if grep -qw configfs /proc/filesystems && ! mountpoint -q /sys/kernel/config; then
		mount -t configfs configfs /sys/kernel/config
	fi

	if [ "$status" -eq 0 ]; then
		case $runner in
		exec) set -- "/repo/$file" ;;
		*) set -- "$runner" "/repo/$file" ;;
		esac
		mkdir -p "/tmp/$name" && cd "/tmp/$name" || exit 1
		REPO=/repo KERNEL_TEST_NAME=$name KERNEL_TEST_OUT=$out \
			timeout -k 5 "$timeout" "$@" </dev/null >>"$log" 2>&1 &
		pid=$!
		tail -s 0.2 -n +1 -f --pid=$pid "$log" & # live copy on the console
		wait $pid
		status=$?
		wait $!
		cd / || exit 1
		[ "$status" -eq 124 ] && echo "rig: $name timed out after ${timeout}s" | tee -a "$log"
	fi

	# Leave the next test a clean guest: no processes of this one, none of its modules.
	kill -KILL -1 2>/dev/null
	sleep 0.2
	awk '$3 == "functionfs" { print $2 }' /proc/mounts | xargs -r umount
	remove_gadgets
	extra=$(loaded | comm -13 /tmp/modules.before -)
	[ -n "$extra" ] && mountpoint -q /sys/kernel/config && umount /sys/kernel/config
	i=0
	while [ -n "$extra" ] && [ $i -lt 5 ]; do
		for m in $extra; do rmmod "$m" 2>/dev/null; done
		extra=$(loaded | comm -13 /tmp/modules.before -)
		i=$((i + 1))
	done
	left=
	for m in $extra; do # crypto the kernel loaded on demand stays, harmlessly
		modinfo -n "$m" 2>/dev/null | grep -q /crypto/ || left="$left $m"
	done
	[ -n "$left" ] && echo "rig: still loaded after $name:$left" | tee -a "$log"

	cp "$log" "$run/$name.log"
	echo "$status" >"$run/$name.status"
	sync "$run/$name.log" "$run/$name.status" # the share caches writes; the host reads them on the marker
	echo "@@rig end $name $status $(awk "BEGIN { printf \"%.1f\", $(now) - $t0 }")"
done 3<"$run/plan"

echo "@@rig done"
if [ "$(arg shell)" = 1 ]; then
	echo "rig: shell on the console (the run dir is $run); exit it to power off"
	setsid -c -w bash -l </dev/ttyS0 >/dev/ttyS0 2>&1
fi
off
