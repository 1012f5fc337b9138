#!/bin/sh
# modules:
# Without snd-aloop there is no Loopback card, and opening it fails: the state a user is in
# before `modprobe snd-aloop`, staged for tests of that error path.
set -u
if grep -q '^snd_aloop ' /proc/modules; then
	echo "snd-aloop is loaded, but this test asked for no modules"
	exit 1
fi
head -c 19200 /dev/zero >silence.raw
if aplay -D hw:Loopback,0,0 -f S16_LE -c 2 -r 48000 -t raw silence.raw 2>err.txt; then
	echo "aplay to hw:Loopback,0,0 succeeded without snd-aloop"
	exit 1
fi
cat err.txt
grep -q 'audio open error' err.txt || { echo "aplay failed, but not at open"; exit 1; }
echo "aplay failed to open hw:Loopback,0,0, as it should"
