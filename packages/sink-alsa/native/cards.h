// Sound cards and their controls: finding the snd-aloop card and nudging its clock.
#pragma once

#include <alsa/asoundlib.h>

#include <string>
#include <vector>

namespace phonemic {

struct CardInfo {
  int index;
  std::string id;      // e.g. "Loopback" (the module's `id=` option can change it)
  std::string driver;  // "Loopback" for snd-aloop whatever its id
  std::string name;
};

// Every card alsa-lib can see; empty when there is no sound hardware or driver at all.
std::vector<CardInfo> ListCards();

// How many playback subdevices PCM `device` of `card` has; 0 when it cannot tell.
int PlaybackSubdevices(int card, int device);

// Writes snd-aloop's "PCM Rate Shift 100000" control for the cable that the playback
// subdevice `device`,`subdevice` feeds. Returns 0, or a negative errno (-ENOENT: no such
// control, i.e. not a loopback device).
int WriteRateShift(snd_ctl_t* ctl, int device, int subdevice, long value);

// Opens the control interface of `card`; returns 0 or a negative errno.
int OpenCardControl(int card, snd_ctl_t** ctl);

}  // namespace phonemic
