#!/bin/busybox sh
# /init of the test VM's initramfs. The disk, ext4 and 9p drivers are modules in Debian's
# kernel, so load them (the list is in dependency order), mount the root disk and the repo
# share, and hand PID 1 over to the guest runner that lives in the repo. cache=loose: the
# host does not change the repo during a run, and metadata caching halves node's start-up.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fail() {
	echo "@@rig fail initramfs: $*"
	grep -q 'rig.shell=1' /proc/cmdline && sh
	echo o >/proc/sysrq-trigger
	sleep 10
}

for m in $(cat /boot-modules); do
	insmod "/lib/modules/$m.ko" || fail "insmod $m"
done

i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mount -t ext4 /dev/vda /newroot || fail "cannot mount the root disk /dev/vda"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose repo /newroot/repo ||
	fail "cannot mount the repo share (9p tag 'repo')"
[ -f /newroot/repo/scripts/kernel/guest.sh ] || fail "the share holds no scripts/kernel/guest.sh"

umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh /repo/scripts/kernel/guest.sh
