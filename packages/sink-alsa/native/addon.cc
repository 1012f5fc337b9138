// phonemic_alsa: a small binding over alsa-lib for @phonemic/sink-alsa.
//   new Pcm(name)                       open a playback PCM (see pcm.h)
//   listCards()                         [{ index, id, driver, name }]
//   playbackSubdevices(card, device)    number of playback subdevices, 0 if unknown
#include <napi.h>

#include "alsa_log.h"
#include "cards.h"
#include "pcm.h"

namespace phonemic {
namespace {

Napi::Value ListCardsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<CardInfo> cards = ListCards();
  Napi::Array out = Napi::Array::New(env, cards.size());
  for (size_t i = 0; i < cards.size(); ++i) {
    Napi::Object card = Napi::Object::New(env);
    card.Set("index", cards[i].index);
    card.Set("id", cards[i].id);
    card.Set("driver", cards[i].driver);
    card.Set("name", cards[i].name);
    out.Set(uint32_t(i), card);
  }
  return out;
}

Napi::Value PlaybackSubdevicesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber()) {
    throw Napi::TypeError::New(env, "playbackSubdevices(card, device) takes 2 numbers");
  }
  int card = info[0].As<Napi::Number>().Int32Value();
  int device = info[1].As<Napi::Number>().Int32Value();
  return Napi::Number::New(env, PlaybackSubdevices(card, device));
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallAlsaLog();
  exports.Set("Pcm", Pcm::Define(env));
  exports.Set("listCards", Napi::Function::New(env, ListCardsJs));
  exports.Set("playbackSubdevices", Napi::Function::New(env, PlaybackSubdevicesJs));
  return exports;
}

}  // namespace phonemic

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return phonemic::Init(env, exports);
}

NODE_API_MODULE(phonemic_alsa, InitModule)
