// Hardware parameters: what a PCM allows, and setting it up for interleaved S16_LE.
#pragma once

#include <alsa/asoundlib.h>

#include <string>
#include <vector>

namespace phonemic {

// What the device allows with interleaved read/write access.
struct Caps {
  bool s16le = false;                // S16_LE is among the formats
  std::vector<std::string> formats;  // every sample format it allows, by ALSA name
  // Ranges with S16_LE chosen (or over all formats when S16_LE is not allowed).
  unsigned rate_min = 0, rate_max = 0;
  unsigned channels_min = 0, channels_max = 0;
};

// Fills `caps`; returns 0 or a negative errno.
int QueryCaps(snd_pcm_t* pcm, Caps* caps);

struct Request {
  unsigned rate, channels;
  unsigned period_us, buffer_us;
};

struct Applied {
  unsigned rate = 0, channels = 0;
  snd_pcm_uframes_t period_frames = 0, buffer_frames = 0;
};

// Sets hw and sw params. Rate, period and buffer are taken "near" the request; channels exactly.
// On failure returns a negative errno and names the refused parameter in `*what`.
int Configure(snd_pcm_t* pcm, const Request& request, Applied* applied, std::string* what);

}  // namespace phonemic
