#include "hw.h"

namespace phonemic {

namespace {

// snd_pcm_hw_params_t lives on the heap here; this frees it on every return path.
struct HwParams {
  snd_pcm_hw_params_t* p = nullptr;
  HwParams() { snd_pcm_hw_params_malloc(&p); }
  ~HwParams() { snd_pcm_hw_params_free(p); }
};

struct SwParams {
  snd_pcm_sw_params_t* p = nullptr;
  SwParams() { snd_pcm_sw_params_malloc(&p); }
  ~SwParams() { snd_pcm_sw_params_free(p); }
};

int Fail(int err, std::string* what, const char* name) {
  *what = name;
  return err;
}

}  // namespace

int QueryCaps(snd_pcm_t* pcm, Caps* caps) {
  HwParams hw;
  int err = snd_pcm_hw_params_any(pcm, hw.p);
  if (err < 0) return err;
  if ((err = snd_pcm_hw_params_set_access(pcm, hw.p, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0) {
    return err;
  }
  for (int f = 0; f <= int(SND_PCM_FORMAT_LAST); ++f) {
    auto format = snd_pcm_format_t(f);
    const char* name = snd_pcm_format_name(format);
    if (name != nullptr && snd_pcm_hw_params_test_format(pcm, hw.p, format) == 0) {
      caps->formats.push_back(name);
    }
  }
  caps->s16le = snd_pcm_hw_params_set_format(pcm, hw.p, SND_PCM_FORMAT_S16_LE) == 0;
  int dir = 0;
  snd_pcm_hw_params_get_rate_min(hw.p, &caps->rate_min, &dir);
  snd_pcm_hw_params_get_rate_max(hw.p, &caps->rate_max, &dir);
  snd_pcm_hw_params_get_channels_min(hw.p, &caps->channels_min);
  snd_pcm_hw_params_get_channels_max(hw.p, &caps->channels_max);
  return 0;
}

int Configure(snd_pcm_t* pcm, const Request& request, Applied* applied, std::string* what) {
  HwParams hw;
  int err;
  if ((err = snd_pcm_hw_params_any(pcm, hw.p)) < 0) return Fail(err, what, "any");
  err = snd_pcm_hw_params_set_access(pcm, hw.p, SND_PCM_ACCESS_RW_INTERLEAVED);
  if (err < 0) return Fail(err, what, "interleaved access");
  err = snd_pcm_hw_params_set_format(pcm, hw.p, SND_PCM_FORMAT_S16_LE);
  if (err < 0) return Fail(err, what, "format S16_LE");
  err = snd_pcm_hw_params_set_channels(pcm, hw.p, request.channels);
  if (err < 0) return Fail(err, what, "channel count");
  unsigned rate = request.rate;
  if ((err = snd_pcm_hw_params_set_rate_near(pcm, hw.p, &rate, nullptr)) < 0) {
    return Fail(err, what, "rate");
  }
  unsigned period_us = request.period_us;
  err = snd_pcm_hw_params_set_period_time_near(pcm, hw.p, &period_us, nullptr);
  if (err < 0) return Fail(err, what, "period time");
  unsigned buffer_us = request.buffer_us;
  err = snd_pcm_hw_params_set_buffer_time_near(pcm, hw.p, &buffer_us, nullptr);
  if (err < 0) return Fail(err, what, "buffer time");
  if ((err = snd_pcm_hw_params(pcm, hw.p)) < 0) return Fail(err, what, "hardware parameters");

  applied->channels = request.channels;
  snd_pcm_hw_params_get_rate(hw.p, &applied->rate, nullptr);
  snd_pcm_hw_params_get_period_size(hw.p, &applied->period_frames, nullptr);
  snd_pcm_hw_params_get_buffer_size(hw.p, &applied->buffer_frames);

  // Start as soon as anything is queued. How much stays queued is the pipeline's choice (its
  // sinkTargetMs, which may be well under half of a large buffer); any higher threshold is
  // never reached when the pipeline keeps less than that, and the device would sit prepared
  // and silent for good. The writer hands over a whole period at a time, and the pipeline
  // writes its full target at once, so the device does not start on a sliver.
  SwParams sw;
  if ((err = snd_pcm_sw_params_current(pcm, sw.p)) < 0) return Fail(err, what, "sw params");
  snd_pcm_sw_params_set_start_threshold(pcm, sw.p, 1);
  snd_pcm_sw_params_set_avail_min(pcm, sw.p, applied->period_frames);
  if ((err = snd_pcm_sw_params(pcm, sw.p)) < 0) return Fail(err, what, "software parameters");
  return 0;
}

}  // namespace phonemic
