// alsa-lib reports problems by printing "ALSA lib ..." lines on stderr. We route them into a
// buffer instead: nothing is printed, and the last line is added to our own error messages,
// where it usually names the real cause ("Unknown PCM foo", "Device or resource busy").
#pragma once

#include <string>

namespace phonemic {

// Installs the handler once per process; later calls do nothing.
void InstallAlsaLog();

// The last message alsa-lib reported on any thread, or "" if none since the last Clear.
std::string LastAlsaMessage();

// Forgets the last message, so that the next error is not blamed on an old one.
void ClearAlsaMessage();

}  // namespace phonemic
