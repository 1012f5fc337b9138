// The JS-facing PCM object: `new Pcm(name)` opens a playback PCM; `configure` sets it up and
// starts the writer thread; `close` drains and closes on a worker thread and returns a Promise.
#pragma once

#include <alsa/asoundlib.h>
#include <napi.h>

#include <memory>
#include <utility>

#include "writer.h"

namespace phonemic {

// Everything a PCM owns. Moved out of the JS object on close, so the close worker owns it alone.
struct PcmHandles {
  snd_pcm_t* pcm = nullptr;
  snd_ctl_t* ctl = nullptr;
  std::unique_ptr<Writer> writer;

  PcmHandles() = default;
  // Moving leaves the source empty, so exactly one owner ever closes the handles.
  PcmHandles(PcmHandles&& other) noexcept { *this = std::move(other); }
  PcmHandles& operator=(PcmHandles&& other) noexcept {
    std::swap(pcm, other.pcm);
    std::swap(ctl, other.ctl);
    std::swap(writer, other.writer);
    return *this;
  }

  // Blocking: plays out the ring and the device buffer (drain) or drops them, then closes.
  void Shutdown(bool drain);
};

class Pcm : public Napi::ObjectWrap<Pcm> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Pcm(const Napi::CallbackInfo& info);
  ~Pcm() override;

 private:
  Napi::Value Caps(const Napi::CallbackInfo& info);
  Napi::Value Configure(const Napi::CallbackInfo& info);
  Napi::Value Location(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Delay(const Napi::CallbackInfo& info);
  Napi::Value Xruns(const Napi::CallbackInfo& info);
  Napi::Value Failure(const Napi::CallbackInfo& info);
  Napi::Value SetRateShift(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  PcmHandles handles_;
  unsigned channels_ = 0;
  int card_ = -1, device_ = -1, subdevice_ = -1;
};

// Throws a JS Error for alsa-lib error `err` during `what`, with `errno` (positive) and `alsa`
// (alsa-lib's own last message) properties for the TypeScript side to classify.
[[noreturn]] void ThrowAlsa(Napi::Env env, int err, const std::string& what);

}  // namespace phonemic
