#include "writer.h"

#include <algorithm>
#include <cerrno>
#include <vector>

#include "alsa_log.h"

namespace phonemic {

Writer::Writer(snd_pcm_t* pcm, unsigned channels, size_t ring_frames, size_t period_frames,
               unsigned rate)
    : pcm_(pcm),
      period_frames_(period_frames),
      period_(std::chrono::microseconds(1000000ull * period_frames / rate)),
      rate_(rate),
      ring_(ring_frames, channels) {}

Writer::~Writer() { Stop(false); }

void Writer::Start() { thread_ = std::thread(&Writer::Run, this); }

size_t Writer::Write(const int16_t* samples, size_t frames) {
  size_t accepted;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (mode_ != Mode::kRun || !failure_.empty()) return 0;
    accepted = ring_.Push(samples, frames);
  }
  if (accepted > 0) wake_.notify_one();
  return accepted;
}

int64_t Writer::DelayFrames() {
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t device = device_delay_;
  if (device_running_ && device > 0) {
    auto since = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - delay_at_);
    device = std::max<int64_t>(0, device - since.count() * int64_t(rate_) / 1000000);
  }
  return static_cast<int64_t>(ring_.Size()) + device;
}

void Writer::Publish(snd_pcm_sframes_t delay, bool running,
                     std::chrono::steady_clock::time_point at) {
  device_delay_ = delay;
  device_running_ = running;
  delay_at_ = at;
}

uint32_t Writer::Xruns() {
  std::lock_guard<std::mutex> lock(mutex_);
  return xruns_;
}

std::string Writer::Failure() {
  std::lock_guard<std::mutex> lock(mutex_);
  return failure_;
}

bool Writer::Stop(bool drain) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // An abort may overrule a drain in progress, never the other way round.
    if (mode_ != Mode::kAbort) mode_ = drain ? Mode::kDrain : Mode::kAbort;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  return failure_.empty() && ring_.Size() == 0;
}

void Writer::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (mode_ != Mode::kAbort) {
    size_t frames = 0;
    const int16_t* span = ring_.ReadSpan(&frames);
    if (frames == 0) {
      if (mode_ == Mode::kDrain) break;
      bool woken = wake_.wait_for(lock, period_, [this] {
        return ring_.Size() > 0 || mode_ != Mode::kRun;
      });
      if (!woken) {
        // Idle: the device keeps playing what it holds, so its delay shrinks; republish it.
        lock.unlock();
        bool running = false;
        auto at = std::chrono::steady_clock::now();
        snd_pcm_sframes_t delay = DeviceDelay(&running);
        lock.lock();
        Publish(delay, running, at);
      }
      continue;
    }
    // One period per call: the ring frees space in small steps and the delay stays fresh.
    if (frames > period_frames_) frames = period_frames_;
    lock.unlock();
    snd_pcm_sframes_t written = WriteRecovering(span, frames);
    bool running = false;
    auto at = std::chrono::steady_clock::now();
    snd_pcm_sframes_t delay = written >= 0 ? DeviceDelay(&running) : 0;
    lock.lock();
    if (written < 0) {
      std::string detail = LastAlsaMessage();
      failure_ = std::string("writing to the device failed: ") + snd_strerror(int(written)) +
                 (detail.empty() ? "" : " (" + detail + ")");
      ring_.Clear();
      break;
    }
    ring_.Consume(size_t(written));
    Publish(delay, running, at);
  }
  // Only a sound card's own driver needs it; plugins (a file, a mixer) drain what they hold.
  if (mode_ == Mode::kDrain && failure_.empty() && ring_.Size() == 0 &&
      snd_pcm_type(pcm_) == SND_PCM_TYPE_HW) {
    lock.unlock();
    PlayOut();
  }
}

// snd-aloop (seen on Debian's Linux 6.1) blanks one timer tick (4 ms at HZ=250) of the audio
// that is still queued while it drains, so snd_pcm_drain() alone loses a little of the end of
// every stream: aplay shows the same. Put silence behind the audio, wait until the device has
// played the audio itself, and leave only that silence to the drain that follows.
void Writer::PlayOut() {
  const size_t pad = std::max(period_frames_, size_t(rate_ / 50));
  std::vector<int16_t> silence(pad * ring_.Channels(), 0);
  for (size_t done = 0; done < pad;) {
    snd_pcm_sframes_t n = WriteRecovering(silence.data(), pad - done);
    if (n < 0) return;  // the drain after this reports nothing either; the audio is what it is
    done += size_t(n);
  }
  // A device that never reached its start threshold would hold the audio for ever.
  if (snd_pcm_state(pcm_) == SND_PCM_STATE_PREPARED) snd_pcm_start(pcm_);
  bool running = false;
  snd_pcm_sframes_t delay = DeviceDelay(&running);
  // However the device behaves, this wait ends: at most what it held, and a second more.
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::microseconds(1000000ll * delay / rate_) + std::chrono::seconds(1);
  while (running && delay > snd_pcm_sframes_t(pad) && std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::microseconds(1000000ll * (delay - snd_pcm_sframes_t(pad)) / rate_);
    std::this_thread::sleep_for(std::min<std::chrono::microseconds>(left, period_) +
                                std::chrono::microseconds(500));
    delay = DeviceDelay(&running);
  }
}

// Writes until something is accepted, recovering from underruns and suspends on the way.
snd_pcm_sframes_t Writer::WriteRecovering(const int16_t* samples, size_t frames) {
  for (;;) {
    snd_pcm_sframes_t n = snd_pcm_writei(pcm_, samples, frames);
    if (n >= 0) return n;
    int err = int(n);
    if (err == -EINTR) continue;
    if (err == -EAGAIN) {  // only if someone switched the PCM to non-blocking mode
      snd_pcm_wait(pcm_, 100);
      continue;
    }
    if (err == -EPIPE) {
      CountXrun();
      err = snd_pcm_prepare(pcm_);
    } else if (err == -ESTRPIPE) {
      CountXrun();
      while ((err = snd_pcm_resume(pcm_)) == -EAGAIN) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (err < 0) err = snd_pcm_prepare(pcm_);
    }
    if (err < 0) return err;
  }
}

void Writer::CountXrun() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++xruns_;
}

snd_pcm_sframes_t Writer::DeviceDelay(bool* running) {
  snd_pcm_sframes_t delay = 0;
  // Fails while the device is in underrun; it then holds nothing worth counting.
  if (snd_pcm_delay(pcm_, &delay) < 0 || delay < 0) return 0;
  // Only a running device plays its queue down; a prepared one holds it until it starts.
  *running = snd_pcm_state(pcm_) == SND_PCM_STATE_RUNNING;
  return delay;
}

}  // namespace phonemic
