#include "pcm.h"

#include <cerrno>
#include <cmath>

#include "alsa_log.h"
#include "cards.h"
#include "hw.h"

namespace phonemic {

void ThrowAlsa(Napi::Env env, int err, const std::string& what) {
  std::string detail = LastAlsaMessage();
  Napi::Error error = Napi::Error::New(env, what + ": " + snd_strerror(err));
  error.Set("errno", Napi::Number::New(env, -err));
  error.Set("alsa", Napi::String::New(env, detail));
  throw error;
}

void PcmHandles::Shutdown(bool drain) {
  bool complete = writer ? writer->Stop(drain) : false;
  writer.reset();
  if (pcm != nullptr) {
    if (drain && complete) snd_pcm_drain(pcm);
    else snd_pcm_drop(pcm);
    snd_pcm_close(pcm);
    pcm = nullptr;
  }
  if (ctl != nullptr) {
    snd_ctl_close(ctl);
    ctl = nullptr;
  }
}

Napi::Function Pcm::Define(Napi::Env env) {
  return DefineClass(env, "Pcm",
                     {InstanceMethod("caps", &Pcm::Caps),
                      InstanceMethod("configure", &Pcm::Configure),
                      InstanceMethod("location", &Pcm::Location),
                      InstanceMethod("write", &Pcm::Write),
                      InstanceMethod("delayFrames", &Pcm::Delay),
                      InstanceMethod("xruns", &Pcm::Xruns),
                      InstanceMethod("failure", &Pcm::Failure),
                      InstanceMethod("setRateShift", &Pcm::SetRateShift),
                      InstanceMethod("close", &Pcm::Close)});
}

Pcm::Pcm(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Pcm>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "Pcm(name): name must be a string");
  std::string name = info[0].As<Napi::String>();
  ClearAlsaMessage();
  // Non-blocking open: a busy hw device then fails with EBUSY instead of waiting for its owner.
  int err = snd_pcm_open(&handles_.pcm, name.c_str(), SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK);
  if (err < 0) ThrowAlsa(env, err, "cannot open " + name);
  // Writes happen on our own thread, where blocking is what we want.
  snd_pcm_nonblock(handles_.pcm, 0);

  snd_pcm_info_t* pcm_info;
  snd_pcm_info_alloca(&pcm_info);
  if (snd_pcm_info(handles_.pcm, pcm_info) == 0) {
    card_ = snd_pcm_info_get_card(pcm_info);
    device_ = int(snd_pcm_info_get_device(pcm_info));
    subdevice_ = int(snd_pcm_info_get_subdevice(pcm_info));
  }
}

Pcm::~Pcm() { handles_.Shutdown(false); }

Napi::Value Pcm::Caps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (handles_.pcm == nullptr) throw Napi::Error::New(env, "the PCM is closed");
  phonemic::Caps caps;
  ClearAlsaMessage();
  int err = QueryCaps(handles_.pcm, &caps);
  if (err < 0) ThrowAlsa(env, err, "cannot query what the device allows");
  Napi::Object out = Napi::Object::New(env);
  Napi::Array formats = Napi::Array::New(env, caps.formats.size());
  for (size_t i = 0; i < caps.formats.size(); ++i) formats.Set(uint32_t(i), caps.formats[i]);
  out.Set("s16le", caps.s16le);
  out.Set("formats", formats);
  out.Set("rateMin", caps.rate_min);
  out.Set("rateMax", caps.rate_max);
  out.Set("channelsMin", caps.channels_min);
  out.Set("channelsMax", caps.channels_max);
  return out;
}

// configure(rate, channels, periodUs, bufferUs, ringFrames) -> applied parameters
Napi::Value Pcm::Configure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (handles_.pcm == nullptr) throw Napi::Error::New(env, "the PCM is closed");
  if (handles_.writer) throw Napi::Error::New(env, "the PCM is already configured");
  for (size_t i = 0; i < 5; ++i) {
    if (!info[i].IsNumber()) throw Napi::TypeError::New(env, "configure() takes 5 numbers");
  }
  Request request{info[0].As<Napi::Number>().Uint32Value(), info[1].As<Napi::Number>().Uint32Value(),
                  info[2].As<Napi::Number>().Uint32Value(), info[3].As<Napi::Number>().Uint32Value()};
  size_t ring_frames = info[4].As<Napi::Number>().Uint32Value();
  Applied applied;
  std::string what;
  ClearAlsaMessage();
  int err = phonemic::Configure(handles_.pcm, request, &applied, &what);
  if (err < 0) ThrowAlsa(env, err, "the device refused the " + what);

  channels_ = applied.channels;
  handles_.writer = std::make_unique<Writer>(handles_.pcm, applied.channels,
                                             std::max(ring_frames, size_t(applied.period_frames)),
                                             applied.period_frames, applied.rate);
  handles_.writer->Start();
  Napi::Object out = Napi::Object::New(env);
  out.Set("rate", applied.rate);
  out.Set("channels", applied.channels);
  out.Set("periodFrames", double(applied.period_frames));
  out.Set("bufferFrames", double(applied.buffer_frames));
  return out;
}

Napi::Value Pcm::Location(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("card", card_);
  out.Set("device", device_);
  out.Set("subdevice", subdevice_);
  return out;
}

Napi::Value Pcm::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int16_array) {
    throw Napi::TypeError::New(env, "write(samples): samples must be an Int16Array");
  }
  if (!handles_.writer) return Napi::Number::New(env, 0);
  Napi::Int16Array samples = info[0].As<Napi::Int16Array>();
  if (samples.ElementLength() % channels_ != 0) {
    throw Napi::RangeError::New(env, "write(samples): length is not a whole number of frames");
  }
  size_t frames = samples.ElementLength() / channels_;
  return Napi::Number::New(env, double(handles_.writer->Write(samples.Data(), frames)));
}

Napi::Value Pcm::Delay(const Napi::CallbackInfo& info) {
  double delay = handles_.writer ? double(handles_.writer->DelayFrames()) : 0;
  return Napi::Number::New(info.Env(), delay);
}

Napi::Value Pcm::Xruns(const Napi::CallbackInfo& info) {
  double xruns = handles_.writer ? double(handles_.writer->Xruns()) : 0;
  return Napi::Number::New(info.Env(), xruns);
}

Napi::Value Pcm::Failure(const Napi::CallbackInfo& info) {
  std::string failure = handles_.writer ? handles_.writer->Failure() : "";
  if (failure.empty()) return info.Env().Undefined();
  return Napi::String::New(info.Env(), failure);
}

// setRateShift(value) -> true when snd-aloop's rate shift control took the value.
Napi::Value Pcm::SetRateShift(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "setRateShift(value): not a number");
  long value = std::lround(info[0].As<Napi::Number>().DoubleValue());
  if (handles_.pcm == nullptr || card_ < 0) return Napi::Boolean::New(env, false);
  if (handles_.ctl == nullptr && OpenCardControl(card_, &handles_.ctl) < 0) {
    handles_.ctl = nullptr;
    return Napi::Boolean::New(env, false);
  }
  return Napi::Boolean::New(env, WriteRateShift(handles_.ctl, device_, subdevice_, value) == 0);
}

namespace {

// Drains and closes off the JS thread: snd_pcm_drain waits as long as the audio lasts.
class CloseWorker : public Napi::AsyncWorker {
 public:
  CloseWorker(Napi::Env env, PcmHandles handles)
      : Napi::AsyncWorker(env, "phonemic:alsa-close"),
        handles_(std::move(handles)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override { handles_.Shutdown(true); }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  PcmHandles handles_;
  Napi::Promise::Deferred deferred_;
};

}  // namespace

Napi::Value Pcm::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (handles_.pcm == nullptr) {  // already closed or closing: nothing left to wait for here
    auto done = Napi::Promise::Deferred::New(env);
    done.Resolve(env.Undefined());
    return done.Promise();
  }
  auto* worker = new CloseWorker(env, std::move(handles_));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace phonemic
