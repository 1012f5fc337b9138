#include "alsa_log.h"

#include <alsa/asoundlib.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace phonemic {
namespace {

std::mutex log_mutex;
std::string last_message;

// Called by alsa-lib from whichever thread hit the problem.
void OnAlsaError(const char* /*file*/, int /*line*/, const char* /*function*/, int err,
                 const char* fmt, ...) {
  char text[512];
  va_list args;
  va_start(args, fmt);
  vsnprintf(text, sizeof text, fmt, args);
  va_end(args);
  std::string message(text);
  if (err != 0) message += std::string(" (") + snd_strerror(err) + ")";
  std::lock_guard<std::mutex> lock(log_mutex);
  last_message = message;
}

}  // namespace

void InstallAlsaLog() {
  static std::once_flag once;
  std::call_once(once, [] { snd_lib_error_set_handler(OnAlsaError); });
}

std::string LastAlsaMessage() {
  std::lock_guard<std::mutex> lock(log_mutex);
  return last_message;
}

void ClearAlsaMessage() {
  std::lock_guard<std::mutex> lock(log_mutex);
  last_message.clear();
}

}  // namespace phonemic
