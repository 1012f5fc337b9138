// The writer thread: moves frames from the ring into the PCM with blocking snd_pcm_writei,
// so the JS thread never waits for the device.
//
// The thread sleeps on a condition variable while the ring is empty. It never invents
// silence: alsa-lib's file/null PCMs do not pace time, so a thread that fed them whenever they
// looked hungry would spin. Underruns on a real device are left to the device and counted.
//
// Only this thread calls alsa-lib on the PCM while it runs, including snd_pcm_delay; it
// publishes the delay after each write and after each idle wait of about one period, and
// DelayFrames() counts down from it what a running device has played since, so the JS thread
// never sees a delay up to a period too high (and so never lets the device run dry thinking
// it still holds audio).
#pragma once

#include <alsa/asoundlib.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "ring.h"

namespace phonemic {

class Writer {
 public:
  Writer(snd_pcm_t* pcm, unsigned channels, size_t ring_frames, size_t period_frames,
         unsigned rate);
  ~Writer();

  void Start();
  // JS thread: queues frames; returns how many fitted. 0 once stopping or failed.
  size_t Write(const int16_t* samples, size_t frames);
  // Frames queued in the ring plus the device's delay (its last report, less the time since).
  int64_t DelayFrames();
  uint32_t Xruns();
  // Why the thread gave up, or "" while healthy.
  std::string Failure();
  // Blocks until the thread has ended: after playing out the ring (drain) or at once (abort).
  // Returns true when everything queued reached the device.
  bool Stop(bool drain);

 private:
  enum class Mode { kRun, kDrain, kAbort };

  void Run();
  // After a drain has emptied the ring: lets the device play all of it before it is drained.
  void PlayOut();
  snd_pcm_sframes_t WriteRecovering(const int16_t* samples, size_t frames);
  snd_pcm_sframes_t DeviceDelay(bool* running);
  // Records a delay measured by DeviceDelay(); call with mutex_ held.
  void Publish(snd_pcm_sframes_t delay, bool running, std::chrono::steady_clock::time_point at);
  void CountXrun();

  snd_pcm_t* pcm_;
  size_t period_frames_;
  std::chrono::microseconds period_;
  unsigned rate_;

  std::mutex mutex_;
  std::condition_variable wake_;
  Ring ring_;
  Mode mode_ = Mode::kRun;
  int64_t device_delay_ = 0;
  bool device_running_ = false;
  std::chrono::steady_clock::time_point delay_at_;
  uint32_t xruns_ = 0;
  std::string failure_;
  std::thread thread_;
};

}  // namespace phonemic
